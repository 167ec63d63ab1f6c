"""Zone thresholds calibrated for one knowledge base, from the knowledge base itself.

At build time, with the build's own vectors (no extra embedding except a bundled list
of generic off-topic questions, kb_index/offtopic.txt):

- positives: every standard question (and similar question) held out — its own
  vector removed, the rest of its entry (other questions, the question+answer
  passage) kept — searched against the whole index; right entry at the top or not,
  and its score;
- on-topic negatives: every standard question with its whole entry removed (a
  question the knowledge base nearly covers but has no entry for);
- off-topic negatives: the bundled generic questions.

answer  = max(median of on-topic negatives, 90th percentile of off-topic negatives), and ahead of
          the second entry by 0.02 when most entries have no similar questions (0.01 otherwise);
suggest = median of the off-topic negatives.
The rule was chosen on the sample KB with and without its similar questions (bench/kb);
the held-out question scores are evidence and an estimate, not the threshold.
A labelled query file (`kb_index calibrate SOURCE QUERIES`, gold id TAB question, `-`
for unanswerable) replaces this by a utility search on real questions.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

OFFTOPIC = Path(__file__).with_name("offtopic.txt")
MAX_PROBES = 2000  # held-out probes at most (large knowledge bases: a sample)
# below this many entries percentiles of negatives are noise: the fixed defaults are kept
MIN_ENTRIES = int(os.environ.get("KB_CALIBRATE_MIN_ENTRIES", "20"))


def offtopic_questions() -> List[str]:
    return [l.strip() for l in OFFTOPIC.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")]


def _q(values: Sequence[float], p: float) -> float:
    return float(np.percentile(values, p)) if len(values) else 0.0


def self_calibrate(vectors: np.ndarray, owners: np.ndarray, keys: List[str], entries, embedder,
                   defaults: Dict[str, float]) -> Dict[str, Any]:
    """Thresholds and the evidence for them, from the build's vectors."""
    owners = np.asarray(owners)
    n = len(entries)
    qrows = [r for r, k in enumerate(keys) if k.startswith("q:")]
    if n < MIN_ENTRIES or not qrows:
        return {"method": "defaults (knowledge base too small to calibrate)", "thresholds": dict(defaults)}
    rng = np.random.default_rng(0)
    probes = np.asarray(qrows if len(qrows) <= MAX_PROBES else sorted(rng.choice(qrows, MAX_PROBES, replace=False)))
    key_arr = np.asarray(keys)
    pos_scores, pos_right, neg_topic, margins = [], [], [], []
    for start in range(0, len(probes), 64):
        chunk = probes[start:start + 64]
        sims = vectors[chunk] @ vectors.T
        for i, row in enumerate(chunk):
            s = sims[i].copy()
            s[key_arr == key_arr[row]] = -1.0  # the held-out text itself (and identical copies)
            own = owners[row]
            best_by_owner = {}
            top = np.argsort(-s)[:64]
            for r in top:
                o = int(owners[r])
                if o not in best_by_owner:
                    best_by_owner[o] = float(s[r])
            ranked = sorted(best_by_owner.items(), key=lambda kv: -kv[1])
            pos_scores.append(ranked[0][1])
            pos_right.append(ranked[0][0] == own)
            if len(ranked) > 1:
                margins.append(ranked[0][1] - ranked[1][1])
            others = [v for o, v in ranked if o != own]
            neg_topic.append(others[0] if others else -1.0)
    off = embedder.embed_queries(offtopic_questions())
    off_sims = off @ vectors.T
    neg_off = off_sims.max(axis=1).tolist()

    answer = max(_q(neg_topic, 50), _q(neg_off, 90))
    suggest = min(_q(neg_off, 50), answer - 0.005)
    with_similar = sum(1 for e in entries if e.similar_questions) / n
    margin = 0.01 if with_similar >= 0.5 else 0.02  # without similar questions the top two are often close
    thresholds = {**defaults, "answer": round(answer, 4), "suggest": round(suggest, 4), "margin": margin}
    pos = np.asarray(pos_scores)
    right = np.asarray(pos_right)
    answered = pos >= answer
    est_answer_rate = float(answered.mean())
    est_precision = float(right[answered].mean()) if answered.any() else 1.0
    return {
        "method": "self (held-out questions of this knowledge base, other entries and generic questions as negatives)",
        "thresholds": thresholds,
        "probes": int(len(probes)),
        "held_out_recall@1": round(float(right.mean()), 3),
        "held_out_score_q": {p: round(_q(pos, p), 4) for p in (5, 25, 50)},
        "on_topic_negative_q": {p: round(_q(neg_topic, p), 4) for p in (50, 75, 95)},
        "off_topic_negative_q": {p: round(_q(neg_off, p), 4) for p in (50, 90, 100)},
        "estimate": {"direct_answer_rate": round(est_answer_rate, 3), "direct_answer_precision": round(est_precision, 3),
                     "note": "rough: a held-out standard question keeps only its entry's other vectors; on bench/kb "
                             "and bench/kb2 the real rate was lower and the real precision higher (docs/kb_index.md)"},
    }


def weak_entries(entries, vectors: np.ndarray, owners: np.ndarray, keys: List[str], dup_threshold: float = 0.97,
                 limit: int = 50) -> Dict[str, List[Any]]:
    """Entries to improve: no similar questions, too short a question, near-duplicate standard questions."""
    no_similar = [e.id for e in entries if not e.similar_questions]
    short = [e.id for e in entries if len(e.question.strip()) < 6]
    std_rows = {}
    for r, (k, o) in enumerate(zip(keys, owners)):
        if k.startswith("q:") and int(o) not in std_rows:
            std_rows[int(o)] = r  # the first question vector of an entry is its standard question
    dups = []
    if len(std_rows) <= 5000:
        order = sorted(std_rows)
        m = vectors[[std_rows[o] for o in order]]
        sims = m @ m.T
        np.fill_diagonal(sims, -1)
        a_idx, b_idx = np.where(np.triu(sims) >= dup_threshold)
        for a, b in sorted(zip(a_idx, b_idx), key=lambda ab: -sims[ab[0], ab[1]])[:limit]:
            dups.append([entries[order[a]].id, entries[order[b]].id, round(float(sims[a, b]), 4)])
    return {"no_similar_questions": no_similar, "short_question": short, "near_duplicates": dups}


def calibrate_on_labelled(index, queries: List[tuple], defaults: Dict[str, float]) -> Dict[str, Any]:
    """Utility search over thresholds on labelled (gold id or None, question) pairs."""
    from kb_index.index import decide

    hits = [index.rank(q, 5) for _, q in queries]
    golds = [g for g, _ in queries]
    best = None
    for s in np.arange(0.80, 0.99, 0.0025):
        for a in np.arange(s, 0.995, 0.0025):
            for m in (0.0, 0.0025, 0.005, 0.01):
                t = {**defaults, "answer": round(float(a), 4), "suggest": round(float(s), 4), "margin": m}
                u = 0.0
                for h, g in zip(hits, golds):
                    r = decide(h, t, 5)
                    if r.zone == "answer":
                        u += (1.0 if g is not None and r.hits[0].id == g else -2.0)
                    elif r.zone == "suggest":
                        u += 0.5 if g is not None and any(x.id == g for x in r.hits) else 0.0
                    else:
                        u += 1.0 if g is None else 0.0
                key = (round(u, 3), -t["answer"], -m)
                if best is None or key > best[0]:
                    best = (key, t)
    return {"method": f"labelled queries ({len(queries)})", "thresholds": best[1], "utility": best[0][0]}

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


def _entry_starts(owners: np.ndarray, n: int) -> np.ndarray:
    """Rows of entry e are starts[e]:starts[e+1] (a build writes an entry's vectors together)."""
    return np.searchsorted(owners, np.arange(n + 1))


def probe_features(sims: np.ndarray, excluded: np.ndarray, owners: np.ndarray, starts: np.ndarray,
                   query: str, entry_texts: List[List[str]], drop_text: Optional[str] = None):
    """(owner of the best entry, feature vector) of one synthetic question against the build's vectors,
    with the `excluded` rows removed (its own vector, or its whole entry)."""
    from kb_index.decision import bigrams, containment, feature_vector

    s = np.where(excluded, -1.0, sims)
    top = np.argpartition(-s, min(len(s) - 1, 255))[:256]
    best: Dict[int, float] = {}
    for r in top[np.argsort(-s[top])]:
        o = int(owners[r])
        if o not in best:
            best[o] = float(s[r])
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    o1, s1 = ranked[0]
    o2, s2 = ranked[1] if len(ranked) > 1 else (-1, -1.0)
    rows = np.arange(starts[o1], starts[o1 + 1])
    rows = rows[~excluded[rows]]
    agree = float(s[rows].mean()) if len(rows) else s1
    grams = bigrams(query)
    texts1 = [t for t in entry_texts[o1] if t != drop_text]
    lex1 = containment(grams, texts1)
    lex2 = containment(grams, [t for t in entry_texts[o2] if t != drop_text]) if o2 >= 0 else 0.0
    return o1, feature_vector(s1, s2, agree, lex1, lex2)


DROPOUT = 0.3


def _dropout(text: str, rng, share: float) -> str:
    keep = [ch for ch in text if rng.random() >= share]
    return "".join(keep) if len(keep) >= 3 else text


def fit_decision(vectors: np.ndarray, owners: np.ndarray, keys: List[str], entries, embedder,
                 entry_texts: List[List[str]], thresholds: Dict[str, float]) -> Optional[Dict[str, Any]]:
    """The build's answer model (kb_index/decision.py): features of synthetic questions, a weighted
    logistic regression, and the probability from which to answer (no more of the build's negatives
    answered than by the calibrated cosine rule)."""
    from kb_index.decision import fit_logistic, probability
    from kb_index.paraphrase import probe_paraphrases

    owners = np.asarray(owners)
    n = len(entries)
    if n < MIN_ENTRIES:
        return None
    rng = np.random.default_rng(1)
    chosen = np.arange(n) if n <= MAX_PROBES else np.sort(rng.choice(n, MAX_PROBES, replace=False))
    starts = _entry_starts(owners, n)
    key_arr = np.asarray(keys)
    # synthetic colloquial questions: probe paraphrases of standard questions (nothing of them indexed)
    probes = [(int(e), p, None) for e in chosen for p in probe_paraphrases(entries[e].question)]
    # harder ones: a probe paraphrase with a third of its characters dropped (citizens word the subject
    # differently); some of them find another entry first, which teaches the model what a wrong top-1 looks like
    probes += [(e, _dropout(p, rng, DROPOUT), None) for e, p, _ in list(probes)]
    # held-out similar questions (their own vector removed)
    sim_rows = {}
    for r, k in enumerate(keys):
        o = int(owners[r])
        if k.startswith("q:") and r != starts[o]:
            sim_rows.setdefault(o, []).append(r)
    held = [(int(e), r) for e in chosen for r in sim_rows.get(int(e), [])[:2]]
    texts = [p for _, p, _ in probes]
    qv = embedder.embed_queries(texts) if texts else np.zeros((0, vectors.shape[1]), np.float32)
    off = offtopic_questions()
    ov = embedder.embed_queries(off)
    x, y, kind = [], [], []
    no_rows = np.zeros(len(keys), bool)

    def add(sims, excluded, text, own, drop, label_kind):
        o1, f = probe_features(sims, excluded, owners, starts, text, entry_texts, drop)
        x.append(f)
        y.append(1.0 if own is not None and o1 == own else 0.0)
        kind.append(label_kind)

    for start in range(0, len(probes), 64):
        chunk = probes[start:start + 64]
        sims = qv[start:start + 64] @ vectors.T
        for i, (e, text, _) in enumerate(chunk):
            add(sims[i], no_rows, text, e, None, "probe")
            whole = np.zeros(len(keys), bool)
            whole[starts[e]:starts[e + 1]] = True
            add(sims[i], whole, text, None, None, "on_topic_negative")
    for start in range(0, len(held), 64):
        chunk = held[start:start + 64]
        sims = vectors[[r for _, r in chunk]] @ vectors.T
        for i, (e, r) in enumerate(chunk):
            text = entry_texts[e][r - starts[e]] if r - starts[e] < len(entry_texts[e]) else ""
            add(sims[i], key_arr == key_arr[r], text, e, text, "held_out_similar")
            whole = np.zeros(len(keys), bool)
            whole[starts[e]:starts[e + 1]] = True
            add(sims[i], whole, text, None, text, "on_topic_negative")
    off_sims = ov @ vectors.T
    for i, text in enumerate(off):
        add(off_sims[i], no_rows, text, None, None, "off_topic")
    x, y, kind = np.asarray(x), np.asarray(y), np.asarray(kind)
    if y.sum() < 5 or (1 - y).sum() < 5:
        return None
    # weights: the positives and the negatives weigh the same; on-topic : off-topic negatives 2 : 1
    w = np.ones(len(y))
    pos, on, offt = y == 1, (y == 0) & (kind != "off_topic"), kind == "off_topic"
    w[pos] = 1.0 / pos.sum()
    w[on] = (2 / 3) / max(1, on.sum())
    w[offt] = (1 / 3) / max(1, offt.sum())
    model = fit_logistic(x, y, w)
    p = np.asarray([probability(model, f) for f in x])
    eligible = x[:, 0] >= thresholds["suggest"]
    neg = y == 0
    # the synthetic positives are easier than citizens' questions, so the probability from which to answer
    # is set by the negatives alone: the model may answer as large a (weighted) share of the build's negatives
    # as the calibrated cosine rule does, not more
    cosine = (x[:, 0] >= thresholds["answer"]) & (x[:, 1] >= thresholds.get("margin", 0.0))
    budget = float(w[neg & cosine].sum())
    best_t = 1.0
    for t in np.sort(np.unique(np.round(p[eligible], 4)))[::-1]:
        if float(w[neg & eligible & (p >= t)].sum()) > budget + 1e-12:
            break
        best_t = float(t)
    model["p_answer"] = round(best_t, 4)
    answered = (p >= best_t) & eligible
    model["evidence"] = {
        "questions": {k: int((kind == k).sum()) for k in ("probe", "held_out_similar", "on_topic_negative", "off_topic")},
        "positives": int(pos.sum()),
        "synthetic_answered": {k: round(float(answered[kind == k].mean()), 3) for k in ("probe", "held_out_similar",
                                                                                        "on_topic_negative", "off_topic")
                               if (kind == k).any()},
        "synthetic_precision": round(float(y[answered].mean()), 3) if answered.any() else None,
        "cosine_rule_answered": {k: round(float(cosine[kind == k].mean()), 3) for k in ("probe", "held_out_similar",
                                                                                     "on_topic_negative", "off_topic")
                                 if (kind == k).any()},
    }
    return model

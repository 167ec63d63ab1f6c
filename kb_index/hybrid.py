"""Optional character n-gram re-ranking of the dense candidates (KB_HYBRID_WEIGHT).

Chinese questions that share rare characters with an entry (place names, 公积金,
过户) are often the right one even when the dense scores are close. With a weight
w > 0 the entries the dense search found are re-ordered by reciprocal-rank fusion,
1/(60 + dense rank) + w/(60 + n-gram rank), where the n-gram score is the TF-IDF
cosine of character 1–3-grams with the entry's best question. Only the order
changes: scores stay dense cosines, so the calibrated zone thresholds still apply.
Off (w = 0) by default; measured in bench/kb_eval.py.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Dict, List, Sequence

RRF_K = 60


def char_ngrams(text: str, n_max: int = 3) -> List[str]:
    text = "".join(ch for ch in text.lower() if not ch.isspace())
    return [text[i:i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1)]


class NgramScorer:
    """TF-IDF cosine of character 1–3-grams; IDF over every question of the knowledge base."""

    def __init__(self, entries: Sequence[Dict]):
        self._questions: List[List[Counter]] = []
        df: Counter = Counter()
        docs = 0
        for entry in entries:
            grams = [Counter(char_ngrams(q)) for q in [entry["question"], *entry.get("similar_questions", [])]]
            self._questions.append(grams)
            for g in grams:
                df.update(g.keys())
                docs += 1
        self._idf = {g: math.log((1 + docs) / (1 + c)) + 1 for g, c in df.items()}
        self._default_idf = math.log(1 + docs) + 1

    def _vector(self, counts: Counter) -> Dict[str, float]:
        vector = {g: (1 + math.log(c)) * self._idf.get(g, self._default_idf) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items()}

    def score(self, query: str, entry_number: int) -> float:
        q = self._vector(Counter(char_ngrams(query)))
        best = 0.0
        for counts in self._questions[entry_number]:
            d = self._vector(counts)
            best = max(best, sum(v * d.get(g, 0.0) for g, v in q.items()))
        return best


def fuse(query: str, owners: List[int], scorer: NgramScorer, weight: float) -> List[int]:
    """`owners` (entry numbers in dense order) re-ordered by reciprocal-rank fusion."""
    if weight <= 0 or len(owners) < 2:
        return owners
    return fuse_scores(owners, {o: scorer.score(query, o) for o in owners}, weight)


def fuse_scores(owners: List[int], other: Dict[int, float], weight: float) -> List[int]:
    """`owners` (dense order) re-ordered by 1/(60 + dense rank) + weight/(60 + rank by `other`)."""
    if weight <= 0 or len(owners) < 2:
        return owners
    by_other = sorted(owners, key=lambda o: -other[o])
    other_rank = {o: r for r, o in enumerate(by_other, 1)}
    fused = {o: 1.0 / (RRF_K + r) + weight / (RRF_K + other_rank[o]) for r, o in enumerate(owners, 1)}
    return sorted(owners, key=lambda o: -fused[o])

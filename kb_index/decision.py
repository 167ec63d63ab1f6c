"""Answer decision on several features, fitted at build time (KB_DECISION=model).

Instead of one cosine threshold, a logistic regression estimates the probability that
the best entry is the right one from

- s1      the dense cosine of the best entry,
- margin  s1 minus the cosine of the second entry (capped at 0.1),
- agree   the mean cosine of all vectors of the best entry (its questions, paraphrases,
          question+answer passage agree or not),
- lex     character-bigram containment of the (normalised) query in the best entry's
          questions, and lex_margin, the same minus that of the second entry.

It is fitted by the build (kb_index/calibrate.py) on the knowledge base's own synthetic
questions — colloquial probe paraphrases of every standard question and held-out similar
questions as positives when their entry comes first, the same questions with their whole
entry removed and the bundled off-topic questions as negatives — and the probability
from which it answers is the lowest that answers no larger (weighted) share of those
negatives than the calibrated cosine rule does. Fitted only when asked (build with
KB_DECISION=model); off by default: it did not win on kb2 (docs/kb_index.md §5a).
The coefficients and the evidence are written into meta.json ("decision").
The suggest / none zones stay on the calibrated cosine threshold.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence

import numpy as np

from kb_index.normalize import normalize

FEATURES = ["s1", "margin", "agree", "lex", "lex_margin"]
_NONWORD = re.compile(r"[\W_]+")


def bigrams(text: str) -> set:
    t = _NONWORD.sub("", normalize(text.lower()))
    return {t[i:i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def containment(query_grams: set, texts: Sequence[str]) -> float:
    if not query_grams:
        return 0.0
    return max((len(query_grams & bigrams(t)) / len(query_grams) for t in texts), default=0.0)


def feature_vector(s1: float, s2: float, agree: float, lex1: float, lex2: float) -> List[float]:
    return [s1, min(s1 - s2, 0.1), agree, lex1, lex1 - lex2]


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0, iters: int = 50) -> Dict[str, Any]:
    """Weighted, L2-regularised logistic regression by Newton steps (no extra dependency)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # no penalty on the intercept
    w = w / w.sum() * len(w)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"features": FEATURES, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": beta[:-1].round(6).tolist(), "intercept": round(float(beta[-1]), 6)}


def probability(model: Dict[str, Any], features: Sequence[float]) -> float:
    z = (np.asarray(features) - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return float(1 / (1 + np.exp(-(z @ np.asarray(model["coef"]) + model["intercept"]))))

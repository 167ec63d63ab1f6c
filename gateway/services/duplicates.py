"""Duplicate orders (第七条（七）): the same contact, substantially the same matter,
while an earlier order is still open → link to the earlier order instead of a new one.

"Same contact" is the same ``sender_id`` (the channel's identity of the citizen);
"substantially the same matter" is the same type and district and descriptions
whose character-bigram overlap coefficient (shared bigrams / bigrams of the
shorter text; punctuation and spaces ignored) is at least ``SIMILARITY_THRESHOLD``
— so a retelling with extra words still matches.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.domain import OPEN_STATUSES
from gateway.models import Order
from gateway.schemas import OrderCreate

SIMILARITY_THRESHOLD = 0.7
CANDIDATES = 20
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def _bigrams(text: str) -> set[str]:
    text = _NOISE.sub("", text.casefold())
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Overlap coefficient of the character bigrams (0–1)."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def find_duplicate(session: Session, payload: OrderCreate) -> Order | None:
    """The most similar open order of the same sender about the same matter, if any."""
    rows = session.scalars(
        select(Order)
        .where(
            Order.sender_id == payload.sender_id,
            Order.status.in_([s.value for s in OPEN_STATUSES]),
            Order.type == payload.type.value,
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(CANDIDATES)
    ).all()
    best: tuple[float, Order] | None = None
    for order in rows:
        if order.district != payload.district:
            continue
        score = similarity(order.description, payload.description)
        if score >= SIMILARITY_THRESHOLD and (best is None or score > best[0]):
            best = (score, order)
    return best[1] if best else None

"""Async client of the knowledge-base search service (kb_index, docs/kb_index.md).

Never raises into the dialogue: when KB_URL is not set, the service is down, slow,
refuses the token or answers something unexpected, `search` returns None and the
caller falls back to the honest "no answer" reply.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, List, Optional

import httpx

from bot.actions.settings import get_settings

logger = logging.getLogger(__name__)

ZONES = ("answer", "suggest", "none")


@dataclass(frozen=True)
class KBHit:
    id: str
    question: str
    answer: str
    department: str
    score: float


@dataclass(frozen=True)
class KBResult:
    zone: str
    hits: List[KBHit] = field(default_factory=list)


def _timeout_s() -> float:
    try:
        return max(0.1, float(os.environ.get("KB_TIMEOUT_S", "2")))
    except ValueError:
        return 2.0


def _parse(body: Any) -> Optional[KBResult]:
    if not isinstance(body, dict) or body.get("zone") not in ZONES or not isinstance(body.get("hits"), list):
        return None
    hits = []
    for item in body["hits"]:
        if not isinstance(item, dict) or not item.get("question"):
            continue
        hits.append(KBHit(str(item.get("id", "")), str(item["question"]), str(item.get("answer") or ""),
                          str(item.get("department") or ""), float(item.get("score") or 0.0)))
    zone = body["zone"]
    if zone == "answer" and not (hits and hits[0].answer):
        return None
    if zone == "suggest" and not hits:
        zone = "none"
    return KBResult(zone, hits)


async def search(question: str, k: int = 3, channel: str = "") -> Optional[KBResult]:
    """The service's decision for `question`, or None when it cannot be had."""
    base = get_settings().kb_url
    if not base or not (question or "").strip():
        return None
    headers = {}
    token = os.environ.get("KB_API_TOKEN", "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=_timeout_s()) as client:
            response = await client.post(f"{base}/api/v1/search", headers=headers,
                                         json={"query": question[:2000], "k": k, "channel": channel or ""})
        if response.status_code != 200:
            logger.warning("knowledge base answered %s: %s", response.status_code, response.text[:200])
            return None
        return _parse(response.json())
    except Exception as exc:  # noqa: BLE001 - the dialogue must go on whatever happens here
        logger.warning("knowledge base unavailable: %s: %s", type(exc).__name__, exc)
        return None

"""Tells the order gateway what became of a result notification (issue 14).

The gateway's notifier puts a result into the conversation as a bot message whose metadata
carries ``notification`` (``SL…:result:N``); each channel's output sees it in the message and,
after trying to deliver it, reports ``POST {GATEWAY_URL}/api/v1/notifications/outcome`` with
the bot token (GATEWAY_API_TOKEN): delivered / template / pushed / stored / undelivered.
Best effort: a failed report is logged, the message itself is not sent again.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

import httpx

logger = logging.getLogger(__name__)


def notification_of(message: Dict[str, Any]) -> Optional[str]:
    value = message.get("notification")
    return value if isinstance(value, str) and value else None


async def report(notification: str, outcome: str, detail: Optional[str] = None, *,
                 gateway_url: Optional[str] = None, token: Optional[str] = None) -> bool:
    url = (gateway_url or os.environ.get("GATEWAY_URL", "").strip() or "http://127.0.0.1:8000").rstrip("/")
    token = token if token is not None else os.environ.get("GATEWAY_API_TOKEN", "").strip()
    if not token:
        logger.warning("result notification %s: %s, not reported (GATEWAY_API_TOKEN not set)", notification, outcome)
        return False
    body = {"notification": notification, "outcome": outcome, "detail": (detail or None) and detail[:500]}
    for attempt in range(2):
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.post(f"{url}/api/v1/notifications/outcome", json=body,
                                             headers={"Authorization": f"Bearer {token}"})
            if response.status_code < 300:
                return True
            logger.warning("gateway answered %d to the outcome of %s", response.status_code, notification)
            if response.status_code < 500:
                return False
        except httpx.HTTPError as error:
            logger.warning("outcome of %s not reported (attempt %d): %r", notification, attempt + 1, error)
    return False

"""Rebuilds the transcript a citizen saw from the conversation's tracker events.

Citizen texts (a button click as the button's title), bot texts with their buttons,
and agents' messages (bot events whose metadata names an agent). Used by the history
endpoint so a reload, a second tab or a page opened after an agent wrote shows everything.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from channels.webchat.output import bot_message

DISPLAY_KEY = "webchat_display"


def transcript(events: Iterable[Dict[str, Any]], limit: int = 200) -> List[Dict[str, Any]]:
    """Serialised tracker events → [{"from": "citizen"|"bot"|"agent", "text", "buttons"?, "agent"?}]."""
    items: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = _citizen_text(event)
            if text:
                items.append({"from": "citizen", "text": text})
        elif kind == "bot":
            message = {"text": event.get("text"), **(event.get("data") or {}), **(event.get("metadata") or {})}
            rendered = bot_message(message)
            if rendered is None:
                continue
            rendered["from"] = "agent" if "agent" in rendered else "bot"
            items.append(rendered)
    return items[-limit:] if limit else items


def _citizen_text(event: Dict[str, Any]) -> Optional[str]:
    metadata = event.get("metadata") or {}
    display = metadata.get(DISPLAY_KEY)
    if isinstance(display, str) and display:
        return display
    text = event.get("text")
    return text if isinstance(text, str) and text else None

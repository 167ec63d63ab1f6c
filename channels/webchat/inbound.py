"""Checks one citizen message from the widget before it may reach the bot.

The widget sends `user_uttered` with {session_id, message, is_payload, title}. The text
goes through channels.guard.citizen_message (button clicks with is_payload=True);
empty, oversized or malformed messages are refused with a Chinese text and never sent on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from channels.guard import citizen_message
from channels.webchat import texts
from channels.webchat.session import checked

TITLE_MAX_CHARS = 100


@dataclass(frozen=True)
class Accepted:
    session_id: str
    text: str  # what Rasa gets (guarded)
    display: str  # what the citizen sees in the transcript (a button's title for a click)
    is_payload: bool


@dataclass(frozen=True)
class Refused:
    code: str  # too_long | empty | malformed | no_session
    text: str


def check(data: Any, max_chars: int, session_id: Optional[str] = None) -> Union[Accepted, Refused]:
    """`session_id` is the one the socket confirmed; the message's own one is used otherwise."""
    if not isinstance(data, dict):
        return Refused("malformed", texts.MALFORMED)
    session = checked(data.get("session_id")) or session_id
    if session is None:
        return Refused("no_session", texts.NO_SESSION)
    raw = data.get("message")
    if not isinstance(raw, str):
        return Refused("malformed", texts.MALFORMED)
    if len(raw) > max_chars:
        return Refused("too_long", texts.TOO_LONG.format(max_chars=max_chars))
    is_payload = data.get("is_payload") is True
    text = citizen_message(raw, is_payload=is_payload)
    if not text:
        return Refused("empty", texts.EMPTY)
    display = text
    if is_payload:
        title = data.get("title")
        if isinstance(title, str) and title.strip():
            display = citizen_message(title[:TITLE_MAX_CHARS]) or text
    return Accepted(session, text, display, is_payload and text.startswith("/"))

"""Session ids of the web chat: issued by the server, kept by the browser in localStorage.

A session id is a bearer secret (whoever holds it reads the conversation), so it carries
128 random bits and anything not shaped like one is refused. It never leaves the browser
and this channel: the conversation's Rasa sender id — the socket.io room every tab of that
browser joins, the id the gateway, the console, the trackers and the logs see — is derived
from it, ``webchat-`` + HMAC-SHA256(WEBCHAT_SENDER_SECRET, session id) (128 bits, hex).
Knowing a sender id gives nothing: it cannot be turned back into the session id.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any, Optional

PREFIX = "web-"
SENDER_PREFIX = "webchat-"
_SESSION_ID = re.compile(r"^web-[0-9a-f]{32}$")


def new_session_id() -> str:
    return PREFIX + secrets.token_hex(16)


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


def session_or_new(value: Any) -> str:
    """The given session id when well formed, otherwise a fresh one."""
    return value if valid_session_id(value) else new_session_id()


def checked(value: Any) -> Optional[str]:
    return value if valid_session_id(value) else None


def sender_for(secret: str, session_id: str) -> str:
    """The Rasa sender id of a session: not the session id, and not reversible to it."""
    digest = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return SENDER_PREFIX + digest[:32]

"""Session ids of the web chat: issued by the server, kept by the browser in localStorage.

A session id is the conversation's Rasa sender id and the socket.io room every tab of
that browser joins. It is a bearer secret (whoever holds it reads the conversation), so
it carries 128 random bits and anything not shaped like one is refused.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Optional

PREFIX = "web-"
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

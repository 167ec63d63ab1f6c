"""Server-side login sessions and CSRF tokens bound to them (throttling: login_throttle.py).

The browser holds only a random cookie value; the database holds its SHA-256, the
user, a CSRF token and the expiry (idle timeout and absolute lifetime).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.console.models import ConsoleLoginFailure, ConsoleSession, ConsoleUser
from gateway.console.settings import ConsoleSettings

COOKIE_NAME = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Agent:
    """The logged-in console user of a request."""

    user_id: int
    name: str
    role: str
    session_id: str
    csrf_token: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def personal_data(self) -> bool:
        """Agents talk to the citizen and see the details; supervisors see them masked (第二十四条)."""
        return self.role == "agent"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_session(session: Session, user: ConsoleUser, settings: ConsoleSettings, now: dt.datetime) -> tuple[str, str]:
    """A new session for ``user``; returns (cookie value, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(ConsoleSession(
        id=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now, last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_max_hours),
    ))
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    session.commit()
    return token, csrf


def load_session(session: Session, token: str | None, settings: ConsoleSettings, now: dt.datetime) -> Agent | None:
    """The agent of a live session (and its idle clock restarted), or None."""
    if not token or len(token) > 200:
        return None
    row = session.get(ConsoleSession, _digest(token))
    if row is None:
        return None
    idle_limit = row.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes)
    user = session.get(ConsoleUser, row.user_id)
    if now >= row.expires_at or now >= idle_limit or user is None or not user.active:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at > dt.timedelta(seconds=30):  # not one write per request
        row.last_seen_at = now
        session.commit()
    return Agent(user_id=user.id, name=user.name, role=user.role, session_id=row.id, csrf_token=row.csrf_token)


def end_session(session: Session, session_id: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))
    session.commit()


def drop_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))


def csrf_ok(expected: str | None, presented: str | None) -> bool:
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode("utf-8", "surrogatepass"))

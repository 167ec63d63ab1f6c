"""Tables of the agent console (issue 7), on the gateway's own ``Base`` (migration 0009_console)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base, BigIntPK, JSONDoc, JSONOptional, UTCDateTime


class ConsoleUser(Base):
    """An agent (话务员) or supervisor (督办人员) who logs into /console; argon2 password hash."""

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ConsoleSession(Base):
    """A server-side login session; ``id`` is the SHA-256 of the cookie value (never the value)."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class ConsoleKnownDevice(Base):
    """A browser that logged in successfully as this user (revision 0011): the cookie
    ``console_device`` holds a random value, this row only its SHA-256. Login throttling
    counts a known device's failures on its own, so other people's failures for the same
    name never keep that browser out (see docs/console.md, "Login throttling")."""

    __tablename__ = "console_known_devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class ConsoleLoginFailure(Base):
    """Failed logins, per user name and per client address, for throttling."""

    __tablename__ = "console_login_failures"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class Handoff(Base):
    """The state of one citizen conversation towards the agents (one row per Rasa sender id).

    status: ``waiting`` (escalated, in the queue), ``held`` (an agent holds it, Rasa paused),
    ``closed`` (handed back to the bot).
    """

    __tablename__ = "handoffs"

    sender_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONOptional)
    last_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    holder: Mapped[str | None] = mapped_column(String(50))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    order_no: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, server_default="0")


class ConsoleAudit(Base):
    """Audit log of every agent action in the console (login, take over, reply, order, transfer, hand back)."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str | None] = mapped_column(String(255), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)

"""Writes the console's audit log (table console_audit): who did what, to which conversation, when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.console.models import ConsoleAudit


def record(session: Session, actor: str, action: str, sender_id: str | None, now: dt.datetime,
           commit: bool = True, **detail: Any) -> None:
    session.add(ConsoleAudit(at=now, actor=actor[:200], action=action[:32],
                             sender_id=sender_id[:255] if sender_id else None, detail=detail))
    if commit:
        session.commit()


def entries(session: Session, sender_id: str | None = None, limit: int = 200) -> list[ConsoleAudit]:
    query = select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(limit)
    if sender_id is not None:
        query = query.where(ConsoleAudit.sender_id == sender_id)
    return list(session.scalars(query))


def record_view(session: Session, actor: str, sender_id: str, now: dt.datetime, every_minutes: int = 10,
                **detail: Any) -> None:
    """A view of a conversation, at most once per ``every_minutes`` per user (the page refreshes itself)."""
    recent = session.scalars(
        select(ConsoleAudit.id).where(
            ConsoleAudit.actor == actor[:200], ConsoleAudit.action == "view", ConsoleAudit.sender_id == sender_id,
            ConsoleAudit.at >= now - dt.timedelta(minutes=every_minutes),
        ).limit(1)
    ).first()
    if recent is None:
        record(session, actor, "view", sender_id, now, **detail)

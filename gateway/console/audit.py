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

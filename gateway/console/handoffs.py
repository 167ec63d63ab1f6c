"""Who holds which conversation: escalations from the bot, take over, transfer, hand back.

One row per citizen conversation (Rasa sender id). Changes of the holder are
conditional UPDATEs, so two agents clicking "接管" at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.console import audit
from gateway.console.models import ConsoleUser, Handoff
from gateway.console.sessions import Agent

WAITING, HELD, CLOSED = "waiting", "held", "closed"
REASONS = {
    "citizen_asked": "群众要求转人工",
    "not_understood": "智能助手连续两次没听懂",
    "dissatisfied": "群众多次表示不满意",
    "agent_picked": "话务员主动接入",
}
STATUS_LABELS = {WAITING: "等待接入", HELD: "人工处理中", CLOSED: "已交还智能助手"}


class ConsoleError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ConsoleError):
    status_code = 404


class HeldByOther(ConsoleError):
    status_code = 409


class NotHeld(ConsoleError):
    status_code = 409


def get(session: Session, sender_id: str) -> Handoff | None:
    return session.get(Handoff, sender_id)


def record_escalation(session: Session, *, sender_id: str, channel: str, reason: str, summary: dict[str, Any],
                      last_text: str | None, now: dt.datetime) -> Handoff:
    """The bot asks for a person. A conversation already waiting or held keeps its place and holder."""
    for _ in range(2):
        row = session.get(Handoff, sender_id)
        if row is None:
            row = Handoff(sender_id=sender_id, channel=channel, reason=reason, summary=summary, last_text=last_text,
                          status=WAITING, requested_at=now, updated_at=now, version=0)
            session.add(row)
        else:
            if row.status == CLOSED:
                row.status, row.holder, row.requested_at, row.taken_at = WAITING, None, now, None
            row.channel, row.reason, row.summary, row.last_text = channel, reason, summary, last_text
            row.updated_at, row.version = now, row.version + 1
        try:
            audit.record(session, "bot", "escalate", sender_id, now, commit=False, reason=reason)
            session.commit()
            return row
        except IntegrityError:  # the same conversation escalated twice at once: update the winner's row
            session.rollback()
    raise ConsoleError("转人工请求暂时无法记录，请稍后再试")


def _conflict(row: Handoff) -> HeldByOther:
    return HeldByOther(f"该会话正由“{row.holder}”处理，需由对方转交后才能操作")


def require_holder(session: Session, sender_id: str, agent: Agent) -> Handoff:
    """The conversation, if ``agent`` holds it; 409 otherwise."""
    row = session.get(Handoff, sender_id)
    if row is None or row.status != HELD:
        raise NotHeld("请先接管该会话，再进行此操作")
    if row.holder != agent.name:
        raise _conflict(row)
    return row


def take_over(session: Session, sender_id: str, agent: Agent, channel: str, now: dt.datetime) -> Handoff:
    """Marks ``agent`` as holder (waiting, closed or never escalated conversations); 409 if another holds it."""
    row = session.get(Handoff, sender_id)
    if row is None:
        row = Handoff(sender_id=sender_id, channel=channel, reason="agent_picked", summary=None, last_text=None,
                      status=HELD, holder=agent.name, requested_at=now, taken_at=now, updated_at=now, version=0)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return take_over(session, sender_id, agent, channel, now)
    else:
        if row.status == HELD and row.holder == agent.name:
            return row
        result = session.execute(
            update(Handoff)
            .where(Handoff.sender_id == sender_id, or_(Handoff.status != HELD, Handoff.holder == agent.name))
            .values(status=HELD, holder=agent.name, taken_at=now, updated_at=now, version=Handoff.version + 1,
                    reason=Handoff.reason if row.status == WAITING else "agent_picked")
        )
        if result.rowcount != 1:
            session.rollback()
            fresh = session.get(Handoff, sender_id)
            raise _conflict(fresh) if fresh is not None else NotFound("会话不存在")
    audit.record(session, agent.actor, "take_over", sender_id, now, commit=False)
    session.commit()
    session.refresh(row)
    return row


def release(session: Session, sender_id: str, agent: Agent, now: dt.datetime) -> Handoff:
    """Hand back to the bot: only the holder (or a supervisor) may."""
    row = session.get(Handoff, sender_id)
    if row is None or row.status != HELD:
        raise NotHeld("该会话当前没有人工接管")
    if row.holder != agent.name and not agent.is_supervisor:
        raise _conflict(row)
    result = session.execute(
        update(Handoff).where(Handoff.sender_id == sender_id, Handoff.version == row.version)
        .values(status=CLOSED, holder=None, updated_at=now, version=Handoff.version + 1)
    )
    if result.rowcount != 1:
        session.rollback()
        raise HeldByOther("该会话刚被他人改动，请刷新后再试")
    audit.record(session, agent.actor, "hand_back", sender_id, now, commit=False, previous_holder=row.holder)
    session.commit()
    session.refresh(row)
    return row


def transfer(session: Session, sender_id: str, agent: Agent, target_name: str, now: dt.datetime) -> Handoff:
    """A/B 岗: the holder (or a supervisor) passes the conversation to another active user."""
    row = session.get(Handoff, sender_id)
    if row is None or row.status != HELD:
        raise NotHeld("只有人工处理中的会话才能转交")
    if row.holder != agent.name and not agent.is_supervisor:
        raise _conflict(row)
    target = session.scalars(select(ConsoleUser).where(ConsoleUser.name == target_name)).first()
    if target is None or not target.active:
        raise ConsoleError("转交对象不存在或已停用")
    if target.name == row.holder:
        raise ConsoleError("该会话已由此人处理，无需转交")
    result = session.execute(
        update(Handoff).where(Handoff.sender_id == sender_id, Handoff.version == row.version)
        .values(holder=target.name, updated_at=now, version=Handoff.version + 1)
    )
    if result.rowcount != 1:
        session.rollback()
        raise HeldByOther("该会话刚被他人改动，请刷新后再试")
    audit.record(session, agent.actor, "transfer", sender_id, now, commit=False, from_=row.holder, to=target.name)
    session.commit()
    session.refresh(row)
    return row


def set_order(session: Session, row: Handoff, order_no: str, now: dt.datetime) -> None:
    row.order_no = order_no
    row.updated_at = now
    row.version += 1
    session.commit()


def open_rows(session: Session, limit: int = 200) -> list[Handoff]:
    """Waiting and held conversations, the longest waiting first."""
    query = (select(Handoff).where(Handoff.status.in_((WAITING, HELD)))
             .order_by(Handoff.requested_at).limit(limit))
    return list(session.scalars(query))


def change_marker(session: Session) -> tuple[Any, ...]:
    """Something that changes whenever any handoff does (for the live stream)."""
    from sqlalchemy import func

    return tuple(session.execute(select(func.max(Handoff.updated_at), func.sum(Handoff.version),
                                        func.count())).one())

"""Retention in the gateway's database: closed orders masked, their history masked, their
attachments removed; sent outbox payloads cut to the order number; old Idempotency-Keys,
never-linked uploads and closed console hand-offs deleted.

``order_events`` is append-only (triggers of revision 0001). Masking is the one rewrite
allowed: it lifts the guard inside its own transaction only (PostgreSQL: ALTER TABLE …
DISABLE TRIGGER, which locks the table until commit; SQLite: the triggers are dropped and
created again from their stored SQL), so no other writer ever sees the table unguarded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.orm import Session

from gateway.console.models import ConsoleAudit, Handoff
from gateway.domain import OrderStatus
from gateway.models import IdempotencyKey, Order, OrderEvent, OutboxMessage, StoredAttachment
from gateway.retention.personal_fields import (
    MASKED_SENDER,
    known_values,
    mask_json,
    masked_actor,
    redact,
)
from gateway.services.attachments import AttachmentStore, prune_unlinked

CLOSED = (OrderStatus.COMPLETED.value, OrderStatus.WITHDRAWN.value)
BATCH = 200


def _closed_before(cutoff: dt.datetime):  # noqa: ANN202 - an SQL expression
    closed_at = func.coalesce(Order.completed_at, Order.withdrawn_at, Order.updated_at)
    return and_(Order.status.in_(CLOSED), closed_at < cutoff, Order.sender_id != MASKED_SENDER)


@contextmanager
def _history_unguarded(session: Session) -> Iterator[None]:
    """Lifts the append-only triggers of order_events for the current transaction."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("ALTER TABLE order_events DISABLE TRIGGER order_events_append_only"))
        yield
        session.execute(text("ALTER TABLE order_events ENABLE TRIGGER order_events_append_only"))
        return
    triggers = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'order_events'")
    ).all()
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        session.execute(text(sql))


def mask_closed_orders(session: Session, *, cutoff: dt.datetime, dry_run: bool) -> int:
    """Masks orders completed or withdrawn before ``cutoff``; returns how many."""
    if dry_run:
        return session.scalar(select(func.count()).select_from(Order).where(_closed_before(cutoff))) or 0
    masked = 0
    while True:
        orders = session.scalars(select(Order).where(_closed_before(cutoff)).order_by(Order.id).limit(BATCH)).all()
        if not orders:
            return masked
        with _history_unguarded(session):
            for order in orders:
                _mask_order(session, order)
        session.commit()
        masked += len(orders)


def _mask_order(session: Session, order: Order) -> None:
    known = known_values(order.contact_name, order.contact_phone, order.address, order.sender_id,
                         order.conversation_id)
    session.execute(delete(StoredAttachment).where(StoredAttachment.order_id == order.id))
    for event in session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all():
        session.execute(
            update(OrderEvent).where(OrderEvent.id == event.id)
            .values(payload=mask_json(event.payload, known), actor=masked_actor(event.actor))
        )
    session.execute(
        update(Order).where(Order.id == order.id).values(
            sender_id=MASKED_SENDER, contact_name=None, contact_phone=None, address=None, conversation_id=None,
            source_conversation=None, attachments=None, satisfaction_comment=None,
            description=redact(order.description, known),
            withdraw_reason=redact(order.withdraw_reason, known) if order.withdraw_reason else None,
            reply=mask_json(order.reply, known) if order.reply else None,
            pending_request=mask_json(order.pending_request, known) if order.pending_request else None,
        ).execution_options(synchronize_session=False)
    )


def cut_sent_outbox(session: Session, *, cutoff: dt.datetime, dry_run: bool) -> int:
    """A payload delivered upstream before ``cutoff`` keeps only its order number."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.order_no, OutboxMessage.payload)
        .where(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff)
    ).all()
    todo = [(row_id, order_no) for row_id, order_no, payload in rows if payload != _cut(order_no)]
    if not dry_run:
        for row_id, order_no in todo:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(payload=_cut(order_no)))
    session.commit()
    return len(todo)


def _cut(order_no: str) -> dict[str, object]:
    return {"order_no": order_no, "pruned": True}


def delete_idempotency_keys(session: Session, *, cutoff: dt.datetime, dry_run: bool) -> int:
    where = IdempotencyKey.created_at < cutoff
    if dry_run:
        return session.scalar(select(func.count()).select_from(IdempotencyKey).where(where)) or 0
    count = session.execute(delete(IdempotencyKey).where(where)).rowcount or 0
    session.commit()
    return count


def delete_closed_handoffs(session: Session, *, cutoff: dt.datetime, dry_run: bool) -> int:
    """Hand-offs handed back to the bot before ``cutoff`` (their summary holds name and phone)."""
    where = and_(Handoff.status == "closed", Handoff.updated_at < cutoff)
    if dry_run:
        return session.scalar(select(func.count()).select_from(Handoff).where(where)) or 0
    count = session.execute(delete(Handoff).where(where)).rowcount or 0
    session.commit()
    return count


def mask_console_audit(session: Session, *, cutoff: dt.datetime, dry_run: bool) -> int:
    """The console's audit log keeps who did what for ever (第二十八条); after the orders' period
    it no longer says to which citizen's conversation (the sender id is cleared)."""
    where = and_(ConsoleAudit.at < cutoff, ConsoleAudit.sender_id.is_not(None))
    if dry_run:
        return session.scalar(select(func.count()).select_from(ConsoleAudit).where(where)) or 0
    count = session.execute(update(ConsoleAudit).where(where).values(sender_id=None)).rowcount or 0
    session.commit()
    return count


def prune_attachments(session: Session, store: AttachmentStore, *, now: dt.datetime, days: int,
                      dry_run: bool) -> tuple[int, int]:
    """Uploads never linked to an order, then the files no row refers to (services.attachments.
    prune_unlinked, which `python -m gateway.prune_attachments` also runs); returns (rows, files)."""
    if not dry_run:
        report = prune_unlinked(session, store, older_than=dt.timedelta(days=days), now=now)
        return report.rows, report.files
    cutoff = now - dt.timedelta(days=days)
    unlinked = and_(StoredAttachment.order_id.is_(None), StoredAttachment.created_at < cutoff)
    rows = session.scalar(select(func.count()).select_from(StoredAttachment).where(unlinked)) or 0
    kept = set(session.scalars(select(StoredAttachment.sha256).where(~unlinked).distinct()).all())
    files = sum(1 for path in store.files() if path.name not in kept
                and dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc) < cutoff)
    return rows, files

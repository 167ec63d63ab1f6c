"""Order use cases: create (idempotent), read, list, withdraw.

Functions take an open ``Session`` and commit their own unit of work; they
raise the ``OrderError`` subclasses below, which the API layer maps to HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.core.workdays import WorkdayCalendar, deadline_workdays
from gateway.domain import WITHDRAWABLE_STATUSES, EventKind, OrderStatus
from gateway.models import IdempotencyKey, Order, OrderEvent
from gateway.schemas import OrderCreate
from gateway.services import attachments as attachment_files
from gateway.services import outbox
from gateway.services.duplicates import find_duplicate
from gateway.services.order_numbers import next_order_no
from gateway.services.routing import RoutingTable, route


class OrderError(Exception):
    """Base class of the business errors raised by this module."""


class OrderNotFound(OrderError):
    pass


class NotOrderOwner(OrderError):
    pass


class OrderNotWithdrawable(OrderError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class IdempotencyConflict(OrderError):
    """The key was used for a different request body. ``order`` is the order the key
    created when it belongs to the same sender (the same form submitted again after a
    lost answer, changed in between), else None: a stranger's key reveals nothing."""

    def __init__(self, key: str, order: Order | None = None) -> None:
        super().__init__(key)
        self.order = order


@dataclass(frozen=True)
class CreateResult:
    order: Order
    replayed: bool
    duplicate: bool = False


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def citizen_actor(sender_id: str) -> str:
    return f"citizen:{sender_id}"


# Fields added after the foundation: left out of the hash while they hold their
# default, so keys stored before revision 0002 still match their replays.
_LATER_FIELDS: dict[str, Any] = {
    "category": None,
    "urgent": False,
    "attachments": [],
    "attachment_ids": [],
    "source_conversation": [],
    "knowledge_items": [],
}


def request_hash(payload: OrderCreate) -> str:
    """SHA-256 of the validated, normalised request body (key order independent)."""
    data = payload.model_dump(mode="json")
    for name, default in _LATER_FIELDS.items():
        if data.get(name) == default:
            data.pop(name, None)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def order_snapshot(order: Order) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for col in Order.__table__.columns:
        value = getattr(order, col.key)
        data[col.key] = value.isoformat() if isinstance(value, dt.datetime) else value
    return data


# -- create ------------------------------------------------------------------
def create_order(
    session: Session,
    payload: OrderCreate,
    *,
    idempotency_key: str | None,
    calendar: WorkdayCalendar,
    tz: dt.tzinfo,
    now: dt.datetime | None = None,
    routing: RoutingTable | None = None,
    check_duplicates: bool = False,
) -> CreateResult:
    """Create an order, or return the one an earlier call with the same key created.

    Race safety: the key is the primary key of ``idempotency_keys`` and is
    inserted in the same transaction as the order. A concurrent request with
    the same key fails that insert; it rolls back (including its order and its
    order number) and returns the stored order instead.
    """
    digest = request_hash(payload)
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, digest, payload.sender_id)
        if replay is not None:
            return replay

    now = now or utcnow()
    # Raises AttachmentNotLinkable (→ 422) before anything is written.
    attachment_files.check_linkable(session, payload.attachment_ids, payload.sender_id)
    if check_duplicates:
        earlier = find_duplicate(session, payload)
        if earlier is not None:
            return _link_duplicate(session, earlier, payload, idempotency_key, digest, now)
    try:
        order = _insert_order(session, payload, calendar=calendar, tz=tz, now=now, routing=routing)
        attachment_files.link_to_order(session, order, payload.attachment_ids, payload.sender_id)
        if idempotency_key is not None:
            session.add(
                IdempotencyKey(
                    key=idempotency_key, request_hash=digest, order_id=order.id, created_at=now
                )
            )
            session.flush()
        session.add(
            OrderEvent(
                order_id=order.id,
                kind=EventKind.CREATED.value,
                at=now,
                actor=citizen_actor(order.sender_id),
                payload={"order": order_snapshot(order), "idempotency_key": idempotency_key},
            )
        )
        outbox.enqueue(session, order, now)
        session.commit()
    except IntegrityError:
        replay = _replay_after_conflict(session, idempotency_key, digest, payload.sender_id)
        if replay is None:
            raise
        return replay
    return CreateResult(order=order, replayed=False)


def _link_duplicate(
    session: Session,
    earlier: Order,
    payload: OrderCreate,
    idempotency_key: str | None,
    digest: str,
    now: dt.datetime,
) -> CreateResult:
    """Record the repeated request on the earlier order (and bind its key to it)."""
    try:
        if idempotency_key is not None:
            session.add(IdempotencyKey(key=idempotency_key, request_hash=digest, order_id=earlier.id, created_at=now))
            session.flush()
        # Evidence sent with the repeated request goes to the order already in progress.
        attachment_files.link_to_order(session, earlier, payload.attachment_ids, payload.sender_id)
        session.add(
            OrderEvent(
                order_id=earlier.id,
                kind=EventKind.DUPLICATE.value,
                at=now,
                actor=citizen_actor(payload.sender_id),
                payload={
                    "channel": payload.channel.value,
                    "description": payload.description,
                    "conversation_id": payload.conversation_id,
                    "idempotency_key": idempotency_key,
                    "attachment_ids": list(payload.attachment_ids),
                },
            )
        )
        session.commit()
    except IntegrityError:
        replay = _replay_after_conflict(session, idempotency_key, digest, payload.sender_id)
        if replay is None:
            raise
        return replay
    return CreateResult(order=earlier, replayed=False, duplicate=True)


def _replay_after_conflict(
    session: Session, key: str | None, digest: str, sender_id: str | None = None
) -> CreateResult | None:
    """After a unique-constraint conflict: the order a concurrent request with the same
    Idempotency-Key created, or None when the conflict had another cause."""
    session.rollback()
    if key is None:
        return None
    return _replay(session, key, digest, sender_id)


def _replay(session: Session, key: str, digest: str, sender_id: str | None = None) -> CreateResult | None:
    stored = session.get(IdempotencyKey, key)
    if stored is None:
        # End the read transaction (on SQLite it holds the write lock). commit(),
        # unlike rollback(), leaves loaded objects usable (expire_on_commit=False).
        session.commit()
        return None
    order = session.get(Order, stored.order_id)
    session.commit()
    assert order is not None  # FK guarantees it
    if not hmac.compare_digest(stored.request_hash, digest):
        same_sender = sender_id is not None and hmac.compare_digest(
            order.sender_id.encode("utf-8"), sender_id.encode("utf-8")
        )
        raise IdempotencyConflict(key, order if same_sender else None)
    return CreateResult(order=order, replayed=True)


def _insert_order(
    session: Session,
    payload: OrderCreate,
    *,
    calendar: WorkdayCalendar,
    tz: dt.tzinfo,
    now: dt.datetime,
    routing: RoutingTable | None = None,
) -> Order:
    decision = route(routing, payload.description, payload.district) if routing is not None else None
    order = Order(
        order_no=next_order_no(session, now.astimezone(tz).date()),
        type=payload.type.value,
        status=OrderStatus.RECEIVED.value,
        channel=payload.channel.value,
        sender_id=payload.sender_id,
        district=payload.district,
        address=payload.address,
        occurred_at=payload.occurred_at,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        anonymous=payload.anonymous,
        reply_required=payload.reply_required,
        description=payload.description,
        conversation_id=payload.conversation_id,
        category=payload.category.value if payload.category else None,
        urgent=payload.urgent,
        lead_unit=None,
        co_units=None,
        accept_due_at=None,
        attachments=_json_list(payload.attachments),
        source_conversation=_json_list(payload.source_conversation),
        knowledge_items=_json_list(payload.knowledge_items),
        extension_count=0,
        return_count=0,
        reopen_count=0,
        route_rule=decision.rule.value if decision else None,
        route_unit=decision.lead_unit if decision else None,
        route_co_units=list(decision.co_units) or None if decision else None,
        route_reason=decision.reason[:500] if decision else None,
        created_at=now,
        updated_at=now,
        due_at=calendar.due_at(now, deadline_workdays(payload.type.value), tz),
        withdrawn_at=None,
        withdraw_reason=None,
    )
    session.add(order)
    session.flush()
    return order


def _json_list(items: list[Any]) -> list[dict[str, Any]] | None:
    return [item.model_dump(mode="json", exclude_none=True) for item in items] or None


# -- read --------------------------------------------------------------------
def get_order(session: Session, order_no: str) -> Order | None:
    return session.scalar(select(Order).where(Order.order_no == order_no))


def order_concerns_unit(order: Order, unit: str) -> bool:
    """True when ``unit`` is the order's 主办 or one of its 会办 units."""
    return order.lead_unit == unit or unit in (order.co_units or [])


def unit_condition(session: Session, unit: str) -> ColumnElement[bool]:
    """SQL form of ``order_concerns_unit`` (co_units is a JSON array)."""
    if session.get_bind().dialect.name == "postgresql":
        co = Order.co_units.op("@>")(func.jsonb_build_array(cast(literal(unit), String)))
    else:
        co = exists(
            select(literal(1))
            .select_from(func.json_each(Order.co_units).table_valued("value").alias("co_unit"))
            .where(column("value") == unit)
        )
    return or_(Order.lead_unit == unit, co)


def list_orders(
    session: Session,
    *,
    sender_id: str | None = None,
    status: OrderStatus | None = None,
    unit: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Order], int]:
    conditions = []
    if unit is not None:
        conditions.append(unit_condition(session, unit))
    if sender_id is not None:
        conditions.append(Order.sender_id == sender_id)
    if status is not None:
        conditions.append(Order.status == status.value)
    total = session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0
    rows = session.scalars(
        select(Order)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


# -- withdraw (第十八条) ---------------------------------------------------
def withdraw_order(
    session: Session,
    order_no: str,
    *,
    sender_id: str,
    reason: str | None,
    now: dt.datetime | None = None,
) -> Order:
    """Withdraw an open order on behalf of the citizen who filed it.

    The status change is a conditional UPDATE (``WHERE status IN withdrawable``),
    so of several concurrent calls exactly one succeeds; the others see zero
    rows updated and get ``OrderNotWithdrawable``.
    """
    now = now or utcnow()
    order = get_order(session, order_no)
    if order is None:
        session.rollback()
        raise OrderNotFound(order_no)
    if not hmac.compare_digest(order.sender_id.encode(), sender_id.encode()):
        session.rollback()
        raise NotOrderOwner(order_no)
    withdrawable = [s.value for s in WITHDRAWABLE_STATUSES]
    if order.status not in withdrawable:
        session.rollback()
        raise OrderNotWithdrawable(order.status)

    result = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_(withdrawable))
        .values(
            status=OrderStatus.WITHDRAWN.value,
            withdrawn_at=now,
            withdraw_reason=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        current = get_order(session, order_no)
        session.commit()
        raise OrderNotWithdrawable(current.status if current else "unknown")

    session.add(
        OrderEvent(
            order_id=order.id,
            kind=EventKind.WITHDRAWN.value,
            at=now,
            actor=citizen_actor(sender_id),
            payload={"previous_status": order.status, "reason": reason},
        )
    )
    session.commit()
    session.refresh(order)
    session.commit()
    return order

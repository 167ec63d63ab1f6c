"""SQLAlchemy 2 ORM models. Schema changes go through Alembic (gateway/migrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    TypeDecorator,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
JSONDoc = JSON().with_variant(JSONB(), "postgresql")
# Nullable JSON columns: Python None is SQL NULL (not the JSON literal null).
JSONOptional = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes stored as UTC on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite stores naive UTC text. Values read
    back are always aware (UTC); naive values are refused on write.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Order(Base):
    """A work order (工单)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(128))
    district: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reply_required: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))
    # revision 0002: classification, urgency, handling units, intake context
    category: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=false())
    lead_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    co_units: Mapped[list[str] | None] = mapped_column(JSONOptional)
    accept_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONOptional)
    source_conversation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONOptional)
    knowledge_items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONOptional)
    # revision 0003: lifecycle
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # status to go back to when a return/extension request is decided
    resume_status: Mapped[str | None] = mapped_column(String(32))
    pending_request: Mapped[dict[str, Any] | None] = mapped_column(JSONOptional)
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSONOptional)
    satisfaction: Mapped[str | None] = mapped_column(String(8))
    satisfaction_comment: Mapped[str | None] = mapped_column(String(500))
    extension_count: Mapped[int] = mapped_column(Integer, server_default="0")
    return_count: Mapped[int] = mapped_column(Integer, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # revision 0004: routing decision taken at intake (第十一条)
    route_rule: Mapped[str | None] = mapped_column(String(16))
    route_unit: Mapped[str | None] = mapped_column(String(64))
    route_co_units: Mapped[list[str] | None] = mapped_column(JSONOptional)
    route_reason: Mapped[str | None] = mapped_column(String(500))
    # revision 0012: a citizen's 不满意 that could not be reopened by itself waits for a supervisor (issue 14)
    supervisor_queue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    supervisor_queue_reason: Mapped[str | None] = mapped_column(String(500))

    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", viewonly=True
    )

    __table_args__ = (Index("ix_orders_sender_id_created_at", "sender_id", "created_at"),)


class OrderEvent(Base):
    """Append-only history of an order (database triggers refuse UPDATE/DELETE)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("orders.id", ondelete="RESTRICT"),
        index=True,
    )
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)

    order: Mapped[Order] = relationship(back_populates="events")


class IdempotencyKey(Base):
    """Maps a client's Idempotency-Key to the order it created."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("orders.id", ondelete="RESTRICT"),
        index=True,
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class OrderNoCounter(Base):
    """Per-day sequence for order numbers (SL + yyyymmdd + 6 digits)."""

    __tablename__ = "order_no_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class DirectAnswer(Base):
    """A request answered without an order (直接解答: knowledge base, bot or agent)."""

    __tablename__ = "direct_answers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16))
    knowledge_item_id: Mapped[str | None] = mapped_column(String(128))
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(200))


class PersonalDataRead(Base):
    """Audit log: who read which order's personal data, when (第二十四条, 第三十二条)."""

    __tablename__ = "personal_data_reads"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """Transactional outbox: one row per order to forward upstream, written with the order."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    # set after GATEWAY_OUTBOX_MAX_ATTEMPTS failures (revision 0010): dead-lettered until a supervisor retries
    dead_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class Notification(Base):
    """The result of an order on its way to the citizen's channel (revision 0012, issue 14).

    Written in the transaction of the event that causes it (审核通过 → 已办结), one row per
    (order, event) — the unique constraint makes the same event recorded twice one row —
    and drained like the upstream outbox: a lease per row, backoff with jitter, dead letters.
    ``outcome`` is what the channel reported: delivered / template / undelivered / failed."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(32), index=True)
    event_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome_detail: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("order_no", "event_key", name="uq_notifications_order_no_event_key"),)


class StoredAttachment(Base):
    """A file a citizen sent (revision 0008). The bytes live in the attachment store
    (``GATEWAY_ATTACHMENTS_DIR``, content-addressed by SHA-256); this row holds the
    metadata, who sent it, and the order it was linked to (NULL until then)."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("orders.id", ondelete="RESTRICT"),
        index=True,
    )

    __table_args__ = (Index("ix_attachments_sender_id_sha256", "sender_id", "sha256"),)


class ResultLookupFailure(Base):
    """A failed 查询办理结果 on the web (revision 0013, issue 14): one row per key and failure.

    ``key`` is ``order:<order number>`` or ``ip:<client address>`` (an IPv6 address as its /64).
    Rows live as long as they can still lock something (window + lock time) and are deleted
    by the next failure after that; all replicas count the same rows."""

    __tablename__ = "result_lookup_failures"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (Index("ix_result_lookup_failures_key_at", "key", "at"),)

"""Hand-off to the upstream platform through a transactional outbox.

The outbox row is inserted in the order's own transaction, so a crash between
commit and send loses nothing. ``deliver_due`` claims due rows one at a time
with a conditional UPDATE (a lease), so replicas never send the same row at
the same time; every request carries ``Idempotency-Key: <order_no>``, so the
rare resend after a crash between "answer received" and "marked sent" is
recognised by the receiver. Failures back off exponentially.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import Order, OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 20


def enqueue(session: Session, order: Order, now: dt.datetime) -> None:
    """Add the order's outbox row to the current transaction (caller commits)."""
    payload = {
        "order_no": order.order_no,
        "type": order.type,
        "channel": order.channel,
        "category": order.category,
        "urgent": order.urgent,
        "district": order.district,
        "address": order.address,
        "occurred_at": order.occurred_at,
        "description": order.description,
        "anonymous": order.anonymous,
        "contact_name": None if order.anonymous else order.contact_name,
        "contact_phone": order.contact_phone,
        "reply_required": order.reply_required,
        "created_at": order.created_at.isoformat(),
        "due_at": order.due_at.isoformat(),
    }
    session.add(OutboxMessage(order_no=order.order_no, payload=payload, created_at=now, attempts=0, next_attempt_at=now))


def backoff(attempts: int, base_s: float, max_s: float) -> dt.timedelta:
    """base · 2^(attempts-1), capped: 2 s, 4 s, 8 s … for base 2."""
    return dt.timedelta(seconds=min(base_s * (2 ** max(attempts - 1, 0)), max_s))


def deliver_due(
    factory: sessionmaker[Session],
    client: httpx.Client,
    *,
    url: str,
    token: str | None,
    now: dt.datetime,
    lease_s: float,
    base_s: float,
    max_s: float,
) -> int:
    """Send every due message once; return how many were delivered."""
    delivered = 0
    with factory() as session:
        due = session.execute(
            select(OutboxMessage.id, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(BATCH)
        ).all()
        session.commit()
    for message_id, due_at in due:
        if _deliver_one(factory, client, message_id, due_at, url=url, token=token, now=now,
                        lease_s=lease_s, base_s=base_s, max_s=max_s):
            delivered += 1
    return delivered


def _deliver_one(
    factory: sessionmaker[Session],
    client: httpx.Client,
    message_id: int,
    due_at: dt.datetime,
    *,
    url: str,
    token: str | None,
    now: dt.datetime,
    lease_s: float,
    base_s: float,
    max_s: float,
) -> bool:
    with factory() as session:
        # Claim: only the caller that moves next_attempt_at from the value it read owns the row.
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                   OutboxMessage.next_attempt_at == due_at)
            .values(next_attempt_at=now + dt.timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            session.rollback()
            return False
        message = session.get(OutboxMessage, message_id)
        session.commit()
    assert message is not None
    headers = {"Idempotency-Key": message.order_no}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    error: str | None = None
    try:
        response = client.post(url, json=message.payload, headers=headers)
        if not 200 <= response.status_code < 300 and response.status_code != 409:
            error = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = message.attempts + 1
    with factory() as session:
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if error is None:
            values["sent_at"] = now
        else:
            values["next_attempt_at"] = now + backoff(attempts, base_s, max_s)
            logger.warning("upstream delivery of %s failed (attempt %d): %s", message.order_no, attempts, error)
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        session.commit()
    return error is None


class OutboxWorker:
    """Background thread of one gateway process; started only when GATEWAY_UPSTREAM_URL is set."""

    def __init__(self, factory: sessionmaker[Session], settings: Any, clock: Any) -> None:
        self._factory, self._settings, self._clock = factory, settings, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._settings.upstream_timeout_s + 5)

    def _run(self) -> None:
        s = self._settings
        token = s.upstream_token.get_secret_value() if s.upstream_token else None
        with httpx.Client(timeout=s.upstream_timeout_s) as client:
            while not self._stop.is_set():
                try:
                    deliver_due(self._factory, client, url=s.upstream_url, token=token, now=self._clock(),
                                lease_s=s.upstream_timeout_s + 30, base_s=s.outbox_backoff_base_s,
                                max_s=s.outbox_backoff_max_s)
                except Exception:  # noqa: BLE001 - keep the worker alive; the rows stay due
                    logger.exception("outbox round failed")
                self._stop.wait(s.outbox_poll_s)

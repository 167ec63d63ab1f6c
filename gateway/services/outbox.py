"""Hand-off to the upstream platform through a transactional outbox.

The outbox row is inserted in the order's own transaction, so a crash between
commit and send loses nothing. ``deliver_due`` takes due rows **one at a time**
and leases each at the moment it is taken: in one short transaction it selects
the next due row ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises
writers with ``BEGIN IMMEDIATE``), moves ``next_attempt_at`` to *now + lease*
and counts the attempt, then commits and sends. Another replica skips the
locked row and, after the commit, sees it not due until the lease ends — so a
slow upstream never lets two replicas send the same row. Every clock reading is
taken when that row is taken or answered, never at the start of a batch.

Failures back off per row, exponentially with jitter; after ``max_attempts``
the row is dead-lettered (``dead_at``) and waits for a supervisor's retry in the
agent console. Every request carries ``Idempotency-Key: <order_no>``, so the
rare resend after a crash between "answer received" and "marked sent" is
recognised by the receiver.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import Order, OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 20
Clock = Callable[[], dt.datetime]


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


def backoff(attempts: int, base_s: float, max_s: float, jitter: float = 1.0) -> dt.timedelta:
    """base · 2^(attempts-1), capped (2 s, 4 s, 8 s … for base 2), scaled by
    ``0.5 + 0.5·jitter`` ("equal jitter": jitter in [0, 1] gives half to all of it),
    so rows that failed together do not come due together."""
    full = min(base_s * (2 ** max(attempts - 1, 0)), max_s)
    return dt.timedelta(seconds=full * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0)))


@dataclass(frozen=True)
class Taken:
    id: int
    order_no: str
    payload: dict[str, Any]
    attempts: int
    lease_until: dt.datetime


def due_condition(now: dt.datetime) -> Any:
    return (OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_(None), OutboxMessage.next_attempt_at <= now)


def take_next(factory: sessionmaker[Session], clock: Clock, lease_s: float) -> Taken | None:
    """Lease the next due row to this caller (or None): locked, leased and counted in one
    transaction, with the lease measured from now — the moment this row is taken."""
    with factory() as session:
        now = clock()
        message = session.scalars(
            select(OutboxMessage)
            .where(*due_condition(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            session.commit()
            return None
        lease_until = now + dt.timedelta(seconds=lease_s)
        message.next_attempt_at = lease_until
        message.attempts = (message.attempts or 0) + 1
        taken = Taken(message.id, message.order_no, dict(message.payload), message.attempts, lease_until)
        session.commit()
    return taken


def send(client: httpx.Client, url: str, token: str | None, message: Taken) -> str | None:
    """POST one message; None when the upstream took it (2xx, or 409: it has it already)."""
    headers = {"Idempotency-Key": message.order_no}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = client.post(url, json=message.payload, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300 or response.status_code == 409:
        return None
    return f"HTTP {response.status_code}"


def record(
    factory: sessionmaker[Session],
    message: Taken,
    error: str | None,
    *,
    clock: Clock,
    base_s: float,
    max_s: float,
    max_attempts: int,
    jitter: Callable[[], float],
) -> None:
    """Write the outcome. A success is recorded whatever happened meanwhile; a failure only
    while the row is still under this caller's lease (otherwise another sender owns it)."""
    now = clock()
    with factory() as session:
        mine = (OutboxMessage.id == message.id, OutboxMessage.sent_at.is_(None))
        if error is None:
            session.execute(update(OutboxMessage).where(*mine).values(sent_at=now, last_error=None, dead_at=None))
        else:
            values: dict[str, Any] = {"last_error": error}
            if message.attempts >= max_attempts:
                values["dead_at"] = now
                logger.error("upstream delivery of %s failed %d times, dead-lettered: %s",
                             message.order_no, message.attempts, error)
            else:
                values["next_attempt_at"] = now + backoff(message.attempts, base_s, max_s, jitter())
                logger.warning("upstream delivery of %s failed (attempt %d): %s", message.order_no, message.attempts, error)
            session.execute(
                update(OutboxMessage)
                .where(*mine, OutboxMessage.next_attempt_at == message.lease_until)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        session.commit()


def deliver_due(
    factory: sessionmaker[Session],
    client: httpx.Client,
    *,
    url: str,
    token: str | None,
    clock: Clock,
    lease_s: float,
    base_s: float,
    max_s: float,
    max_attempts: int = 12,
    batch: int = BATCH,
    jitter: Callable[[], float] = random.random,
) -> int:
    """Send up to ``batch`` due messages, each leased when it is taken; return how many were delivered."""
    delivered = 0
    for _ in range(batch):
        message = take_next(factory, clock, lease_s)
        if message is None:
            break
        error = send(client, url, token, message)
        record(factory, message, error, clock=clock, base_s=base_s, max_s=max_s,
               max_attempts=max_attempts, jitter=jitter)
        delivered += error is None
    return delivered


# -- dead letters (agent console, supervisors) -----------------------------------------
def dead_letters(session: Session, limit: int = 100) -> tuple[list[OutboxMessage], int]:
    condition = (OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_not(None))
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*condition)) or 0
    rows = session.scalars(
        select(OutboxMessage).where(*condition).order_by(OutboxMessage.dead_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ).all()
    return list(rows), total


def retry_dead_letter(session: Session, order_no: str, now: dt.datetime) -> bool:
    """Make a dead-lettered row due again with a fresh attempt budget; False if it is not dead."""
    changed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.order_no == order_no, OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_not(None))
        .values(dead_at=None, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return changed == 1


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
                    deliver_due(self._factory, client, url=s.upstream_url, token=token, clock=self._clock,
                                lease_s=s.outbox_lease_seconds, base_s=s.outbox_backoff_base_s,
                                max_s=s.outbox_backoff_max_s, max_attempts=s.outbox_max_attempts)
                except Exception:  # noqa: BLE001 - keep the worker alive; the rows stay due
                    logger.exception("outbox round failed")
                self._stop.wait(s.outbox_poll_s)

"""The result reaches the citizen on their channel, exactly once (issue 14, 第十三条 双反馈).

When the platform accepts a unit's result (审核通过 → 已办结), ``enqueue`` adds a row to
``notifications`` **in the same transaction** — one row per (order, event): the key
``result:<reopen round>`` is unique, so the same completion recorded twice is one row.
Only for orders whose citizen wants a reply (not anonymous, not 不需要回复) that came in
on a channel that can carry a message back (WeChat, web chat, email).

A worker thread (like the upstream outbox: lease per row taken one at a time, backoff
with jitter from when it failed, dead letters after ``GATEWAY_NOTIFY_MAX_ATTEMPTS``)
hands each row to the **one dialogue agent**, Rasa, through the path the agent console
already uses for agents' messages:

    POST {RASA_URL}/conversations/{sender}/tracker/events
         ?execute_side_effects=true&output_channel=<the order's channel>&token=…
    [slot rating_order, slot rating_until, bot {text, buttons, metadata.notification}]

Rasa records the message in the conversation and sends it through the channel's
``get_output_channel()`` (WeChat customer-service message, the web chat room, a reply in
the email thread). The slots make the citizen's next 满意 / 基本满意 / 不满意 go to the
bot's rating action (bot/actions/feedback.py).

Exactly once: before posting, the worker reads the conversation's tracker and skips a
row whose ``metadata.notification`` id is already there (a crash after Rasa took it but
before the row was marked sent, or a lost answer). Rasa serialises one conversation's
changes with its lock store, so the check and the post of one sender cannot interleave
with another worker holding the same row — the lease prevents that anyway.

The channel reports what happened (``POST /api/v1/notifications/outcome``): delivered,
template (WeChat subscription/template message outside the 48-hour window), undelivered
(the console lists it for 电话回访) or pushed/stored (web chat: an open page got it / it
is shown when the widget is next opened).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from gateway.domain import Channel
from gateway.models import Notification, Order
from gateway.services.outbox import backoff
from vocabulary import RATING_NAMES

logger = logging.getLogger(__name__)

BATCH = 20
Clock = Callable[[], dt.datetime]
CHANNELS = frozenset({Channel.WECHAT.value, Channel.WEBCHAT.value, Channel.EMAIL.value})
RATINGS = RATING_NAMES  # the buttons of a result, best first
OUTCOMES = {
    "delivered": "已送达",
    "template": "已发模板消息",
    "pushed": "已推送到打开的网页",
    "stored": "待群众下次打开网页时显示",
    "undelivered": "未送达，请电话回访",
    "failed": "发送失败",
    "already": "已在会话中（重复投递已跳过）",
}
RATING_INTENT = "rate_order"


def wants_result(order: Order) -> bool:
    """第十三条: a citizen who is anonymous or needs no reply gets none; and only channels that can answer."""
    return (not order.anonymous) and bool(order.reply_required) and order.channel in CHANNELS and bool(order.sender_id)


def event_key(order: Order) -> str:
    return f"result:{order.reopen_count or 0}"


def notification_id(order_no: str, key: str) -> str:
    return f"{order_no}:{key}"


def _local_date(value: Any, tz: dt.tzinfo) -> str:
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    elif isinstance(value, dt.datetime):
        day = value.astimezone(tz).date()
    elif isinstance(value, dt.date):
        day = value
    else:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def compose(order: Order, tz: dt.tzinfo, now: dt.datetime) -> dict[str, Any]:
    """The message: order number, the unit, what was done (as the unit wrote it, 第二十条), the date."""
    reply = order.reply or {}
    unit = reply.get("handling_unit") or order.lead_unit or "承办单位"
    result = (reply.get("result") or "").strip()
    day = _local_date(reply.get("handled_on") or order.replied_at or now, tz)
    again = "（重办）" if order.reopen_count else ""
    text = (
        f"【商洛12345】您反映的问题{again}已办理完毕。\n"
        f"工单编号：{order.order_no}\n"
        f"承办单位：{unit}\n"
        f"办理结果：{result}\n"
        f"办理日期：{day}\n"
        "请您对办理结果进行评价：满意、基本满意，还是不满意？"
    )
    buttons = [
        {"title": r, "payload": f'/{RATING_INTENT}{{"satisfaction": "{r}", "order_no": "{order.order_no}"}}'}
        for r in RATINGS
    ]
    return {"order_no": order.order_no, "unit": unit, "result": result, "date": day, "text": text, "buttons": buttons}


def enqueue(session: Session, order: Order, tz: dt.tzinfo, now: dt.datetime) -> bool:
    """Add the order's result notification to the current transaction (the caller commits)."""
    if not wants_result(order):
        return False
    key = event_key(order)
    exists = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.order_no == order.order_no,
                                                             Notification.event_key == key)
    )
    if exists:
        return False
    session.add(Notification(order_no=order.order_no, event_key=key, channel=order.channel, sender_id=order.sender_id,
                             payload=compose(order, tz, now), created_at=now, attempts=0, next_attempt_at=now))
    return True


# -- the worker's steps ---------------------------------------------------------------
@dataclass(frozen=True)
class Taken:
    id: int
    order_no: str
    event_key: str
    channel: str
    sender_id: str
    payload: dict[str, Any]
    attempts: int
    lease_until: dt.datetime

    @property
    def nid(self) -> str:
        return notification_id(self.order_no, self.event_key)


def _due(now: dt.datetime) -> Any:
    """Due rows of conversations with no other row in flight or waiting for its retry: one
    conversation's results go one after another (concurrent posts to one Rasa conversation only
    queue on its lock), other conversations' results at the same time."""
    other = aliased(Notification)
    busy = (select(other.id).where(other.sender_id == Notification.sender_id, other.id != Notification.id,
                                   other.sent_at.is_(None), other.dead_at.is_(None), other.next_attempt_at > now)
            .exists())
    return (Notification.sent_at.is_(None), Notification.dead_at.is_(None), Notification.next_attempt_at <= now,
            ~busy)


def take_next(factory: sessionmaker[Session], clock: Clock, lease_s: float) -> Taken | None:
    """Lease the next due row (locked, leased and counted in one short transaction)."""
    with factory() as session:
        now = clock()
        row = session.scalars(
            select(Notification).where(*_due(now))
            .order_by(Notification.next_attempt_at, Notification.id).limit(1).with_for_update(skip_locked=True)
        ).first()
        if row is None:
            session.commit()
            return None
        lease_until = now + dt.timedelta(seconds=lease_s)
        row.next_attempt_at = lease_until
        row.attempts = (row.attempts or 0) + 1
        taken = Taken(row.id, row.order_no, row.event_key, row.channel, row.sender_id, dict(row.payload),
                      row.attempts, lease_until)
        session.commit()
    return taken


@dataclass(frozen=True)
class Rasa:
    url: str
    token: str

    def _conversation(self, sender_id: str) -> str:
        return f"{self.url}/conversations/{quote(sender_id, safe='')}"

    def already_there(self, client: httpx.Client, message: Taken) -> bool:
        """Whether the conversation already holds this notification (sent before a crash or a lost answer)."""
        response = client.get(f"{self._conversation(message.sender_id)}/tracker",
                              params={"token": self.token, "include_events": "ALL"})
        response.raise_for_status()
        for event in response.json().get("events") or []:
            if event.get("event") == "bot" and (event.get("metadata") or {}).get("notification") == message.nid:
                return True
        return False

    def post(self, client: httpx.Client, message: Taken, rating_until: dt.datetime) -> httpx.Response:
        p = message.payload
        events = [
            {"event": "slot", "name": "rating_order", "value": message.order_no},
            {"event": "slot", "name": "rating_until", "value": rating_until.isoformat()},
            {"event": "bot", "text": p["text"], "data": {"buttons": p.get("buttons") or []},
             "metadata": {"notification": message.nid, "order_no": message.order_no,
                          "result": {k: p.get(k) for k in ("unit", "result", "date")}}},
        ]
        return client.post(f"{self._conversation(message.sender_id)}/tracker/events",
                           params={"execute_side_effects": "true", "output_channel": message.channel,
                                   "token": self.token}, json=events)


def send(client: httpx.Client, rasa: Rasa, message: Taken, rating_until: dt.datetime) -> tuple[str | None, bool]:
    """Hand one message to Rasa: (error or None, whether it was there already)."""
    try:
        if rasa.already_there(client, message):
            return None, True
        response = rasa.post(client, message, rating_until)
    except (httpx.HTTPError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500], False
    if 200 <= response.status_code < 300:
        return None, False
    return f"HTTP {response.status_code}", False


def record(factory: sessionmaker[Session], message: Taken, error: str | None, already: bool, *, clock: Clock,
           base_s: float, max_s: float, max_attempts: int, jitter: Callable[[], float]) -> None:
    now = clock()
    with factory() as session:
        mine = (Notification.id == message.id, Notification.sent_at.is_(None))
        if error is None:
            values: dict[str, Any] = {"sent_at": now, "last_error": None, "dead_at": None}
            if already:
                values.update(outcome="already", outcome_at=now)
            session.execute(update(Notification).where(*mine).values(**values)
                            .execution_options(synchronize_session=False))
        else:
            values = {"last_error": error}
            if message.attempts >= max_attempts:
                values.update(dead_at=now, outcome="failed", outcome_at=now, outcome_detail=error[:200])
                logger.error("result of %s not handed to Rasa after %d attempts, dead-lettered: %s",
                             message.order_no, message.attempts, error)
            else:
                values["next_attempt_at"] = now + backoff(message.attempts, base_s, max_s, jitter())
                logger.warning("result of %s not handed to Rasa (attempt %d): %s", message.order_no,
                               message.attempts, error)
            session.execute(update(Notification).where(*mine, Notification.next_attempt_at == message.lease_until)
                            .values(**values).execution_options(synchronize_session=False))
        session.commit()


def deliver_due(factory: sessionmaker[Session], client: httpx.Client, rasa: Rasa, *, clock: Clock, lease_s: float,
                base_s: float, max_s: float, max_attempts: int, rating_hours: float, batch: int = BATCH,
                jitter: Callable[[], float] = random.random) -> int:
    """Hand up to ``batch`` due notifications to Rasa, each leased when taken; return how many went."""
    done = 0
    for _ in range(batch):
        message = take_next(factory, clock, lease_s)
        if message is None:
            break
        error, already = send(client, rasa, message, clock() + dt.timedelta(hours=rating_hours))
        record(factory, message, error, already, clock=clock, base_s=base_s, max_s=max_s,
               max_attempts=max_attempts, jitter=jitter)
        done += error is None
    return done


# -- what the channel reports, and what the console shows -------------------------------
def record_outcome(session: Session, nid: str, outcome: str, detail: str | None, now: dt.datetime) -> bool:
    """The channel's report for a notification id ``<order_no>:<key>``; False when unknown."""
    order_no, _, key = nid.partition(":")
    row = session.scalars(select(Notification).where(Notification.order_no == order_no,
                                                      Notification.event_key == key)).first()
    if row is None:
        session.rollback()
        return False
    if row.outcome in ("delivered", "template", "pushed") and outcome in ("stored", "undelivered", "failed"):
        session.commit()  # a later, weaker report (a second replica, a retry) never hides a delivery
        return True
    row.outcome, row.outcome_at, row.outcome_detail = outcome, now, (detail or None) and detail[:200]
    if row.sent_at is None:
        row.sent_at = now
    session.commit()
    return True


def for_order(session: Session, order_no: str) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.order_no == order_no)
                                .order_by(Notification.id)))


def recent(session: Session, limit: int = 100) -> list[Notification]:
    return list(session.scalars(select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(limit)))


def callbacks(session: Session, limit: int = 200) -> list[tuple[Notification, Order]]:
    """Results that did not reach the citizen (undelivered, or dead-lettered): an agent phones them (电话回访)."""
    rows = session.execute(
        select(Notification, Order).join(Order, Order.order_no == Notification.order_no)
        .where(Notification.outcome.in_(("undelivered", "failed")))
        .order_by(Notification.outcome_at.desc()).limit(limit)
    ).all()
    return [(n, o) for n, o in rows]


def retry(session: Session, order_no: str, now: dt.datetime) -> bool:
    """A dead-lettered notification due again with a fresh budget (console, supervisors)."""
    changed = session.execute(
        update(Notification).where(Notification.order_no == order_no, Notification.dead_at.is_not(None),
                                   Notification.sent_at.is_(None))
        .values(dead_at=None, attempts=0, next_attempt_at=now, outcome=None, outcome_at=None, outcome_detail=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return changed > 0


class NotificationWorker:
    """Background thread of one gateway process (started when RASA_API_TOKEN is set)."""

    def __init__(self, factory: sessionmaker[Session], settings: Any, console: Any, clock: Any) -> None:
        self._factory, self._settings, self._console, self._clock = factory, settings, console, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)

    @property
    def lease_s(self) -> float:
        return 2 * self._console.rasa_timeout_s + 30  # a tracker read and a post

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * self._console.rasa_timeout_s + 5)

    def _run(self) -> None:
        s, c = self._settings, self._console
        rasa = Rasa(c.rasa_url, c.rasa_api_token.get_secret_value() if c.rasa_api_token else "")
        senders = max(1, s.notify_concurrency)

        def round_() -> int:
            try:
                return deliver_due(self._factory, client, rasa, clock=self._clock, lease_s=self.lease_s,
                                   base_s=s.notify_backoff_base_s, max_s=s.notify_backoff_max_s,
                                   max_attempts=s.notify_max_attempts, rating_hours=s.notify_rating_hours)
            except Exception:  # noqa: BLE001 - keep the worker alive; the rows stay due
                logger.exception("notification round failed")
                return 0

        with httpx.Client(timeout=c.rasa_timeout_s) as client, \
                ThreadPoolExecutor(senders, thread_name_prefix="notify") as pool:
            while not self._stop.is_set():
                # several senders at once (each row is leased to one of them); a full round goes on at once
                done = sum(pool.map(lambda _: round_(), range(senders)))
                if done < BATCH:
                    self._stop.wait(s.notify_poll_s)

"""查询办理结果 on the web: an order's result by its number and the contact phone's last four digits (issue 14).

A citizen who did not get the result on the channel they used (another browser, a cleared
browser, a phone call) finds it on the portal with the order number and the last four digits
of the contact phone given in the order. Whoever knows an order number can guess four digits,
so:

* the answer holds only what the result message holds (order number, type, status, the
  handling unit, the reply as the unit wrote it, its dates, the deadline of an open order) and
  whether a rating is still possible — never the citizen's name, phone, address or description;
* an unknown order, wrong digits, an anonymous order and an order without a phone all get the
  same answer (``NOT_FOUND``), so nothing tells whether an order exists;
* failed attempts are counted in ``result_lookup_failures`` per order number and per client
  address; N failures within the window lock that key for the lock time (a refused attempt is
  not counted and not checked, right digits included). The order key is counted for numbers
  that do not exist too, so a lock tells nothing either. A success clears the order's
  failures, never the address's (one known order must not reset a guesser's budget).
  Two replicas answering the N-th and (N+1)-th failure at the same instant may let one more
  attempt through: the limit is "about N", which is enough against guessing 10 000 values.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.domain import ORDER_NO_PATTERN, OPEN_STATUSES, Channel, OrderStatus
from gateway.models import Notification, Order, PersonalDataRead, ResultLookupFailure
from gateway.services.notifications import event_key, wants_result

NOT_FOUND = "未查询到匹配的工单：请核对工单编号和联系电话后四位。匿名工单和未留联系电话的工单不能在网上查询，请拨打 12345 热线。"
BAD_ORDER_NO = "工单编号格式不正确：应为 SL 加 14 位数字，例如 SL20261125000001。"
BAD_LAST4 = "请输入提交诉求时所留联系电话的后四位数字。"
AUDIT_ACTION = "result_lookup"
_SPACES = re.compile(r"[\s\-_－—]+")
_DIGITS = re.compile(r"[0-9]")
# compared against when there is nothing to compare, so every answer costs the same
_NOTHING = "\x00\x00\x00\x00"

CHANNEL_LABELS = {
    Channel.WECHAT.value: "微信公众号“商洛12345”",
    Channel.WEBCHAT.value: "网页在线咨询（提交诉求时使用的浏览器）",
    Channel.EMAIL.value: "电子邮件（回复办理结果邮件）",
}


@dataclass(frozen=True)
class Limits:
    order_max_failures: int
    ip_max_failures: int
    window: dt.timedelta
    lock: dt.timedelta

    @classmethod
    def of(cls, settings: Any) -> Limits:
        return cls(settings.result_lookup_order_max_failures, settings.result_lookup_ip_max_failures,
                   dt.timedelta(minutes=settings.result_lookup_window_minutes),
                   dt.timedelta(minutes=settings.result_lookup_lock_minutes))


@dataclass(frozen=True)
class Locked:
    """A key that refuses lookups now: which one (``order`` / ``ip``) and for how many seconds."""

    scope: str
    retry_after_s: int


def _plain(value: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), spaces and dashes out."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value or ""))


def normalise_order_no(value: str) -> str | None:
    text = _plain(value).upper()
    return text if ORDER_NO_PATTERN.fullmatch(text) else None


def normalise_last4(value: str) -> str | None:
    text = _plain(value)
    return text if len(text) == 4 and text.isascii() and text.isdigit() else None


def phone_last4(phone: str | None) -> str | None:
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", phone or "")))
    return digits[-4:] if len(digits) >= 4 else None


def address_key(host: str | None) -> str:
    """The client address as counted: IPv4 as is, IPv6 as its /64 (one line, one budget)."""
    host = (host or "unknown").strip()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"ip:{host[:100]}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((address, 64), strict=False)}"
    return f"ip:{address}"


def order_key(order_no: str) -> str:
    return f"order:{order_no}"


def _locked_until(times: list[dt.datetime], limit: int, window: dt.timedelta, lock: dt.timedelta) -> dt.datetime | None:
    """End of the latest lock these failure times caused: ``limit`` failures within ``window`` lock for ``lock``."""
    until = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window:
            end = times[i] + lock
            until = end if until is None or end > until else until
    return until


def locked(session: Session, keys: dict[str, str], limits: Limits, now: dt.datetime) -> Locked | None:
    """The first of ``keys`` (scope → key) that refuses lookups now, if any."""
    since = now - limits.window - limits.lock
    for scope, key in keys.items():
        times = list(session.scalars(select(ResultLookupFailure.at)
                                     .where(ResultLookupFailure.key == key, ResultLookupFailure.at > since)
                                     .order_by(ResultLookupFailure.at)))
        limit = limits.order_max_failures if scope == "order" else limits.ip_max_failures
        until = _locked_until(times, limit, limits.window, limits.lock)
        if until is not None and until > now:
            return Locked(scope, max(1, int((until - now).total_seconds() + 0.999)))
    return None


def record_failure(session: Session, keys: dict[str, str], limits: Limits, now: dt.datetime) -> None:
    session.add_all(ResultLookupFailure(key=key[:200], at=now) for key in keys.values())
    session.execute(delete(ResultLookupFailure).where(ResultLookupFailure.at <= now - limits.window - limits.lock))
    session.commit()


def clear_order(session: Session, order_no: str) -> None:
    session.execute(delete(ResultLookupFailure).where(ResultLookupFailure.key == order_key(order_no)))


def matching_order(session: Session, order_no: str, last4: str) -> Order | None:
    """The order when the digits match its contact phone; None for every other case, alike."""
    order = session.scalar(select(Order).where(Order.order_no == order_no))
    expected = phone_last4(order.contact_phone) if order is not None and not order.anonymous else None
    # compared in constant time, and compared also when there is nothing to compare with
    same = hmac.compare_digest((expected or _NOTHING).encode(), last4.encode())
    return order if same and expected is not None else None


def _local_day(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    return value.astimezone(tz).date().isoformat() if value is not None else None


def _handled_on(reply: dict[str, Any], order: Order, tz: dt.tzinfo) -> str | None:
    handled = reply.get("handled_on")
    if isinstance(handled, str):
        try:
            return dt.date.fromisoformat(handled[:10]).isoformat()
        except ValueError:
            pass
    return _local_day(order.replied_at, tz)


def rating_possible(session: Session, order: Order, rating_hours: float, now: dt.datetime) -> bool:
    """Whether the citizen can still rate this result in the conversation it was sent to.

    The bot rates only the result it put into that conversation (bot/actions/feedback.py), within
    ``GATEWAY_NOTIFY_RATING_HOURS`` of it, once; a rating typed elsewhere is not taken."""
    if order.status != OrderStatus.COMPLETED.value or order.satisfaction or not wants_result(order):
        return False
    row = session.scalar(select(Notification).where(Notification.order_no == order.order_no,
                                                    Notification.event_key == event_key(order)))
    if row is None or row.dead_at is not None or row.outcome == "failed":
        return False
    return now <= (row.sent_at or row.created_at) + dt.timedelta(hours=rating_hours)


def view(session: Session, order: Order, tz: dt.tzinfo, rating_hours: float, now: dt.datetime) -> dict[str, Any]:
    """What the answer may show: the result message's content, nothing about the citizen."""
    status = OrderStatus(order.status)
    completed = status is OrderStatus.COMPLETED
    reply: dict[str, Any] = (order.reply or {}) if completed else {}
    unit = None
    if status is not OrderStatus.WITHDRAWN:
        unit = (reply.get("handling_unit") if completed else None) or order.lead_unit
    can_rate = rating_possible(session, order, rating_hours, now)
    return {
        "order_no": order.order_no,
        "type": order.type,
        "status": status.value,
        "status_label": status.label,
        "handling_unit": unit,
        "result": ((reply.get("result") or "").strip() or None) if completed else None,
        "handled_on": _handled_on(reply, order, tz) if completed else None,
        "completed_on": _local_day(order.completed_at, tz) if completed else None,
        "due_on": _local_day(order.due_at, tz) if status in OPEN_STATUSES else None,
        "rating_possible": can_rate,
        "rating_channel": CHANNEL_LABELS.get(order.channel) if can_rate else None,
    }


def audit(session: Session, order_no: str, address: str, now: dt.datetime) -> None:
    """The answer shows the unit's reply, which may name the citizen: one audit row per lookup."""
    session.add(PersonalDataRead(at=now, actor=f"citizen:result-lookup:{address}"[:200], order_no=order_no,
                                 action=AUDIT_ACTION))

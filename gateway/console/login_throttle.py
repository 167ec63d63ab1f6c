"""Login throttling of the console that slows guessing without locking anybody out.

Failures are counted in ``console_login_failures`` under keys, within
``CONSOLE_LOGIN_WINDOW_MINUTES`` (N = ``CONSOLE_LOGIN_MAX_FAILURES``):

* ``device:<sha256>`` — a **known device**: a browser whose ``console_device`` cookie
  belongs to the user of that name (set at its last successful login). Only its own
  failures count; after N of them that browser waits out the window. Failures of anybody
  else for the same name never refuse it — so a flood of wrong passwords for 值班长
  cannot keep 值班长 out of her own browser.
* from any other browser:
  - ``pair:<address>|<name>`` — N failures refuse that name from that address for the window;
  - ``addr:<address>`` — 4·N failures refuse the address for the window (password spraying);
  - ``user:<name>`` — after N failures of the name from anywhere, the name is **slowed**,
    not locked: an attempt from an unknown browser must wait 2^(n−N) seconds (at most
    ``MAX_DELAY_S``) after the name's last failure. Guessing from many addresses gets
    about one try a minute; the owner on a new machine waits at most a minute.

A throttled attempt is refused before the password is checked and is not counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.console.models import ConsoleKnownDevice, ConsoleLoginFailure, ConsoleUser
from gateway.console.settings import ConsoleSettings

DEVICE_COOKIE = "console_device"
DEVICE_DAYS = 90
DEVICES_PER_USER = 10
MAX_DELAY_S = 60
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused now, and for how many seconds at most."""

    reason: str  # "locked" (pair, address or device for the window) or "slowed" (the name)
    retry_after_s: int


@dataclass(frozen=True)
class Source:
    """Who is trying: the name, the client address and the device (if known for that name)."""

    name: str
    address: str
    device_id: str | None  # SHA-256 of a known device cookie of this name's user, else None

    @property
    def keys(self) -> list[str]:
        if self.device_id:
            return [f"device:{self.device_id}"]
        return [f"pair:{self.address}|{self.name}"[:200], f"addr:{self.address}"[:200], f"user:{self.name}"[:200]]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def source(session: Session, name: str, address: str, device_cookie: str | None, user: ConsoleUser | None,
           now: dt.datetime) -> Source:
    device_id = None
    if device_cookie and user is not None and len(device_cookie) <= 200:
        row = session.get(ConsoleKnownDevice, _digest(device_cookie))
        if row is not None and row.user_id == user.id and now - row.last_used_at < dt.timedelta(days=DEVICE_DAYS):
            device_id = row.id
    return Source(name=name, address=address, device_id=device_id)


def _failures(session: Session, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    count, last = session.execute(
        select(func.count(), func.max(ConsoleLoginFailure.at))
        .where(ConsoleLoginFailure.key == key, ConsoleLoginFailure.at >= since)
    ).one()
    return int(count or 0), last


def refusal(session: Session, who: Source, settings: ConsoleSettings, now: dt.datetime) -> Refusal | None:
    window = dt.timedelta(minutes=settings.login_window_minutes)
    limit = settings.login_max_failures
    since = now - window
    keys = who.keys
    if who.device_id:
        count, _ = _failures(session, keys[0], since)
        return Refusal("locked", int(window.total_seconds())) if count >= limit else None
    pair, address, name = keys
    if _failures(session, pair, since)[0] >= limit or _failures(session, address, since)[0] >= limit * ADDRESS_FACTOR:
        return Refusal("locked", int(window.total_seconds()))
    count, last = _failures(session, name, since)
    if count >= limit and last is not None:
        delay = dt.timedelta(seconds=min(2 ** (count - limit), MAX_DELAY_S))
        if now - _aware(last, now) < delay:
            return Refusal("slowed", max(1, int((delay - (now - _aware(last, now))).total_seconds() + 0.999)))
    return None


def _aware(value: dt.datetime, like: dt.datetime) -> dt.datetime:
    """SQLite hands back what was stored; keep the comparison between like kinds."""
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


def record_failure(session: Session, who: Source, settings: ConsoleSettings, now: dt.datetime) -> None:
    session.add_all(ConsoleLoginFailure(key=key, at=now) for key in who.keys)
    old = now - dt.timedelta(minutes=settings.login_window_minutes) * 2
    session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.at < old))
    session.commit()


def record_success(session: Session, who: Source, user: ConsoleUser, now: dt.datetime) -> str:
    """Clear this source's failures and (re)issue the device cookie; returns its new value."""
    session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.key.in_(
        [f"pair:{who.address}|{who.name}"[:200], f"user:{who.name}"[:200]]
        + ([f"device:{who.device_id}"] if who.device_id else []))))
    if who.device_id:
        session.execute(delete(ConsoleKnownDevice).where(ConsoleKnownDevice.id == who.device_id))
    token = secrets.token_urlsafe(32)
    session.add(ConsoleKnownDevice(id=_digest(token), user_id=user.id, created_at=now, last_used_at=now))
    session.flush()
    keep = select(ConsoleKnownDevice.id).where(ConsoleKnownDevice.user_id == user.id) \
        .order_by(ConsoleKnownDevice.last_used_at.desc()).limit(DEVICES_PER_USER)
    session.execute(delete(ConsoleKnownDevice).where(
        ConsoleKnownDevice.user_id == user.id, ConsoleKnownDevice.id.not_in(keep)))
    session.commit()
    return token

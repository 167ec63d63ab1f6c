"""One prune over every store that holds personal data, with the periods of the policy."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import inspect, make_url
from sqlalchemy.orm import Session

from gateway.console.events_store import EventsStore
from gateway.console.settings import ConsoleSettings
from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.retention import channel_stores, gateway_db
from gateway.retention.conversation_events import prune_events
from gateway.retention.file_modes import tighten_modes
from gateway.retention.kb_gaps import prune_gaps
from gateway.retention.policy import ROOT, RetentionPolicy
from gateway.retention.result import Pruned
from gateway.services.attachments import AttachmentStore

logger = logging.getLogger("gateway.retention")


def where(url: str) -> str:
    """A database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _redis_where(url: str) -> str:
    return where(url.replace("redis://", "redis+x://", 1).replace("rediss://", "rediss+x://", 1)).replace("+x", "")


def sqlite_missing(url: str) -> bool:
    """A SQLite database whose file does not exist (opening it would create an empty one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not _path(Path(parsed.database)).is_file()


def _path(path: Path) -> Path:
    return path if path.is_absolute() else ROOT / path


def run(policy: RetentionPolicy, settings: Settings, console: ConsoleSettings, *,
        now: dt.datetime, dry_run: bool) -> list[Pruned]:
    results: list[Pruned] = []

    def before(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    def step(kind: str, store: str, days: int | None, action: str, work: Callable[[], int | None],
             session: Session | None = None) -> None:
        try:
            count = work()
            if session is not None:
                session.commit()  # ends the transaction of a count, too (SQLite: BEGIN IMMEDIATE holds the lock)
        except Exception as error:  # one store down must not stop the others
            if session is not None:
                session.rollback()
            logger.error("retention: %s in %s failed: %s", kind, store, type(error).__name__)
            results.append(Pruned(kind, store, days, 0, f"failed: {type(error).__name__}"))
            return
        if count is None:
            results.append(Pruned(kind, store, days, 0, "skipped: not created yet"))
        else:
            results.append(Pruned(kind, store, days, count, action))

    database = Database(settings.database_url)
    db_where = where(settings.database_url)
    try:
        if not sqlite_missing(settings.database_url) and inspect(database.engine).has_table("orders"):
            with database.sessionmaker() as session:
                _gateway_steps(step, session, policy, settings, before, db_where, dry_run, results)
        else:
            results.append(Pruned("gateway database", db_where, None, 0, "skipped: not created yet"))
    finally:
        database.dispose()

    if console.events_db_url.strip().lower() == "off":
        pass
    elif sqlite_missing(console.events_url):
        results.append(Pruned("conversation events (texts, slots)", where(console.events_url), policy.conversation_days,
                              0, "skipped: not created yet"))
    else:
        events = EventsStore(console.events_url)
        try:
            step("conversation events (texts, slots)", f"{where(console.events_url)} events", policy.conversation_days,
                 "deleted", lambda: prune_events(events.engine, cutoff=before(policy.conversation_days),
                                                 dry_run=dry_run))
        finally:
            events.dispose()

    step("knowledge gaps (raw questions)", str(policy.kb_gaps_db), policy.kb_gap_days, "deleted",
         lambda: prune_gaps(_path(policy.kb_gaps_db), cutoff=before(policy.kb_gap_days), dry_run=dry_run))

    redis_url = policy.redis_url.strip()
    if redis_url:
        email_where = f"{_redis_where(redis_url)} {policy.email_prefix}:*"
        step("email state (replies, threads, reply addresses, blobs)", email_where, policy.email_days, "ttl",
             lambda: channel_stores.cap_email_ttls(redis_url, policy.email_prefix, days=policy.email_days,
                                                   attachment_days=policy.email_attachment_days, dry_run=dry_run))
        step("WeChat undelivered messages", f"{_redis_where(redis_url)} {console.wechat_prefix}:undelivered",
             policy.wechat_undelivered_days, "deleted",
             lambda: channel_stores.prune_wechat_undelivered(
                 redis_url, console.wechat_prefix, cutoff=before(policy.wechat_undelivered_days),
                 days=policy.wechat_undelivered_days, dry_run=dry_run))
    else:
        email_path = _path(policy.email_store_path)
        step("email state (replies, threads, reply addresses)", str(policy.email_store_path), policy.email_days,
             "masked", lambda: channel_stores.mask_email_mails(email_path, cutoff=before(policy.email_days),
                                                               dry_run=dry_run))
        step("email attachment blobs", str(policy.email_store_path), policy.email_attachment_days, "deleted",
             lambda: channel_stores.delete_email_attachments(email_path, cutoff=before(policy.email_attachment_days),
                                                             dry_run=dry_run))
        results.append(Pruned("WeChat undelivered messages", "memory of the Rasa server (no REDIS_URL)",
                              policy.wechat_undelivered_days, 0, "skipped: ends with the process"))

    step("file modes of var/ and .env", f"{policy.var_dir} {policy.env_file.name}", None, "chmod 0700/0600",
         lambda: tighten_modes(_path(policy.var_dir), _path(policy.env_file), dry_run=dry_run))
    return results


def _gateway_steps(step, session: Session, policy: RetentionPolicy, settings: Settings,  # noqa: ANN001
                   before: Callable[[int], dt.datetime], db_where: str, dry_run: bool,
                   results: list[Pruned]) -> None:
    step("closed orders: personal fields, history, attachments", f"{db_where} orders",
         policy.closed_order_days, "masked",
         lambda: gateway_db.mask_closed_orders(session, cutoff=before(policy.closed_order_days), dry_run=dry_run),
         session)
    step("sent outbox payloads", f"{db_where} outbox", policy.outbox_sent_days, "masked",
         lambda: gateway_db.cut_sent_outbox(session, cutoff=before(policy.outbox_sent_days), dry_run=dry_run),
         session)
    step("idempotency keys", f"{db_where} idempotency_keys", policy.idempotency_key_days, "deleted",
         lambda: gateway_db.delete_idempotency_keys(session, cutoff=before(policy.idempotency_key_days),
                                                    dry_run=dry_run), session)
    has_handoffs = inspect(session.connection()).has_table("handoffs")
    session.commit()
    if has_handoffs:
        step("console audit log: sender ids", f"{db_where} console_audit", policy.closed_order_days, "masked",
             lambda: gateway_db.mask_console_audit(session, cutoff=before(policy.closed_order_days), dry_run=dry_run),
             session)
        step("closed console hand-offs (summary, last text)", f"{db_where} handoffs", policy.conversation_days,
             "deleted", lambda: gateway_db.delete_closed_handoffs(session, cutoff=before(policy.conversation_days),
                                                                 dry_run=dry_run), session)
    files = {"n": 0}

    def attachments() -> int:
        rows, files["n"] = gateway_db.prune_attachments(
            session, AttachmentStore(_path(settings.attachments_dir)), now=before(0),
            days=policy.unlinked_attachment_days, dry_run=dry_run)
        return rows

    step("unlinked uploads", f"{db_where} attachments", policy.unlinked_attachment_days, "deleted",
         attachments, session)
    results.append(Pruned("attachment files no row refers to", str(settings.attachments_dir),
                          policy.unlinked_attachment_days, files["n"], "deleted"))

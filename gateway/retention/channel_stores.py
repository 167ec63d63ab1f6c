"""The channels' own state, reached from here without the Rasa venv:

- email (channels/email/store.py): SQLite file EMAIL_STORE_PATH, or Redis under
  EMAIL_REDIS_PREFIX when REDIS_URL is set;
- WeChat (channels/wechat/stores.py): the agents' list of undelivered messages in Redis
  (``{WECHAT_REDIS_PREFIX}:undelivered``); without REDIS_URL it lives in the Rasa
  server's memory and ends with it.

Blocking calls: the prune command runs outside any event loop.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import redis

# -- email, SQLite -------------------------------------------------------------


def mask_email_mails(path: Path, *, cutoff: dt.datetime, dry_run: bool) -> int | None:
    """Mails last handled before ``cutoff`` keep Message-ID and status (so a mail fetched again
    is never answered twice) and lose the composed reply, the note and the thread; the
    threads whose last mail is that old lose their links, subject keys and reply address."""
    if not path.is_file():
        return None
    before = cutoff.timestamp()
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        old = "updated_at < ? AND (reply IS NOT NULL OR note IS NOT NULL OR thread_id IS NOT NULL)"
        if dry_run:
            return int(db.execute(f"SELECT count(*) FROM mails WHERE {old}", (before,)).fetchone()[0])
        db.execute("BEGIN IMMEDIATE")
        try:
            stale = [row[0] for row in db.execute(
                "SELECT thread_id FROM mails WHERE thread_id IS NOT NULL GROUP BY thread_id HAVING max(updated_at) < ?",
                (before,))]
            for thread_id in stale:
                db.execute("DELETE FROM thread_links WHERE thread_id = ?", (thread_id,))
                db.execute("DELETE FROM subjects WHERE thread_id = ?", (thread_id,))
            count = db.execute(f"UPDATE mails SET reply = NULL, note = NULL, thread_id = NULL WHERE {old}",
                               (before,)).rowcount
            db.execute("DELETE FROM latest WHERE updated_at < ?", (before,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count
    finally:
        db.close()


def delete_email_attachments(path: Path, *, cutoff: dt.datetime, dry_run: bool) -> int | None:
    if not path.is_file():
        return None
    db = sqlite3.connect(path, timeout=30)
    try:
        if dry_run:
            return int(db.execute("SELECT count(*) FROM attachments WHERE created_at < ?",
                                  (cutoff.timestamp(),)).fetchone()[0])
        with db:
            return db.execute("DELETE FROM attachments WHERE created_at < ?", (cutoff.timestamp(),)).rowcount
    finally:
        db.close()


# -- Redis ---------------------------------------------------------------------


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


def cap_email_ttls(url: str, prefix: str, *, days: int, attachment_days: int, dry_run: bool) -> int:
    """Every key of the email store lives at most the period from now (EXPIRE … LT only ever
    shortens a TTL; a key without one gets it); returns how many keys were shortened."""
    client = _client(url)
    changed = 0
    try:
        for kind in ("mail", "link", "subject", "latest", "attachment"):
            seconds = (attachment_days if kind == "attachment" else days) * 86400
            for key in client.scan_iter(match=f"{prefix}:{kind}:*", count=500):
                ttl = client.ttl(key)
                if ttl == -2 or (0 <= ttl <= seconds):
                    continue
                if not dry_run:
                    client.expire(key, seconds, lt=True)
                changed += 1
    finally:
        client.close()
    return changed


def prune_wechat_undelivered(url: str, prefix: str, *, cutoff: dt.datetime, days: int, dry_run: bool) -> int:
    """Deletes undelivered messages recorded before ``cutoff`` and lets the list expire when its
    newest message is ``days`` old; returns how many messages were deleted."""
    key = f"{prefix}:undelivered"
    client = _client(url)
    try:
        items = client.lrange(key, 0, -1)
        old, newest = [], None
        for raw in items:
            try:
                at = float(json.loads(raw).get("at"))
            except (TypeError, ValueError, AttributeError):
                old.append(raw)  # unreadable: nothing an agent can use
                continue
            if at < cutoff.timestamp():
                old.append(raw)
            else:
                newest = at if newest is None else max(newest, at)
        if dry_run:
            return len(old)
        for raw in old:
            client.lrem(key, 1, raw)
        if newest is not None:
            client.expireat(key, int(newest) + days * 86400)
        return len(old)
    finally:
        client.close()

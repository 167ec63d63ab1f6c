"""The email channel's state, shared by the worker and the Rasa server:

- every mail's status by Message-ID: handling (with a lease) → answered (reply composed,
  kept here; still under the lease while it is being sent) → done; or ignored. This is what makes handling idempotent: a mail is given
  to the bot at most once per lease, and an answer composed but not yet sent is sent
  from here, never composed twice;
- threads: Message-ID → thread id (the citizen's mails and our replies; our own are marked,
  only they let a later mail join a thread), sender+subject → thread id (set only by mails
  that passed DMARC), and per sender_id the headers of the thread's latest mail and the
  thread's reply address (fixed by its first mail);
- failures: how often a mail failed to be handled (after EMAIL_MAX_ATTEMPTS it is quarantined);
- attachments kept locally when the gateway cannot take them.

SQLite file (var/email_state.sqlite3) by default, Redis when REDIS_URL is set; both answer
`MailStore`. The SQLite access (WAL, busy timeout, every call on a worker thread so the event
loop never blocks) and the Redis client are the channel kit's (channels/common/store.py); the
tables and keys are this channel's own, read as they are by `gateway/retention`."""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Protocol, Tuple, TypeVar

from channels.common.store import SQLiteFile, redis_client
from channels.common.store import key as join_key

if TYPE_CHECKING:
    from channels.email.settings import Settings

T = TypeVar("T")

NEW, BUSY, ANSWERED, DONE, IGNORED = "new", "busy", "answered", "done", "ignored"
QUARANTINED = "quarantined"  # failed EMAIL_MAX_ATTEMPTS times; moved out of the inbox, never answered
KEEP_S = 180 * 24 * 3600  # Redis keys live half a year (threads are answered within weeks)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mails (
    message_id TEXT PRIMARY KEY, status TEXT NOT NULL, claimed_at REAL, thread_id TEXT,
    reply TEXT, note TEXT, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS thread_links (message_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL,
    ours INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, last_error TEXT,
    updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS subjects (key TEXT PRIMARY KEY, thread_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS latest (sender_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY, message_id TEXT NOT NULL, sender_id TEXT, filename TEXT, content_type TEXT,
    sha256 TEXT, data BLOB, created_at REAL NOT NULL);
"""


class MailStore(Protocol):
    """What the worker and the Rasa server keep about mails, threads, failures and attachments."""

    async def claim(self, message_id: str, lease_s: float) -> Tuple[str, Dict[str, Any]]: ...
    async def status(self, message_id: str) -> Optional[str]: ...
    async def set_status(self, message_id: str, status: str, *, reply: Optional[str] = None,
                         thread_id: Optional[str] = None, note: Optional[str] = None) -> None: ...
    async def release(self, message_id: str) -> None: ...
    async def unlock(self, message_id: str) -> None: ...
    async def thread_for(self, message_ids: Iterable[str]) -> Optional[str]: ...
    async def link(self, message_id: str, thread_id: str) -> None: ...
    async def link_ours(self, message_id: str, thread_id: str) -> None: ...
    async def thread_for_ours(self, message_ids: Iterable[str]) -> Optional[str]: ...
    async def record_failure(self, key: str, error: str) -> int: ...
    async def failures(self, key: str) -> int: ...
    async def thread_for_subject(self, key: str) -> Optional[str]: ...
    async def set_subject(self, key: str, thread_id: str) -> None: ...
    async def save_latest(self, sender_id: str, data: Dict[str, Any]) -> None: ...
    async def latest(self, sender_id: str) -> Optional[Dict[str, Any]]: ...
    async def keep_attachment(self, message_id: str, sender_id: str, filename: str, content_type: str,
                              sha256: str, data: bytes) -> str: ...
    async def close(self) -> None: ...


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._db = SQLiteFile(path)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)
            columns = [row[1] for row in conn.execute("PRAGMA table_info(thread_links)")]
            if "ours" not in columns:  # a store written before our own Message-IDs were marked
                conn.execute("ALTER TABLE thread_links ADD COLUMN ours INTEGER NOT NULL DEFAULT 0")
                self._mark_kept_replies_ours(conn)

    def _connect(self) -> sqlite3.Connection:
        return self._db.connect()

    @staticmethod
    def _mark_kept_replies_ours(conn: sqlite3.Connection) -> None:
        """Upgrade: the replies kept in `mails` name our Message-IDs, so threads already under way
        go on (an agent's message of before the upgrade is not kept: a reply to it starts anew)."""
        from email.parser import HeaderParser

        for (raw,) in conn.execute("SELECT reply FROM mails WHERE reply IS NOT NULL").fetchall():
            message_id = (HeaderParser().parsestr(raw).get("Message-ID") or "").strip()
            if message_id:
                conn.execute("UPDATE thread_links SET ours=1 WHERE message_id=?", (message_id,))

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._db.run(fn, *args)

    # -- mails
    @staticmethod
    def _claim(conn: sqlite3.Connection, message_id: str, lease_s: float, now: float) -> Tuple[str, Dict[str, Any]]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT status, claimed_at, reply, thread_id FROM mails WHERE message_id=?",
                               (message_id,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO mails(message_id, status, claimed_at, updated_at) VALUES (?,?,?,?)",
                             (message_id, "handling", now, now))
                outcome, record = NEW, {}
            else:
                status, claimed_at, reply, thread_id = row
                record = {"status": status, "reply": reply, "thread_id": thread_id}
                if status in ("handling", ANSWERED) and now - (claimed_at or 0) <= lease_s:
                    outcome = BUSY  # someone is answering or sending it right now
                elif status in ("handling", ANSWERED):
                    conn.execute("UPDATE mails SET claimed_at=?, updated_at=? WHERE message_id=?", (now, now, message_id))
                    outcome = NEW if status == "handling" else ANSWERED
                else:
                    outcome = status
            conn.execute("COMMIT")
            return outcome, record
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def claim(self, message_id: str, lease_s: float) -> Tuple[str, Dict[str, Any]]:
        return await self._run(self._claim, message_id, lease_s, time.time())

    async def status(self, message_id: str) -> Optional[str]:
        row = await self._run(lambda c: c.execute("SELECT status FROM mails WHERE message_id=?", (message_id,)).fetchone())
        return row[0] if row else None

    async def set_status(self, message_id: str, status: str, *, reply: Optional[str] = None,
                         thread_id: Optional[str] = None, note: Optional[str] = None) -> None:
        def run(conn):
            conn.execute(
                "INSERT INTO mails(message_id, status, reply, thread_id, note, updated_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(message_id) DO UPDATE SET status=excluded.status, "
                "reply=COALESCE(excluded.reply, mails.reply), thread_id=COALESCE(excluded.thread_id, mails.thread_id), "
                "note=COALESCE(excluded.note, mails.note), updated_at=excluded.updated_at",
                (message_id, status, reply, thread_id, note, time.time()))
        await self._run(run)

    async def release(self, message_id: str) -> None:
        """Gives a claim back (the bot could not be asked): the next delivery tries again."""
        await self._run(lambda c: c.execute("DELETE FROM mails WHERE message_id=? AND status='handling'", (message_id,)))

    async def unlock(self, message_id: str) -> None:
        """Ends the claim but keeps the status (a kept reply the next delivery may send at once)."""
        await self._run(lambda c: c.execute("UPDATE mails SET claimed_at=0 WHERE message_id=?", (message_id,)))

    # -- threads
    async def thread_for(self, message_ids: Iterable[str]) -> Optional[str]:
        ids = list(message_ids)

        def run(conn):
            for mid in ids:
                row = conn.execute("SELECT thread_id FROM thread_links WHERE message_id=?", (mid,)).fetchone()
                if row:
                    return row[0]
            return None
        return await self._run(run) if ids else None

    async def link(self, message_id: str, thread_id: str) -> None:
        await self._run(lambda c: c.execute(
            "INSERT OR IGNORE INTO thread_links(message_id, thread_id) VALUES (?,?)", (message_id, thread_id)))

    async def link_ours(self, message_id: str, thread_id: str) -> None:
        """A Message-ID we sent: a mail naming it in In-Reply-To/References joins the thread."""
        def run(conn):
            conn.execute("INSERT OR IGNORE INTO thread_links(message_id, thread_id, ours) VALUES (?,?,1)",
                         (message_id, thread_id))
            conn.execute("UPDATE thread_links SET ours=1 WHERE message_id=? AND thread_id=?", (message_id, thread_id))
        await self._run(run)

    async def thread_for_ours(self, message_ids: Iterable[str]) -> Optional[str]:
        ids = list(message_ids)

        def run(conn):
            for mid in ids:
                row = conn.execute("SELECT thread_id FROM thread_links WHERE message_id=? AND ours=1",
                                   (mid,)).fetchone()
                if row:
                    return row[0]
            return None
        return await self._run(run) if ids else None

    # -- mails that failed
    async def record_failure(self, key: str, error: str) -> int:
        """Counts one more failed attempt at a mail; returns the attempts so far."""
        def run(conn):
            conn.execute(
                "INSERT INTO failures(key, attempts, last_error, updated_at) VALUES (?,1,?,?) "
                "ON CONFLICT(key) DO UPDATE SET attempts=failures.attempts+1, last_error=excluded.last_error, "
                "updated_at=excluded.updated_at", (key, error[:300], time.time()))
            return conn.execute("SELECT attempts FROM failures WHERE key=?", (key,)).fetchone()[0]
        return await self._run(run)

    async def failures(self, key: str) -> int:
        row = await self._run(lambda c: c.execute("SELECT attempts FROM failures WHERE key=?", (key,)).fetchone())
        return int(row[0]) if row else 0

    async def thread_for_subject(self, key: str) -> Optional[str]:
        row = await self._run(lambda c: c.execute("SELECT thread_id FROM subjects WHERE key=?", (key,)).fetchone())
        return row[0] if row else None

    async def set_subject(self, key: str, thread_id: str) -> None:
        await self._run(lambda c: c.execute(
            "INSERT INTO subjects(key, thread_id) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET thread_id=excluded.thread_id",
            (key, thread_id)))

    async def save_latest(self, sender_id: str, data: Dict[str, Any]) -> None:
        await self._run(lambda c: c.execute(
            "INSERT INTO latest(sender_id, data, updated_at) VALUES (?,?,?) "
            "ON CONFLICT(sender_id) DO UPDATE SET data=excluded.data, updated_at=excluded.updated_at",
            (sender_id, json.dumps(data, ensure_ascii=False), time.time())))

    async def latest(self, sender_id: str) -> Optional[Dict[str, Any]]:
        row = await self._run(lambda c: c.execute("SELECT data FROM latest WHERE sender_id=?", (sender_id,)).fetchone())
        return json.loads(row[0]) if row else None

    # -- attachments the gateway could not take
    async def keep_attachment(self, message_id: str, sender_id: str, filename: str, content_type: str,
                              sha256: str, data: bytes) -> str:
        attachment_id = f"mail_{sha256[:12]}_{uuid.uuid4().hex[:8]}"

        def run(conn):
            row = conn.execute("SELECT id FROM attachments WHERE message_id=? AND sha256=? AND filename=?",
                               (message_id, sha256, filename)).fetchone()
            if row:
                return row[0]
            conn.execute("INSERT INTO attachments VALUES (?,?,?,?,?,?,?,?)",
                         (attachment_id, message_id, sender_id, filename, content_type, sha256, data, time.time()))
            return attachment_id
        return await self._run(run)

    async def close(self) -> None:
        pass


_CLAIM_LUA = """
local s = redis.call('HGET', KEYS[1], 'status')
if not s then
  redis.call('HSET', KEYS[1], 'status', 'handling', 'claimed_at', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {'new', '', ''}
end
if s == 'handling' or s == 'answered' then
  local t = tonumber(redis.call('HGET', KEYS[1], 'claimed_at') or '0')
  if tonumber(ARGV[1]) - t <= tonumber(ARGV[2]) then
    return {'busy', '', ''}
  end
  redis.call('HSET', KEYS[1], 'claimed_at', ARGV[1])
  if s == 'handling' then
    return {'new', '', ''}
  end
end
return {s, redis.call('HGET', KEYS[1], 'reply') or '', redis.call('HGET', KEYS[1], 'thread_id') or ''}
"""


class RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis_client(url, decode_responses=False)
        self.prefix = prefix
        self._claim = self._redis.register_script(_CLAIM_LUA)

    def _k(self, *parts: str) -> str:
        return join_key(self.prefix, *parts)

    @staticmethod
    def _s(value: Any) -> Optional[str]:
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    async def claim(self, message_id: str, lease_s: float) -> Tuple[str, Dict[str, Any]]:
        status, reply, thread_id = await self._claim(keys=[self._k("mail", message_id)],
                                                     args=[time.time(), lease_s, KEEP_S])
        status = self._s(status)
        return status, {"status": status, "reply": self._s(reply) or None, "thread_id": self._s(thread_id) or None}

    async def status(self, message_id: str) -> Optional[str]:
        return self._s(await self._redis.hget(self._k("mail", message_id), "status"))

    async def set_status(self, message_id: str, status: str, *, reply: Optional[str] = None,
                         thread_id: Optional[str] = None, note: Optional[str] = None) -> None:
        fields = {"status": status, "updated_at": time.time()}
        for name, value in (("reply", reply), ("thread_id", thread_id), ("note", note)):
            if value is not None:
                fields[name] = value
        key = self._k("mail", message_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, KEEP_S)
            await pipe.execute()

    async def release(self, message_id: str) -> None:
        key = self._k("mail", message_id)
        if self._s(await self._redis.hget(key, "status")) == "handling":
            await self._redis.delete(key)

    async def unlock(self, message_id: str) -> None:
        key = self._k("mail", message_id)
        if await self._redis.exists(key):
            await self._redis.hset(key, "claimed_at", 0)

    async def thread_for(self, message_ids: Iterable[str]) -> Optional[str]:
        for mid in message_ids:
            value = await self._redis.get(self._k("link", mid))
            if value:
                return self._s(value)
        return None

    async def link(self, message_id: str, thread_id: str) -> None:
        await self._redis.set(self._k("link", message_id), thread_id, nx=True, ex=KEEP_S)

    async def link_ours(self, message_id: str, thread_id: str) -> None:
        await self._redis.set(self._k("link", message_id), thread_id, nx=True, ex=KEEP_S)
        await self._redis.set(self._k("ours", message_id), thread_id, nx=True, ex=KEEP_S)

    async def thread_for_ours(self, message_ids: Iterable[str]) -> Optional[str]:
        for mid in message_ids:
            value = await self._redis.get(self._k("ours", mid))
            if value:
                return self._s(value)
        return None

    async def record_failure(self, key: str, error: str) -> int:
        name = self._k("failure", key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "attempts", 1)
            pipe.hset(name, mapping={"last_error": error[:300], "updated_at": time.time()})
            pipe.expire(name, KEEP_S)
            attempts, _, _ = await pipe.execute()
        return int(attempts)

    async def failures(self, key: str) -> int:
        return int(self._s(await self._redis.hget(self._k("failure", key), "attempts")) or 0)

    async def thread_for_subject(self, key: str) -> Optional[str]:
        return self._s(await self._redis.get(self._k("subject", key)))

    async def set_subject(self, key: str, thread_id: str) -> None:
        await self._redis.set(self._k("subject", key), thread_id, ex=KEEP_S)

    async def save_latest(self, sender_id: str, data: Dict[str, Any]) -> None:
        await self._redis.set(self._k("latest", sender_id), json.dumps(data, ensure_ascii=False), ex=KEEP_S)

    async def latest(self, sender_id: str) -> Optional[Dict[str, Any]]:
        value = await self._redis.get(self._k("latest", sender_id))
        return json.loads(self._s(value)) if value else None

    async def keep_attachment(self, message_id: str, sender_id: str, filename: str, content_type: str,
                              sha256: str, data: bytes) -> str:
        import hashlib

        attachment_id = "mail_" + hashlib.sha256(f"{message_id}\n{filename}\n{sha256}".encode()).hexdigest()[:20]
        key = self._k("attachment", attachment_id)
        await self._redis.hset(key, mapping={"message_id": message_id, "sender_id": sender_id, "filename": filename,
                                             "content_type": content_type, "sha256": sha256, "data": data})
        await self._redis.expire(key, KEEP_S)
        return attachment_id

    async def close(self) -> None:
        await self._redis.close()


def make_store(settings: "Settings") -> MailStore:
    if settings.redis_url:
        return RedisStore(settings.redis_url, settings.redis_prefix)
    return SQLiteStore(settings.store_path)

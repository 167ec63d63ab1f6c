"""Small keyed state of a channel with expiry, shaped like wechatpy's `session/` storages.

`Store` is the protocol (wechatpy's get/set/delete with a TTL, plus the once-only `set_nx`
and append-only lists); `MemoryStore` keeps it in this process (the embedded default),
`RedisStore` in Redis (REDIS_URL: several Rasa servers agree), `SQLiteStore` in a file that
survives a restart without Redis. `make_store()` picks one. Keys are plain strings; a channel
builds them with `key()` under its prefix (`hotline:wechat:seen:…`), as wechatpy's
`RedisStorage.key_name` does.

`SQLiteFile` is the SQLite access every file-backed store shares (WAL, a busy timeout, each
call on a worker thread so the event loop never blocks): `SQLiteStore` here, the email
channel's mail state (channels/email/store.py) with its own tables.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple, TypeVar, runtime_checkable

T = TypeVar("T")

MEMORY_MAX_KEYS = 100_000  # the embedded store drops expired keys when it grows past this


def key(prefix: str, *parts: str) -> str:
    """`prefix:part:part…`, the key layout of every channel store."""
    return ":".join((prefix, *parts))


@runtime_checkable
class Store(Protocol):
    async def get(self, key: str) -> Optional[str]:
        """The value, or None when missing or expired."""

    async def set(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        """Stores `value`, expiring after `ttl` seconds (never without one)."""

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        """Stores `value` only if the key is free: True the first time (exactly-once claims)."""

    async def delete(self, key: str) -> None: ...

    async def push(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        """Appends to the list at `key`; the whole list expires `ttl` seconds after the last push."""

    async def items(self, key: str) -> List[str]:
        """The list at `key`, oldest first ([] when missing)."""

    async def pop_all(self, key: str) -> List[str]:
        """Takes the whole list at once: two callers never both get an item."""

    async def close(self) -> None: ...


class MemoryStore:
    """In this process: one Rasa server, nothing shared, nothing kept across a restart."""

    def __init__(self) -> None:
        self._values: Dict[str, Tuple[float, Any]] = {}

    def _alive(self, key: str) -> Optional[Any]:
        entry = self._values.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires and expires < time.monotonic():
            del self._values[key]
            return None
        return value

    @staticmethod
    def _expiry(ttl: Optional[int]) -> float:
        return time.monotonic() + ttl if ttl else 0.0

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        if len(self._values) > MEMORY_MAX_KEYS:  # keep the embedded store bounded
            for k in list(self._values)[:10_000]:
                self._alive(k)
        if self._alive(key) is not None:
            return False
        self._values[key] = (self._expiry(ttl), value)
        return True

    async def get(self, key: str) -> Optional[str]:
        value: Optional[str] = self._alive(key)
        return value

    async def set(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        self._values[key] = (self._expiry(ttl), value)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def push(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        items = list(self._alive(key) or [])
        items.append(value)
        self._values[key] = (self._expiry(ttl), items)

    async def items(self, key: str) -> List[str]:
        return list(self._alive(key) or [])

    async def pop_all(self, key: str) -> List[str]:
        items = list(self._alive(key) or [])
        self._values.pop(key, None)
        return items

    async def close(self) -> None:
        pass


def redis_client(url: str, *, decode_responses: bool = True) -> Any:
    """An asyncio Redis client (redis-py's `redis.asyncio`, imported only when Redis is used)."""
    import redis.asyncio as aioredis

    return aioredis.from_url(url, decode_responses=decode_responses)


def sync_redis_client(url: str, *, decode_responses: bool = True) -> Any:
    """A blocking Redis client, for code that runs in an executor (wechatpy's token refresh)."""
    import redis

    return redis.Redis.from_url(url, decode_responses=decode_responses)


class RedisStore:
    """In Redis: every Rasa server on the same REDIS_URL sees the same state."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        return bool(await self._redis.set(key, value, nx=True, ex=ttl))

    async def get(self, key: str) -> Optional[str]:
        value: Optional[str] = await self._redis.get(key)
        return value

    async def set(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        await self._redis.set(key, value, ex=ttl)

    async def delete(self, key: str) -> None:
        await self._redis.delete(key)

    async def push(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, value)
            if ttl:
                pipe.expire(key, ttl)
            await pipe.execute()

    async def items(self, key: str) -> List[str]:
        return list(await self._redis.lrange(key, 0, -1))

    async def pop_all(self, key: str) -> List[str]:
        """Takes the whole list at once (MULTI/EXEC: two workers never both get an item)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            items, _ = await pipe.execute()
        return list(items)

    async def close(self) -> None:
        await self._redis.close()


class SQLiteFile:
    """One SQLite file: a connection per call (WAL, 30 s busy timeout, autocommit; a call
    that needs a transaction begins one), run on a worker thread."""

    def __init__(self, path: str, schema: str = "") -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if schema:
            with self.connect() as conn:
                conn.executescript(schema)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        conn = self.connect()
        try:
            return fn(conn, *args)
        finally:
            conn.close()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self.call, fn, *args)


_KV_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS lists (key TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lists_key ON lists(key, seq);
"""


class SQLiteStore:
    """In a SQLite file: one machine, state kept across restarts without Redis. Expiry is wall
    time (`time.time()`); a list's expiry is kept in `kv` under the list's key + `\\0list`."""

    def __init__(self, path: str) -> None:
        self._db = SQLiteFile(path, _KV_SCHEMA)

    @staticmethod
    def _expiry(ttl: Optional[int]) -> float:
        return time.time() + ttl if ttl else 0.0

    @staticmethod
    def _live(conn: sqlite3.Connection, key: str, now: float) -> Optional[str]:
        row = conn.execute("SELECT value, expires FROM kv WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        value, expires = row
        if expires and expires < now:
            conn.execute("DELETE FROM kv WHERE key=?", (key,))
            return None
        return str(value)

    async def get(self, key: str) -> Optional[str]:
        return await self._db.run(self._live, key, time.time())

    async def set(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO kv(key, value, expires) VALUES (?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value, expires=excluded.expires",
                (key, value, self._expiry(ttl)),
            )

        await self._db.run(run)

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            conn.execute("BEGIN IMMEDIATE")
            try:
                taken = self._live(conn, key, time.time()) is not None
                if not taken:
                    conn.execute(
                        "INSERT OR REPLACE INTO kv(key, value, expires) VALUES (?,?,?)",
                        (key, value, self._expiry(ttl)),
                    )
                conn.execute("COMMIT")
                return not taken
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        return await self._db.run(run)

    async def delete(self, key: str) -> None:
        await self._db.run(lambda conn: conn.execute("DELETE FROM kv WHERE key=?", (key,)))

    @staticmethod
    def _list_alive(conn: sqlite3.Connection, key: str, now: float) -> bool:
        row = conn.execute("SELECT expires FROM kv WHERE key=?", (key + "\0list",)).fetchone()
        if row is not None and row[0] and row[0] < now:
            conn.execute("DELETE FROM kv WHERE key=?", (key + "\0list",))
            conn.execute("DELETE FROM lists WHERE key=?", (key,))
            return False
        return True

    async def push(self, key: str, value: str, ttl: Optional[int] = None) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._list_alive(conn, key, time.time())
                conn.execute("INSERT INTO lists(key, value) VALUES (?,?)", (key, value))
                conn.execute(
                    "INSERT INTO kv(key, value, expires) VALUES (?, '', ?) "
                    "ON CONFLICT(key) DO UPDATE SET expires=excluded.expires",
                    (key + "\0list", self._expiry(ttl)),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        await self._db.run(run)

    @classmethod
    def _items(cls, conn: sqlite3.Connection, key: str) -> List[str]:
        if not cls._list_alive(conn, key, time.time()):
            return []
        return [str(row[0]) for row in conn.execute("SELECT value FROM lists WHERE key=? ORDER BY seq", (key,))]

    async def items(self, key: str) -> List[str]:
        return await self._db.run(self._items, key)

    async def pop_all(self, key: str) -> List[str]:
        def run(conn: sqlite3.Connection) -> List[str]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                items = self._items(conn, key)
                conn.execute("DELETE FROM lists WHERE key=?", (key,))
                conn.execute("DELETE FROM kv WHERE key=?", (key + "\0list",))
                conn.execute("COMMIT")
                return items
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        return await self._db.run(run)

    async def close(self) -> None:
        pass


def make_store(redis_url: str = "", sqlite_path: str = "") -> Store:
    """Redis when `redis_url` is set, else the SQLite file `sqlite_path` if given, else this process."""
    if redis_url:
        return RedisStore(redis_url)
    if sqlite_path:
        return SQLiteStore(sqlite_path)
    return MemoryStore()

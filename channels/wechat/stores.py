"""Small shared state of the channel: used nonces (replay protection), exactly-once keys, the last options per sender,
image evidence and undelivered messages.

With REDIS_URL set everything lives in Redis, so several channel workers (Rasa
servers) agree; otherwise in this process (the embedded default)."""
from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from channels.wechat.masking import mask

logger = logging.getLogger(__name__)


def undelivered_ttl_s() -> int:
    """The undelivered list expires this long after its newest message (RETENTION_WECHAT_UNDELIVERED_DAYS,
    default 14; `python -m gateway.retention prune` also drops the older messages in it)."""
    try:
        days = float(os.environ.get("RETENTION_WECHAT_UNDELIVERED_DAYS", "").strip() or 14)
    except ValueError:
        days = 14.0
    return max(int(days * 86400), 86400)


class MemoryBackend:
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

    def _expiry(self, ttl: Optional[int]) -> float:
        return time.monotonic() + ttl if ttl else 0.0

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        if len(self._values) > 100_000:  # keep the embedded store bounded
            for k in list(self._values)[:10_000]:
                self._alive(k)
        if self._alive(key) is not None:
            return False
        self._values[key] = (self._expiry(ttl), value)
        return True

    async def get(self, key: str) -> Optional[str]:
        return self._alive(key)

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


class RedisBackend:
    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True)

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        return bool(await self._redis.set(key, value, nx=True, ex=ttl))

    async def get(self, key: str) -> Optional[str]:
        return await self._redis.get(key)

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
        return await self._redis.lrange(key, 0, -1)

    async def pop_all(self, key: str) -> List[str]:
        """Takes the whole list at once (MULTI/EXEC: two workers never both get an item)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            items, _ = await pipe.execute()
        return list(items)

    async def close(self) -> None:
        await self._redis.close()


def make_backend(redis_url: str):
    return RedisBackend(redis_url) if redis_url else MemoryBackend()


class NonceCache:
    """Each (timestamp, nonce) pair of an accepted request once: a request replayed within the
    timestamp window is refused (409). With REDIS_URL a Redis `SET NX` with a TTL, shared by
    every Rasa server; otherwise the in-process TTL cache."""

    def __init__(self, backend, prefix: str, window_s: int) -> None:
        self.backend = backend
        self.prefix = prefix
        # a pair is acceptable from timestamp - window to timestamp + window of our clock
        self.ttl_s = 2 * window_s + 60

    async def claim(self, timestamp: int, nonce: str) -> bool:
        """True the first time, False for a replay."""
        return await self.backend.set_nx(f"{self.prefix}:nonce:{timestamp}:{nonce}", "1", self.ttl_s)


class Stores:
    def __init__(self, backend, prefix: str, dedupe_ttl_s: int = 600, options_ttl_s: int = 172800,
                 evidence_ttl_s: int = 2592000) -> None:
        self.backend = backend
        self.prefix = prefix
        self.dedupe_ttl_s = dedupe_ttl_s
        self.options_ttl_s = options_ttl_s
        self.evidence_ttl_s = evidence_ttl_s

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix,) + parts)

    # -- exactly once
    async def claim(self, message_key: str) -> bool:
        """True for the first delivery of a message, False for WeChat's retries of it."""
        return await self.backend.set_nx(self._k("seen", message_key), "1", self.dedupe_ttl_s)

    # -- the passive answer of a message, replayed to WeChat's retries (WeChat retries only
    #    when it did not get the first answer in time, so the citizen still sees it once)
    async def save_reply(self, message_key: str, text: str) -> None:
        await self.backend.set(self._k("reply", message_key), text, self.dedupe_ttl_s)

    async def reply_for(self, message_key: str) -> Optional[str]:
        return await self.backend.get(self._k("reply", message_key))

    async def mark_late(self, message_key: str) -> bool:
        """A retry came while the first delivery was still being processed: WeChat gave up on
        that request, so its answer must go out as a customer-service message."""
        return await self.backend.set_nx(self._k("late", message_key), "1", self.dedupe_ttl_s)

    async def is_late(self, message_key: str) -> bool:
        return await self.backend.get(self._k("late", message_key)) is not None

    # -- numbered options
    async def save_options(self, sender: str, options: List[Tuple[str, str]]) -> None:
        if options:
            await self.backend.set(self._k("options", sender), json.dumps(options, ensure_ascii=False), self.options_ttl_s)
        else:
            await self.backend.delete(self._k("options", sender))

    async def options(self, sender: str) -> List[Tuple[str, str]]:
        raw = await self.backend.get(self._k("options", sender))
        return [tuple(o) for o in json.loads(raw)] if raw else []

    # -- evidence (images) of a sender
    async def add_evidence(self, sender: str, item: Dict[str, str]) -> None:
        await self.backend.push(self._k("evidence", sender), json.dumps(item, ensure_ascii=False), self.evidence_ttl_s)

    async def evidence(self, sender: str) -> List[Dict[str, str]]:
        return [json.loads(i) for i in await self.backend.items(self._k("evidence", sender))]

    # -- attachments uploaded to the gateway, waiting for the sender's next message to the bot
    async def add_pending_attachment(self, sender: str, item: Dict[str, str]) -> None:
        await self.backend.push(self._k("attachments", sender), json.dumps(item, ensure_ascii=False),
                                self.evidence_ttl_s)

    async def take_pending_attachments(self, sender: str) -> List[Dict[str, str]]:
        """Each attachment goes with exactly one user message (the bot collects them per order)."""
        return [json.loads(i) for i in await self.backend.pop_all(self._k("attachments", sender))]

    # -- messages that could not be delivered, for agents
    async def record_undelivered(self, sender: str, text: str, errcode: Optional[int], errmsg: str) -> None:
        item = {"sender": sender, "text": text, "errcode": errcode, "errmsg": errmsg, "at": int(time.time())}
        logger.warning("WeChat message to %s undelivered (%s %s)", mask(sender), errcode, errmsg)
        await self.backend.push(self._k("undelivered"), json.dumps(item, ensure_ascii=False), undelivered_ttl_s())

    async def undelivered(self) -> List[Dict[str, Any]]:
        return [json.loads(i) for i in await self.backend.items(self._k("undelivered"))]

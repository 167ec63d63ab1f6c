"""Small shared state of the channel: used nonces (replay protection), exactly-once keys, the last options per sender,
image evidence and undelivered messages.

With REDIS_URL set everything lives in Redis, so several channel workers (Rasa
servers) agree; otherwise in this process (the embedded default). The backends are the
channel kit's `Store` (channels/common/store.py); this module names the keys."""
from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Dict, List, Optional, Tuple

from channels.common.store import MemoryStore, RedisStore, Store, key, make_store
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


# the backends are the channel kit's (channels/common/store.py); the old names stay for callers
# outside the channels (tests/gateway/retention runs this module in the service venv)
MemoryBackend = MemoryStore
RedisBackend = RedisStore


def make_backend(redis_url: str) -> Store:
    """Redis when REDIS_URL is set, else this process (no SQLite file: state of a request's minutes)."""
    return make_store(redis_url)


class NonceCache:
    """Each (timestamp, nonce) pair of an accepted request once: a request replayed within the
    timestamp window is refused (409). With REDIS_URL a Redis `SET NX` with a TTL, shared by
    every Rasa server; otherwise the in-process TTL cache."""

    def __init__(self, backend: Store, prefix: str, window_s: int) -> None:
        self.backend = backend
        self.prefix = prefix
        # a pair is acceptable from timestamp - window to timestamp + window of our clock
        self.ttl_s = 2 * window_s + 60

    async def claim(self, timestamp: int, nonce: str) -> bool:
        """True the first time, False for a replay."""
        return await self.backend.set_nx(key(self.prefix, "nonce", str(timestamp), nonce), "1", self.ttl_s)


class Stores:
    def __init__(self, backend: Store, prefix: str, dedupe_ttl_s: int = 600, options_ttl_s: int = 172800,
                 evidence_ttl_s: int = 2592000) -> None:
        self.backend = backend
        self.prefix = prefix
        self.dedupe_ttl_s = dedupe_ttl_s
        self.options_ttl_s = options_ttl_s
        self.evidence_ttl_s = evidence_ttl_s

    def _k(self, *parts: str) -> str:
        return key(self.prefix, *parts)

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

"""The access token, shared by all channel workers.

In Redis (REDIS_URL set) the token is cached under one key and refreshed under a
Redis lock, so two workers never refresh at once (a refresh invalidates the other
worker's token at WeChat). Without Redis: in this process, under a thread lock.
These calls block; the channel runs them in an executor together with wechatpy."""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional, Protocol, Tuple

from channels.common.store import sync_redis_client

# (access_token, expires_in seconds)
Fetch = Callable[[], Tuple[str, int]]
REFRESH_MARGIN_S = 300


class TokenStore(Protocol):
    fetches: int

    def get(self, fetch: Fetch) -> str:
        """The cached token, or a fresh one from `fetch` (one refresh at a time)."""

    def invalidate(self, token: str) -> None:
        """Drops `token` if it is still the cached one (WeChat said it is no longer valid)."""


class MemoryTokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._expires = 0.0
        self.fetches = 0

    def get(self, fetch: Fetch) -> str:
        if self._token and self._expires > time.monotonic():
            return self._token
        with self._lock:
            if self._token and self._expires > time.monotonic():
                return self._token
            token, expires_in = fetch()
            self.fetches += 1
            self._token, self._expires = token, time.monotonic() + max(expires_in - REFRESH_MARGIN_S, 30)
            return token

    def invalidate(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None


class RedisTokenStore:
    def __init__(self, redis_url: str, key: str, lock_timeout_s: float = 15.0) -> None:
        self._redis = sync_redis_client(redis_url)
        self._key = key
        self._lock_timeout_s = lock_timeout_s
        self.fetches = 0

    def get(self, fetch: Fetch) -> str:
        token = self._redis.get(self._key)
        if token:
            return token
        with self._redis.lock(self._key + ":lock", timeout=self._lock_timeout_s,
                              blocking_timeout=self._lock_timeout_s):
            token = self._redis.get(self._key)  # another worker may have refreshed meanwhile
            if token:
                return token
            token, expires_in = fetch()
            self.fetches += 1
            self._redis.set(self._key, token, ex=max(expires_in - REFRESH_MARGIN_S, 30))
            return token

    def invalidate(self, token: str) -> None:
        # only drop the token we found bad, not a fresh one another worker just stored
        with self._redis.pipeline() as pipe:
            try:
                pipe.watch(self._key)
                if pipe.get(self._key) == token:
                    pipe.multi()
                    pipe.delete(self._key)
                    pipe.execute()
            except Exception:  # WatchError: someone changed it, fine
                pass


def make_token_store(redis_url: str, key: str) -> TokenStore:
    return RedisTokenStore(redis_url, key) if redis_url else MemoryTokenStore()

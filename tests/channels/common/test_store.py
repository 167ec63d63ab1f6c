"""The channel kit's Store: every backend behaves alike (channels/common/store.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis

from channels.common.store import MemoryStore, RedisStore, SQLiteStore, Store, key, make_store

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Store, str]]:
    prefix = f"test:kit:{uuid.uuid4().hex[:8]}"
    if request.param == "memory":
        backend: Store = MemoryStore()
    elif request.param == "sqlite":
        backend = SQLiteStore(str(tmp_path / "state" / "kit.sqlite3"))
    else:
        backend = RedisStore(REDIS_URL)
    try:
        yield backend, prefix
    finally:
        await backend.close()
        if request.param == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            keys = client.keys(prefix + "*")
            if keys:
                client.delete(*keys)
            client.close()


def test_keys_are_joined_under_the_prefix() -> None:
    assert key("hotline:wechat", "seen", "msg:1") == "hotline:wechat:seen:msg:1"
    assert key("p") == "p"


def test_every_backend_is_a_store(tmp_path: Path) -> None:
    for backend in (MemoryStore(), SQLiteStore(str(tmp_path / "a.db")), RedisStore(REDIS_URL)):
        assert isinstance(backend, Store)


def test_make_store_picks_redis_then_sqlite_then_memory(tmp_path: Path) -> None:
    assert isinstance(make_store(REDIS_URL, str(tmp_path / "x.db")), RedisStore)
    assert isinstance(make_store("", str(tmp_path / "x.db")), SQLiteStore)
    assert isinstance(make_store(), MemoryStore)


async def test_values(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "reply", "msg:1")
    assert await backend.get(k) is None
    await backend.set(k, "您好", ttl=60)
    assert await backend.get(k) == "您好"
    await backend.set(k, "再见")
    assert await backend.get(k) == "再见"
    await backend.delete(k)
    assert await backend.get(k) is None
    await backend.delete(k)  # deleting a missing key is fine


async def test_set_nx_claims_once(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "seen", "msg:1")
    assert await backend.set_nx(k, "1", 60)
    assert not await backend.set_nx(k, "2", 60)
    assert await backend.get(k) == "1"


async def test_concurrent_claims_have_one_winner(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "nonce", "1700000000", "abc")
    results = await asyncio.gather(*(backend.set_nx(k, str(i), 60) for i in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_values_expire(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "late", "msg:1")
    assert await backend.set_nx(k, "1", 1)
    await asyncio.sleep(2.1)
    assert await backend.get(k) is None
    assert await backend.set_nx(k, "1", 1)  # an expired claim can be made again


async def test_lists(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "evidence", "openid")
    assert await backend.items(k) == []
    for item in ("a", "b", "c"):
        await backend.push(k, item, ttl=60)
    assert await backend.items(k) == ["a", "b", "c"]
    assert await backend.pop_all(k) == ["a", "b", "c"]
    assert await backend.items(k) == []
    assert await backend.pop_all(k) == []


async def test_lists_expire_after_their_last_push(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "undelivered")
    await backend.push(k, "a", ttl=1)
    await asyncio.sleep(2.1)
    assert await backend.items(k) == []
    await backend.push(k, "b", ttl=60)
    assert await backend.items(k) == ["b"]


async def test_pop_all_hands_each_item_out_once(store: tuple[Store, str]) -> None:
    backend, prefix = store
    k = key(prefix, "attachments", "openid")
    for i in range(5):
        await backend.push(k, str(i), ttl=60)
    taken = await asyncio.gather(*(backend.pop_all(k) for _ in range(4)))
    assert sorted(item for batch in taken for item in batch) == ["0", "1", "2", "3", "4"]


async def test_sqlite_state_survives_a_new_store(tmp_path: Path) -> None:
    path = str(tmp_path / "kit.sqlite3")
    first = SQLiteStore(path)
    await first.set("k", "v", ttl=600)
    await first.push("l", "x")
    second = SQLiteStore(path)
    assert await second.get("k") == "v" and await second.items("l") == ["x"]

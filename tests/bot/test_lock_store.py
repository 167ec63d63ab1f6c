"""The conversation lock across Rasa servers, on the real Redis (127.0.0.1:6379).

Two "servers" are two threads, each with its own event loop and its own lock store connected
to the same Redis, handling messages of one conversation the way Rasa's agent does
(`async with lock_store.lock(sender_id)`). Rasa 3.6's RedisLockStore lets both hold the lock at
once and loses tickets (RasaHQ/rasa#9213); bot.lock_store.ConcurrentRedisLockStore serves one
message at a time, in the order the tickets were issued, and loses none.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Callable, Dict, List

import pytest

redis = pytest.importorskip("redis")
pytest.importorskip("rasa")

from rasa.core.lock_store import LockError, RedisLockStore  # noqa: E402

from bot.lock_store import ConcurrentRedisLockStore  # noqa: E402

REDIS = dict(host="127.0.0.1", port=6379, db=0)


def _redis_or_skip() -> None:
    try:
        redis.StrictRedis(**REDIS, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")


def _race(make_store: Callable[[], object], conversation: str, per_server: int = 40) -> Dict[str, object]:
    """Both servers take the lock `per_server` times for one conversation, as fast as they can."""
    state = {"inside": 0, "max_inside": 0, "served": 0, "lock_errors": 0}
    guard = threading.Lock()
    start = threading.Barrier(2, timeout=60)

    async def handle(store) -> None:
        try:
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.002):
                with guard:
                    state["inside"] += 1
                    state["max_inside"] = max(state["max_inside"], state["inside"])
                await asyncio.sleep(0.003)  # the turn: NLU, policies, actions
                with guard:
                    state["inside"] -= 1
                    state["served"] += 1
        except LockError:
            with guard:
                state["lock_errors"] += 1

    def server() -> None:
        store = make_store()
        start.wait()

        async def run() -> None:
            await asyncio.gather(*(handle(store) for _ in range(per_server)))

        asyncio.run(run())

    threads = [threading.Thread(target=server, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), state
    return state


def test_rasa_redis_lock_store_is_not_safe_across_servers():
    """Why the product does not use Rasa's own store: two servers issue a ticket for one
    conversation at the same moment (the steps of LockStore.issue_ticket, interleaved)."""
    _redis_or_skip()
    prefix = f"t{uuid.uuid4().hex[:8]}"
    server_a, server_b = (RedisLockStore(**REDIS, key_prefix=prefix) for _ in range(2))
    conversation = f"c{uuid.uuid4().hex}"
    lock_a = server_a.get_or_create_lock(conversation)  # both read the queue ...
    lock_b = server_b.get_or_create_lock(conversation)
    ticket_a, ticket_b = lock_a.issue_ticket(30), lock_b.issue_ticket(30)
    server_a.save_lock(lock_a)  # ... and both write it back
    server_b.save_lock(lock_b)
    stored = server_a.get_lock(conversation)
    assert ticket_a == ticket_b  # the same ticket twice:
    assert not stored.is_locked(ticket_a) and not stored.is_locked(ticket_b)  # both servers hold the lock
    assert len(stored.tickets) == 1  # and one of the two tickets is gone
    server_a.delete_lock(conversation)


def test_concurrent_lock_store_serves_one_message_at_a_time_and_loses_none():
    _redis_or_skip()
    prefix = f"t{uuid.uuid4().hex[:8]}"
    conversation = f"c{uuid.uuid4().hex}"
    state = _race(lambda: ConcurrentRedisLockStore(**REDIS, key_prefix=prefix), conversation)
    assert state == {"inside": 0, "max_inside": 1, "served": 80, "lock_errors": 0}
    store = ConcurrentRedisLockStore(**REDIS, key_prefix=prefix)
    assert store.get_lock(conversation) is None  # the queue is gone once nobody waits


def test_tickets_are_served_in_the_order_they_were_issued():
    _redis_or_skip()
    store = ConcurrentRedisLockStore(**REDIS, key_prefix=f"t{uuid.uuid4().hex[:8]}")
    other_server = ConcurrentRedisLockStore(**REDIS, key_prefix=store.key_prefix.split(":")[0])
    conversation = f"c{uuid.uuid4().hex}"
    first = store.issue_ticket(conversation, 30)
    second = other_server.issue_ticket(conversation, 30)
    third = store.issue_ticket(conversation, 30)
    assert first < second < third
    lock = other_server.get_lock(conversation)
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup(conversation, first)
    lock = store.get_lock(conversation)
    assert not lock.is_locked(second) and lock.is_locked(third)
    other_server.cleanup(conversation, second)
    store.cleanup(conversation, third)
    assert store.get_lock(conversation) is None


def test_an_expired_ticket_no_longer_blocks_the_queue():
    """A server killed while it held the lock: the next message waits at most the lifetime."""
    _redis_or_skip()
    store = ConcurrentRedisLockStore(**REDIS, key_prefix=f"t{uuid.uuid4().hex[:8]}")
    conversation = f"c{uuid.uuid4().hex}"
    dead = store.issue_ticket(conversation, 0.2)  # never cleaned up: its server died
    waiting = store.issue_ticket(conversation, 30)
    assert store.get_lock(conversation).is_locked(waiting)
    time.sleep(0.3)
    store.update_lock(conversation)
    lock = store.get_lock(conversation)
    assert [t.number for t in lock.tickets] == [waiting] and not lock.is_locked(waiting)
    assert dead < waiting
    store.cleanup(conversation, waiting)


def test_a_message_waiting_behind_a_dead_server_outlives_its_lock():
    """Issued right behind a ticket whose server died: its lifetime counts from when that ticket
    runs out, so it is served then instead of expiring with it (Rasa's LockError, an empty answer)."""
    _redis_or_skip()
    store = ConcurrentRedisLockStore(**REDIS, key_prefix=f"t{uuid.uuid4().hex[:8]}")
    conversation = f"c{uuid.uuid4().hex}"
    dead = store.issue_ticket(conversation, 0.3)  # its server died holding the lock
    waiting = store.issue_ticket(conversation, 0.3)  # the same lifetime, issued at once
    time.sleep(0.45)  # past the dead ticket's expiry, and past the waiting one's under Rasa's rule
    store.update_lock(conversation)
    lock = store.get_lock(conversation)
    assert lock is not None and [t.number for t in lock.tickets] == [waiting] and not lock.is_locked(waiting)
    assert dead < waiting
    store.cleanup(conversation, waiting)
    assert store.get_lock(conversation) is None


def test_built_from_the_endpoint_config_rasa_passes():
    _redis_or_skip()
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    prefix = f"t{uuid.uuid4().hex[:8]}"
    config = EndpointConfig(url="127.0.0.1", type="bot.lock_store.ConcurrentRedisLockStore",
                            port=6379, db=0, key_prefix=prefix)
    store = LockStore.create(config)
    assert isinstance(store, ConcurrentRedisLockStore)
    assert store.key_prefix == f"{prefix}:lock:"
    numbers: List[int] = [store.issue_ticket("x", 5) for _ in range(3)]
    assert numbers == [1, 2, 3]
    for number in numbers:
        store.cleanup("x", number)

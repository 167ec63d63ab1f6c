"""The state store, SQLite and Redis: claims with leases, answers kept, threads."""
from __future__ import annotations

import uuid

import pytest

from channels.email import store as st


@pytest.fixture(params=["sqlite", "redis"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        s = st.SQLiteStore(str(tmp_path / "state.db"))
    else:
        s = st.RedisStore("redis://127.0.0.1:6379/0", f"test-email-{uuid.uuid4().hex[:8]}")
        try:
            await s._redis.ping()
        except Exception:
            pytest.skip("Redis on 127.0.0.1:6379 is not running")
    yield s
    if request.param == "redis":
        keys = [k async for k in s._redis.scan_iter(match=f"{s.prefix}:*")]
        if keys:
            await s._redis.delete(*keys)
    await s.close()


async def test_claim_is_exclusive_until_the_lease_ends(store):
    assert (await store.claim("<m1>", lease_s=300))[0] == st.NEW
    assert (await store.claim("<m1>", lease_s=300))[0] == st.BUSY
    assert (await store.claim("<m1>", lease_s=-1))[0] == st.NEW  # lease over: the handler died


async def test_answered_reply_is_kept_then_done(store):
    await store.claim("<m2>", lease_s=300)
    await store.set_status("<m2>", st.ANSWERED, reply="RAW", thread_id="t1")
    # while the reply is being sent, a second delivery must not send it too
    assert (await store.claim("<m2>", lease_s=300))[0] == st.BUSY
    await store.unlock("<m2>")  # sending failed: the next delivery sends the kept reply
    outcome, record = await store.claim("<m2>", lease_s=300)
    assert outcome == st.ANSWERED and record["reply"] == "RAW"
    assert (await store.claim("<m2>", lease_s=300))[0] == st.BUSY
    await store.set_status("<m2>", st.DONE)
    assert (await store.claim("<m2>", lease_s=300))[0] == st.DONE
    assert await store.status("<m2>") == st.DONE


async def test_release_gives_the_mail_back(store):
    await store.claim("<m3>", lease_s=300)
    await store.release("<m3>")
    assert await store.status("<m3>") is None
    assert (await store.claim("<m3>", lease_s=300))[0] == st.NEW


async def test_ignored(store):
    await store.set_status("<m4>", st.IGNORED, note="Precedence: bulk")
    assert (await store.claim("<m4>", lease_s=300))[0] == st.IGNORED


async def test_threads_and_latest(store):
    await store.link("<a>", "t1")
    await store.link("<a>", "t2")  # first link wins
    assert await store.thread_for(["<x>", "<a>"]) == "t1"
    assert await store.thread_for(["<x>"]) is None
    await store.set_subject("k", "t1")
    assert await store.thread_for_subject("k") == "t1"
    await store.save_latest("email-t1", {"message_id": "<a>", "subject": "投诉"})
    assert (await store.latest("email-t1"))["subject"] == "投诉"
    assert await store.latest("email-none") is None


async def test_kept_attachment_is_idempotent(store):
    first = await store.keep_attachment("<m5>", "email-t1", "照片.png", "image/png", "ab" * 32, b"png")
    again = await store.keep_attachment("<m5>", "email-t1", "照片.png", "image/png", "ab" * 32, b"png")
    assert first == again

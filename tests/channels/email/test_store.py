"""The state store, SQLite and Redis: claims with leases, answers kept, threads."""
from __future__ import annotations

import asyncio
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


async def test_only_our_message_ids_open_a_thread(store):
    await store.link("<citizen@citizen.test>", "t1")  # the citizen's own mail: others may know its id
    await store.link_ours("<ours@hotline.test>", "t1")
    assert await store.thread_for_ours(["<citizen@citizen.test>"]) is None
    assert await store.thread_for_ours(["<x>", "<ours@hotline.test>"]) == "t1"
    assert await store.thread_for(["<ours@hotline.test>"]) == "t1"


async def test_failures_are_counted_per_mail(store):
    assert await store.failures("sha256-a") == 0
    assert [await store.record_failure("sha256-a", "UnparseableMail: too deep") for _ in range(3)] == [1, 2, 3]
    assert await store.failures("sha256-a") == 3 and await store.failures("sha256-b") == 0


def test_a_store_written_before_our_ids_were_marked_is_upgraded(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE thread_links (message_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL)")
    conn.execute("CREATE TABLE mails (message_id TEXT PRIMARY KEY, status TEXT NOT NULL, claimed_at REAL, "
                 "thread_id TEXT, reply TEXT, note TEXT, updated_at REAL NOT NULL)")
    conn.execute("INSERT INTO thread_links VALUES ('<old@hotline.test>', 't-old')")
    conn.execute("INSERT INTO thread_links VALUES ('<c1@citizen.test>', 't-old')")
    conn.execute("INSERT INTO mails VALUES ('<c1@citizen.test>', 'done', 0, 't-old', ?, NULL, 0)",
                 ("From: hotline@hotline.test\r\nMessage-ID: <old@hotline.test>\r\nSubject: Re: 投诉\r\n\r\n您好",))
    conn.commit()
    conn.close()
    store = st.SQLiteStore(str(path))
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(thread_links)")]
    assert "ours" in columns
    # the thread under way goes on through our kept reply, not through the citizen's id
    assert asyncio.run(store.thread_for_ours(["<old@hotline.test>"])) == "t-old"
    assert asyncio.run(store.thread_for_ours(["<c1@citizen.test>"])) is None

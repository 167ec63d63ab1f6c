"""Retention of the stores outside the gateway's tables, against the real thing: Rasa's event
broker table (SQLite and PostgreSQL), the KB service's gap file, the email channel's SQLite
state and its Redis keys, the WeChat undelivered list in Redis (127.0.0.1:6379), file modes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, insert, select

from gateway.console.events_store import events_table
from gateway.console.settings import ConsoleSettings
from gateway.retention.channel_stores import (
    cap_email_ttls,
    delete_email_attachments,
    mask_email_mails,
    prune_wechat_undelivered,
)
from gateway.retention.conversation_events import prune_events
from gateway.retention.file_modes import tighten_modes
from gateway.retention.kb_gaps import prune_gaps

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"
UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC)
PHONE = "15829371046"


def _event(at: dt.datetime, **fields: Any) -> str:
    return json.dumps({"timestamp": at.timestamp(), **fields}, ensure_ascii=False)


def test_conversation_events_older_than_the_period_are_deleted(db_url: str):
    url = ConsoleSettings(events_db_url=db_url).events_url
    engine = create_engine(url)
    events_table.metadata.create_all(engine, tables=[events_table])
    try:
        with engine.begin() as conn:
            conn.execute(insert(events_table), [
                {"sender_id": "wx-oOld", "data": _event(NOW - dt.timedelta(days=91), event="user",
                                                        text=f"我的电话是{PHONE}，小区停水三天了")},
                {"sender_id": "wx-oOld", "data": _event(NOW - dt.timedelta(days=91), event="slot",
                                                        name="contact_phone", value=PHONE)},
                {"sender_id": "wx-oNew", "data": _event(NOW - dt.timedelta(days=89), event="user",
                                                        text="路灯不亮了，在丹凤县龙驹寨")},
            ])
        cutoff = NOW - dt.timedelta(days=90)
        assert prune_events(engine, cutoff=cutoff, dry_run=True) == 2
        assert prune_events(engine, cutoff=cutoff, dry_run=False) == 2
        with engine.connect() as conn:
            assert list(conn.scalars(select(events_table.c.sender_id))) == ["wx-oNew"]
        assert prune_events(engine, cutoff=cutoff, dry_run=False) == 0
    finally:
        events_table.drop(engine, checkfirst=True)
        engine.dispose()


def test_kb_gaps_older_than_the_period_are_deleted(tmp_path: Path):
    # the KB service's own store writes the file
    from kb_index.service import GapStore

    store = GapStore(tmp_path / "kb_gaps.sqlite3")
    store.add(f"我叫王建军，电话{PHONE}，我家低保怎么还没批下来", "wechat", "b1", [])
    store.add("商州区办居住证要带什么材料", "webchat", "b1", [])
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE gaps SET asked_at = ? WHERE id = 1",
                   ((NOW - dt.timedelta(days=91)).isoformat(timespec="seconds"),))
    cutoff = NOW - dt.timedelta(days=90)
    assert prune_gaps(store.path, cutoff=cutoff, dry_run=True) == 1
    assert prune_gaps(store.path, cutoff=cutoff, dry_run=False) == 1
    assert [g["question"] for g in store.list(None, 10)] == ["商州区办居住证要带什么材料"]
    assert prune_gaps(tmp_path / "absent.sqlite3", cutoff=cutoff, dry_run=False) is None


# -- email channel state --------------------------------------------------------------------

def _email_store(path: Path):
    """The channel's own SQLiteStore (channels/email/store.py is plain Python: no Rasa import)."""
    from channels.email.store import SQLiteStore

    return SQLiteStore(str(path))


def test_email_state_masked_after_its_period_and_blobs_deleted(tmp_path: Path):
    path = tmp_path / "email_state.sqlite3"
    store = _email_store(path)

    async def fill() -> None:
        await store.set_status("<old@citizen.example>", "done", reply=f"王女士您好，您留的电话{PHONE}……",
                               thread_id="t-old")
        await store.link("<old@citizen.example>", "t-old")
        await store.set_subject("wang@citizen.example|小区停水", "t-old")
        await store.save_latest("email-t-old", {"reply_to": "wang@citizen.example"})
        await store.keep_attachment("<old@citizen.example>", "email-t-old", "停水照片.jpg", "image/jpeg", "ab" * 32,
                                    b"\xff\xd8\xff" + b"0" * 100)
        await store.set_status("<new@citizen.example>", "done", reply="李先生您好……", thread_id="t-new")
        await store.link("<new@citizen.example>", "t-new")
        await store.save_latest("email-t-new", {"reply_to": "li@citizen.example"})

    asyncio.run(fill())
    old = (NOW - dt.timedelta(days=91)).timestamp()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE mails SET updated_at = ? WHERE message_id = '<old@citizen.example>'", (old,))
        db.execute("UPDATE latest SET updated_at = ? WHERE sender_id = 'email-t-old'", (old,))
        db.execute("UPDATE attachments SET created_at = ?", ((NOW - dt.timedelta(days=31)).timestamp(),))

    cutoff = NOW - dt.timedelta(days=90)
    assert mask_email_mails(path, cutoff=cutoff, dry_run=True) == 1
    assert mask_email_mails(path, cutoff=cutoff, dry_run=False) == 1
    assert delete_email_attachments(path, cutoff=NOW - dt.timedelta(days=30), dry_run=False) == 1

    async def read() -> dict[str, Any]:
        return {"old_status": await store.status("<old@citizen.example>"),
                "old_thread": await store.thread_for(["<old@citizen.example>"]),
                "old_subject": await store.thread_for_subject("wang@citizen.example|小区停水"),
                "old_latest": await store.latest("email-t-old"),
                "new_thread": await store.thread_for(["<new@citizen.example>"]),
                "new_latest": await store.latest("email-t-new")}

    state = asyncio.run(read())
    # the status stays, so the mail is never answered twice; the rest of it is gone
    assert state == {"old_status": "done", "old_thread": None, "old_subject": None, "old_latest": None,
                     "new_thread": "t-new", "new_latest": {"reply_to": "li@citizen.example"}}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT reply FROM mails WHERE message_id = '<old@citizen.example>'").fetchone() == (None,)
        assert db.execute("SELECT reply FROM mails WHERE message_id = '<new@citizen.example>'").fetchone()[0]
        assert db.execute("SELECT count(*) FROM attachments").fetchone() == (0,)


@pytest.fixture
def redis_prefix() -> str:
    prefix = f"test-retention-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_email_redis_keys_get_the_period_as_their_longest_ttl(redis_prefix: str):
    from channels.email.store import RedisStore

    async def fill() -> None:
        store = RedisStore(REDIS_URL, f"{redis_prefix}:email")
        await store.set_status("<m1@citizen.example>", "done", reply=f"您好，您的电话{PHONE}已登记", thread_id="t1")
        await store.save_latest("email-t1", {"reply_to": "zhao@citizen.example"})
        await store.keep_attachment("<m1@citizen.example>", "email-t1", "a.jpg", "image/jpeg", "cd" * 32, b"x" * 10)
        await store.close()

    asyncio.run(fill())
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = sorted(k.decode() for k in client.scan_iter(match=f"{redis_prefix}:email:*"))
        assert len(keys) == 3 and all(client.ttl(k) > 90 * 86400 for k in keys)  # the store's own 180 days
        prefix = f"{redis_prefix}:email"
        assert cap_email_ttls(REDIS_URL, prefix, days=90, attachment_days=30, dry_run=True) == 3
        assert all(client.ttl(k) > 90 * 86400 for k in keys)
        assert cap_email_ttls(REDIS_URL, prefix, days=90, attachment_days=30, dry_run=False) == 3
        ttls = {k.split(":")[2]: client.ttl(k) for k in keys}
        assert 0 < ttls["attachment"] <= 30 * 86400
        assert 0 < ttls["mail"] <= 90 * 86400 and 0 < ttls["latest"] <= 90 * 86400
        assert cap_email_ttls(REDIS_URL, prefix, days=90, attachment_days=30, dry_run=False) == 0
    finally:
        client.close()


def test_wechat_undelivered_messages_leave_the_list_at_their_age(redis_prefix: str):
    key = f"{redis_prefix}:wechat:undelivered"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for days, text in ((15, f"您的工单已受理，回访电话{PHONE}"), (13, "您反映的路灯问题已转丹凤县住建局")):
            client.rpush(key, json.dumps({"sender": "oQ3k9aUXw", "text": text, "errcode": 45015,
                                          "errmsg": "response out of time limit",
                                          "at": int((NOW - dt.timedelta(days=days)).timestamp())}, ensure_ascii=False))
        assert client.ttl(key) == -1  # as the channel wrote it before it had a TTL
        cutoff = NOW - dt.timedelta(days=14)
        prefix = f"{redis_prefix}:wechat"
        assert prune_wechat_undelivered(REDIS_URL, prefix, cutoff=cutoff, days=14, dry_run=True) == 1
        assert client.llen(key) == 2
        assert prune_wechat_undelivered(REDIS_URL, prefix, cutoff=cutoff, days=14, dry_run=False) == 1
        left = [json.loads(raw)["text"] for raw in client.lrange(key, 0, -1)]
        assert left == ["您反映的路灯问题已转丹凤县住建局"]
        # the list now dies when its newest message is 14 days old (in about a day)
        assert 0 < client.ttl(key) <= 2 * 86400
    finally:
        client.close()


def test_wechat_channel_gives_the_undelivered_list_a_ttl(redis_prefix: str):
    """channels/wechat/stores.py itself (run in the Rasa venv, where the channel lives)."""
    code = (
        "import asyncio\n"
        "from channels.wechat.stores import RedisBackend, Stores\n"
        "async def main():\n"
        f"    stores = Stores(RedisBackend({REDIS_URL!r}), {redis_prefix + ':wechat'!r})\n"
        "    await stores.record_undelivered('oQ3k9aUXw', '您的工单已受理', 45015, 'out of time')\n"
        "    await stores.backend.close()\n"
        "asyncio.run(main())\n"
    )
    python = ROOT / ".venv" / "rasa" / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RETENTION_WECHAT_UNDELIVERED_DAYS": "14"}
    subprocess.run([str(python), "-c", code], check=True, env=env, cwd=ROOT, timeout=120)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert 13 * 86400 < client.ttl(f"{redis_prefix}:wechat:undelivered") <= 14 * 86400
    finally:
        client.close()


# -- file modes ------------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_and_env_are_tightened_to_the_owner(tmp_path: Path):
    var = tmp_path / "var"
    (var / "attachments" / "ab").mkdir(parents=True)
    (var / "gateway.db").write_bytes(b"")
    (var / "attachments" / "ab" / "ab12").write_bytes(b"photo")
    env = tmp_path / ".env"
    env.write_text("GATEWAY_API_TOKEN=x\n")
    for path in (var, var / "attachments", var / "attachments" / "ab"):
        path.chmod(0o755)
    for path in (var / "gateway.db", var / "attachments" / "ab" / "ab12", env):
        path.chmod(0o644)
    assert tighten_modes(var, env, dry_run=True) == 6
    assert _mode(env) == 0o644
    assert tighten_modes(var, env, dry_run=False) == 6
    assert {_mode(p) for p in (var, var / "attachments", var / "attachments" / "ab")} == {0o700}
    assert {_mode(p) for p in (var / "gateway.db", var / "attachments" / "ab" / "ab12", env)} == {0o600}
    assert tighten_modes(var, env, dry_run=False) == 0


def test_ensure_env_creates_env_and_var_for_the_owner_only(tmp_path: Path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "ensure_env.sh", tmp_path / "scripts" / "ensure_env.sh")
    subprocess.run(["bash", "-c", "umask 022 && scripts/ensure_env.sh"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    assert _mode(tmp_path / ".env") == 0o600
    assert _mode(tmp_path / "var") == 0o700
    assert "GATEWAY_API_TOKEN=" in (tmp_path / ".env").read_text()


def test_prune_command_prints_each_kind_and_what_it_pruned(tmp_path: Path):
    """`python -m gateway.retention prune --dry-run` on empty stores: one line per kind, nothing created."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}",
           "EVENTS_DB_URL": f"sqlite:///{tmp_path / 'events.db'}", "KB_GAPS_DB": str(tmp_path / "gaps.sqlite3"),
           "EMAIL_STORE_PATH": str(tmp_path / "email.sqlite3"), "RETENTION_VAR_DIR": str(tmp_path / "var"),
           "RETENTION_ENV_FILE": str(tmp_path / ".env"), "REDIS_URL": ""}
    done = subprocess.run([sys.executable, "-m", "gateway.retention", "prune", "--dry-run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("retention dry run at ")
    assert "would prune" in lines[1]
    for kind in ("gateway database", "conversation events", "knowledge gaps", "email state", "email attachment blobs",
                 "WeChat undelivered messages", "file modes of var/ and .env"):
        assert any(line.startswith(kind) for line in lines), (kind, done.stdout)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # a dry run creates no database


def test_loop_prunes_at_start_and_stops_on_sigterm(tmp_path: Path):
    """The Procfile's `retention:` process: one prune at start, then it waits for the next day."""
    import signal

    (tmp_path / "var").mkdir(mode=0o755)
    (tmp_path / "var").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}",
           "EVENTS_DB_URL": "off", "KB_GAPS_DB": str(tmp_path / "gaps.sqlite3"),
           "EMAIL_STORE_PATH": str(tmp_path / "email.sqlite3"), "RETENTION_VAR_DIR": str(tmp_path / "var"),
           "RETENTION_ENV_FILE": str(tmp_path / ".env"), "REDIS_URL": "", "RETENTION_INTERVAL_HOURS": "24"}
    process = subprocess.Popen([sys.executable, "-m", "gateway.retention", "loop"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        import queue
        import threading

        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
        first = lines.get(timeout=120)
        assert first.startswith("retention prune at "), first
        while not (line := lines.get(timeout=60)).startswith("file modes of var/ and .env"):
            pass
        assert " 1 " in line, line
        assert _mode(tmp_path / "var") == 0o700
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_policy_reads_its_periods_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    from pydantic import ValidationError

    from gateway.retention.policy import RetentionPolicy

    default = RetentionPolicy()
    assert (default.closed_order_days, default.conversation_days, default.wechat_undelivered_days,
            default.outbox_sent_days) == (365, 90, 14, 30)
    monkeypatch.setenv("RETENTION_CLOSED_ORDER_DAYS", "1095")
    monkeypatch.setenv("RETENTION_KB_GAP_DAYS", "180")
    policy = RetentionPolicy()
    assert (policy.closed_order_days, policy.kb_gap_days) == (1095, 180)
    monkeypatch.setenv("RETENTION_CONVERSATION_DAYS", "0")
    with pytest.raises(ValidationError):
        RetentionPolicy()

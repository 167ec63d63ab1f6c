"""The prune command on stores filled through the product's own code (gateway API, the KB
service's gap store, the email channel's store), run as `make run` runs it, a year and more
later (--as-of): every kind is pruned, and the table it prints is the one in docs/security.md.

    RETENTION_REPORT_OUT=/tmp/retention-{backend}.txt pytest tests/gateway/retention/test_prune_report.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import secrets

import pytest
import redis
from sqlalchemy import create_engine, insert, update
from sqlalchemy import text as sql

from gateway.console.events_store import events_table
from gateway.console.models import Handoff
from gateway.core.config import Settings
from gateway.models import Order, OutboxMessage

ROOT = Path(__file__).resolve().parents[3]
UTC = dt.timezone.utc
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"attachments_dir": tmp_path / "var" / "attachments"})


def _counts(stdout: str) -> dict[str, int]:
    counts = {}
    for line in stdout.splitlines()[2:]:
        kind = line.split("  ")[0]
        numbers = [part for part in line.split("  ") if part.strip().isdigit()]
        counts[kind] = int(numbers[-1]) if numbers else 0
    return counts


def test_prune_a_year_after_a_test_run(app, client, order_payload, db_url, backend, tmp_path: Path):
    now = dt.datetime.now(UTC)
    var = tmp_path / "var"
    # orders, as the bot submits them
    numbers = []
    for sender, name, phone, text in (
        ("wx-oQ3k9aUXw", "刘秀兰", "13991456723", "我家楼下的下水道堵了一个星期，臭得没法住人，物业不管。"),
        ("web-5d1e", "赵建国", "13809143322", "村口的路灯坏了半个月，晚上走路看不见，老人摔了一跤。"),
        ("email-t7", "孙丽", "15829371046", "小区门口占道经营的摊位太多了，车都过不去，早上堵得厉害。"),
    ):
        response = client.post("/api/v1/orders", headers={"Idempotency-Key": f"{sender}:form-1"},
                               json=order_payload(sender_id=sender, contact_name=name, contact_phone=phone,
                                                  description=text, conversation_id=sender))
        assert response.status_code == 201, response.text
        numbers.append(response.json()["order_no"])
    upload = client.post("/api/v1/attachments", data={"sender_id": "wx-oQ3k9aUXw", "channel": "wechat"},
                         files={"file": ("下水道.png", b"\x89PNG\r\n\x1a\n" + b"\x02" * 64, "image/png")})
    assert upload.status_code == 201, upload.text
    assert client.post(f"/api/v1/orders/{numbers[2]}/withdraw",
                       json={"sender_id": "email-t7", "reason": "已经解决了"}).status_code == 200
    with app.state.database.sessionmaker() as session:
        # the suite's TRUNCATE leaves the console tables alone: start from empty ones
        session.execute(sql("DELETE FROM console_audit"))
        session.execute(sql("DELETE FROM handoffs"))
        session.execute(update(Order).where(Order.order_no == numbers[0])
                        .values(status="completed", completed_at=now, updated_at=now))
        session.execute(update(OutboxMessage).values(sent_at=now))
        session.add(Handoff(sender_id="web-5d1e", channel="webchat", reason="human", status="closed",
                            summary={"contact_phone": "13809143322"}, last_text="转人工", requested_at=now,
                            updated_at=now))
        session.commit()
    # what Rasa's SQL event broker writes
    events_url = f"sqlite:///{var / 'events.db'}"
    engine = create_engine(events_url)
    events_table.metadata.create_all(engine, tables=[events_table])
    with engine.begin() as conn:
        conn.execute(insert(events_table), [
            {"sender_id": sender, "data": json.dumps({"event": "user", "timestamp": now.timestamp(), "text": text},
                                                     ensure_ascii=False)}
            for sender, text in (("wx-oQ3k9aUXw", "我家楼下的下水道堵了"), ("wx-oQ3k9aUXw", "13991456723"),
                                 ("web-5d1e", "路灯坏了"))])
    engine.dispose()
    # a knowledge gap, by the KB service's store
    from kb_index.service import GapStore

    GapStore(var / "kb_gaps.sqlite3").add("我叫王建军，我家低保怎么还没批下来", "wechat", "b1", [])
    # the email channel's state, by its store: SQLite with the SQLite gateway, Redis with PostgreSQL
    # (the production set-up), where the WeChat channel's undelivered list lives too
    from channels.email.store import RedisStore, SQLiteStore

    on_redis = backend == "postgresql"
    prefix = f"test-retention-{secrets.token_hex(4)}"
    store = RedisStore(REDIS_URL, f"{prefix}:email") if on_redis else SQLiteStore(str(var / "email_state.sqlite3"))

    async def mail() -> None:
        await store.set_status("<a1@citizen.example>", "done", reply="孙女士您好……", thread_id="t7")
        await store.link("<a1@citizen.example>", "t7")
        await store.save_latest("email-t7", {"reply_to": "sun@citizen.example"})
        await store.keep_attachment("<a1@citizen.example>", "email-t7", "照片.jpg", "image/jpeg", "ef" * 32, b"jpg")
        await store.close()

    asyncio.run(mail())
    client_redis = redis.Redis.from_url(REDIS_URL)
    if on_redis:
        client_redis.rpush(f"{prefix}:wechat:undelivered", json.dumps(
            {"sender": "oQ3k9aUXw", "text": "您的工单已受理", "errcode": 45015, "errmsg": "out of time",
             "at": int(now.timestamp())}, ensure_ascii=False))
    env_file = tmp_path / ".env"
    env_file.write_text("GATEWAY_API_TOKEN=x\n")
    env_file.chmod(0o644)
    var.chmod(0o755)

    env = {**os.environ, "PYTHONPATH": str(ROOT), "GATEWAY_DATABASE_URL": db_url, "EVENTS_DB_URL": events_url,
           "GATEWAY_ATTACHMENTS_DIR": str(var / "attachments"), "KB_GAPS_DB": str(var / "kb_gaps.sqlite3"),
           "EMAIL_STORE_PATH": str(var / "email_state.sqlite3"), "RETENTION_VAR_DIR": str(var),
           "RETENTION_ENV_FILE": str(env_file), "REDIS_URL": REDIS_URL if on_redis else "",
           "REDIS_KEY_PREFIX": prefix}

    def prune(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "gateway.retention", "prune", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # a day later nothing is due, except the file modes and (Redis) the email keys' TTLs,
    # which are capped at the period at once
    soon = _counts(prune("--dry-run", "--as-of", (now + dt.timedelta(days=1)).isoformat()))
    due_at_once = {"file modes of var/ and .env", "email state (replies, threads, reply addresses, blobs)"}
    assert {k for k, v in soon.items() if v} - due_at_once == set(), soon

    out = prune("--as-of", (now + dt.timedelta(days=400)).isoformat())
    if os.environ.get("RETENTION_REPORT_OUT"):
        Path(os.environ["RETENTION_REPORT_OUT"].format(backend=backend)).write_text(out, encoding="utf-8")
    counts = _counts(out)
    assert counts["closed orders: personal fields, history, attachments"] == 2
    assert counts["sent outbox payloads"] == 3
    assert counts["idempotency keys"] == 3
    assert counts["closed console hand-offs (summary, last text)"] == 1
    assert counts["unlinked uploads"] == 1
    assert counts["attachment files no row refers to"] == 1
    assert counts["conversation events (texts, slots)"] == 3
    assert counts["knowledge gaps (raw questions)"] == 1
    if on_redis:
        assert counts["email state (replies, threads, reply addresses, blobs)"] == 4
        assert counts["WeChat undelivered messages"] == 1
        assert client_redis.llen(f"{prefix}:wechat:undelivered") == 0
        assert all(0 < client_redis.ttl(k) <= 90 * 86400 for k in client_redis.scan_iter(match=f"{prefix}:email:*"))
    else:
        assert counts["email state (replies, threads, reply addresses)"] == 1
        assert counts["email attachment blobs"] == 1
    assert counts["file modes of var/ and .env"] >= 2
    assert oct(env_file.stat().st_mode & 0o777) == "0o600" and oct(var.stat().st_mode & 0o777) == "0o700"
    # and again: nothing left
    again = _counts(prune("--as-of", (now + dt.timedelta(days=401)).isoformat()))
    assert not any(again.values()), again
    for key in client_redis.scan_iter(match=f"{prefix}:*"):
        client_redis.delete(key)
    client_redis.close()

"""Retention in the gateway's database, on SQLite and PostgreSQL: each store is pruned or
masked at its age and kept before it (the clock is the ``now`` given to the prune)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from gateway.console.models import ConsoleAudit, Handoff
from gateway.console.settings import ConsoleSettings
from gateway.core.config import Settings
from gateway.models import IdempotencyKey, Order, OrderEvent, OutboxMessage, StoredAttachment
from gateway.retention.policy import RetentionPolicy
from gateway.retention.prune import run
from gateway.services.reports import build_report
from gateway.services.routing import RoutingTableStore

UTC = dt.timezone.utc
CST = dt.timezone(dt.timedelta(hours=8))
PHONE = "13991456723"
NAME = "刘秀兰"
ADDRESS = "商州区北新街街道江滨社区3号楼2单元501"
DESCRIPTION = f"我家楼下的下水道堵了一个星期，臭得没法住人，物业不管。我是{NAME}，电话{PHONE}，住{ADDRESS}。"


def _policy(tmp_path: Path, **days: int) -> RetentionPolicy:
    return RetentionPolicy(var_dir=tmp_path / "var", env_file=tmp_path / ".env", kb_gaps_db=tmp_path / "none.db",
                           email_store_path=tmp_path / "none.sqlite3", redis_url="", **days)


def _console(tmp_path: Path) -> ConsoleSettings:
    return ConsoleSettings(events_db_url=f"sqlite:///{tmp_path / 'no-events.db'}")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _by_kind(results) -> dict[str, Any]:
    return {r.kind: r for r in results}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The suite's settings with the attachments in this test's folder."""
    return settings.model_copy(update={"attachments_dir": tmp_path / "attachments"})


@pytest.fixture
def retention_settings(settings: Settings) -> Settings:
    return settings


def _order(client, order_payload, **overrides) -> dict[str, Any]:
    headers = {"Idempotency-Key": overrides.pop("key", None)} if overrides.get("key") else {}
    response = client.post("/api/v1/orders", json=order_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _close(app, order_no: str, at: dt.datetime) -> None:
    with app.state.database.sessionmaker() as session:
        session.execute(update(Order).where(Order.order_no == order_no)
                        .values(status="completed", completed_at=at, updated_at=at, satisfaction="满意",
                                satisfaction_comment=f"{NAME}说处理得很及时",
                                reply={"result": f"已联系{NAME}（{PHONE}），已疏通下水道", "handler": "王师傅"}))
        session.commit()


def test_closed_order_is_masked_after_its_period_and_still_counted(
        app, client, staff_client, order_payload, retention_settings, tmp_path):
    done = _order(client, order_payload, sender_id="wx-oQ3k9a", contact_name=NAME, contact_phone=PHONE,
                  address=ADDRESS, description=DESCRIPTION, conversation_id="wx-oQ3k9a", key="form-1")
    still_open = _order(client, order_payload, sender_id="wx-oZ7m2b", contact_name="赵建国", contact_phone="13809143322",
                        description="村口的路灯坏了半个月，晚上走路看不见。")
    withdrawn = _order(client, order_payload, sender_id="web-77a1", contact_name="孙丽",
                       description="小区门口占道经营的摊位太多了，车都过不去。")
    assert client.post(f"/api/v1/orders/{withdrawn['order_no']}/withdraw",
                       json={"sender_id": "web-77a1", "reason": "孙丽说问题已经解决了"}).status_code == 200
    closed_at = dt.datetime.now(UTC)
    _close(app, done["order_no"], closed_at)
    policy = _policy(tmp_path)  # 365 days
    factory = app.state.database.sessionmaker

    def report() -> dict[str, Any]:
        with factory() as session:
            return build_report(session, start=closed_at.astimezone(CST).date(), end=closed_at.astimezone(CST).date(),
                                tz=CST, routing=RoutingTableStore().current(), now=closed_at + dt.timedelta(days=400))

    before = report()

    kept = _by_kind(run(policy, retention_settings, _console(tmp_path),
                        now=closed_at + dt.timedelta(days=364), dry_run=False))
    assert kept["closed orders: personal fields, history, attachments"].count == 0
    with factory() as session:
        assert session.scalar(select(Order.contact_phone).where(Order.order_no == done["order_no"])) == PHONE

    dry = _by_kind(run(policy, retention_settings, _console(tmp_path),
                       now=closed_at + dt.timedelta(days=366), dry_run=True))
    assert dry["closed orders: personal fields, history, attachments"].count == 2  # completed + withdrawn
    with factory() as session:
        assert session.scalar(select(Order.contact_phone).where(Order.order_no == done["order_no"])) == PHONE

    pruned = _by_kind(run(policy, retention_settings, _console(tmp_path),
                          now=closed_at + dt.timedelta(days=366), dry_run=False))
    assert pruned["closed orders: personal fields, history, attachments"].count == 2
    assert pruned["closed orders: personal fields, history, attachments"].action == "masked"

    with factory() as session:
        order = session.scalars(select(Order).where(Order.order_no == done["order_no"])).one()
        assert (order.contact_name, order.contact_phone, order.address, order.sender_id, order.conversation_id,
                order.source_conversation, order.satisfaction_comment) == (None, None, None, "", None, None, None)
        assert NAME not in order.description and PHONE not in order.description and ADDRESS not in order.description
        assert order.description.startswith("我家楼下的下水道堵了一个星期")
        assert (order.status, order.type, order.district, order.satisfaction) == ("completed", "投诉", "商州区", "满意")
        assert PHONE not in json.dumps(order.reply, ensure_ascii=False) and "已疏通下水道" in order.reply["result"]
        history = session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
        dumped = json.dumps([_json(e.payload) for e in history], ensure_ascii=False)
        assert PHONE not in dumped and NAME not in dumped and ADDRESS not in dumped and "wx-oQ3k9a" not in dumped
        assert all(e.actor != "citizen:wx-oQ3k9a" for e in history)
        gone = session.scalars(select(Order).where(Order.order_no == withdrawn["order_no"])).one()
        assert gone.withdraw_reason is not None and "孙丽" not in gone.withdraw_reason and gone.contact_name is None
        open_order = session.scalars(select(Order).where(Order.order_no == still_open["order_no"])).one()
        assert (open_order.contact_name, open_order.contact_phone) == ("赵建国", "13809143322")

    # the append-only guard is back: history still refuses updates and deletes
    with factory() as session:
        with pytest.raises(Exception):
            session.execute(text("UPDATE order_events SET actor = 'x'"))
            session.commit()
        session.rollback()
        with pytest.raises(Exception):
            session.execute(text("DELETE FROM order_events"))
            session.commit()
        session.rollback()

    # the reports count exactly what they counted before, and the masked order still reads
    assert report() == before
    shown = staff_client.get(f"/api/v1/orders/{done['order_no']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "completed" and PHONE not in shown.text and NAME not in shown.text
    # a second prune finds nothing left to mask
    again = _by_kind(run(policy, retention_settings, _console(tmp_path),
                         now=closed_at + dt.timedelta(days=367), dry_run=False))
    assert again["closed orders: personal fields, history, attachments"].count == 0


def test_masked_order_loses_its_attachments(app, client, order_payload, retention_settings, tmp_path):
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    upload = client.post("/api/v1/attachments", data={"sender_id": "wx-oA1", "channel": "wechat"},
                         files={"file": (f"{NAME}家门口.png", photo, "image/png")})
    assert upload.status_code == 201, upload.text
    order = _order(client, order_payload, sender_id="wx-oA1", attachment_ids=[upload.json()["id"]])
    closed_at = dt.datetime.now(UTC)
    _close(app, order["order_no"], closed_at)
    store_files = list((tmp_path / "attachments").glob("??/*"))
    assert len(store_files) == 1
    old = (closed_at - dt.timedelta(days=10)).timestamp()
    import os
    os.utime(store_files[0], (old, old))

    results = _by_kind(run(_policy(tmp_path), retention_settings, _console(tmp_path),
                           now=closed_at + dt.timedelta(days=366), dry_run=False))
    assert results["attachment files no row refers to"].count == 1
    assert not store_files[0].exists()
    with app.state.database.sessionmaker() as session:
        assert session.scalars(select(StoredAttachment)).all() == []
        assert session.scalar(select(Order.attachments).where(Order.order_no == order["order_no"])) is None


def test_sent_outbox_payload_keeps_only_the_order_number(app, client, order_payload, retention_settings, tmp_path):
    sent = _order(client, order_payload, contact_phone=PHONE)
    unsent = _order(client, order_payload, contact_phone="13700001111")
    sent_at = dt.datetime.now(UTC)
    factory = app.state.database.sessionmaker
    with factory() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.order_no == sent["order_no"]).values(sent_at=sent_at))
        session.commit()
    policy = _policy(tmp_path)  # 30 days
    early = _by_kind(run(policy, retention_settings, _console(tmp_path), now=sent_at + dt.timedelta(days=29),
                         dry_run=False))
    assert early["sent outbox payloads"].count == 0
    late = _by_kind(run(policy, retention_settings, _console(tmp_path), now=sent_at + dt.timedelta(days=31),
                        dry_run=False))
    assert late["sent outbox payloads"].count == 1
    with factory() as session:
        rows = {r.order_no: _json(r.payload) for r in session.scalars(select(OutboxMessage))}
    assert rows[sent["order_no"]] == {"order_no": sent["order_no"], "pruned": True}
    assert rows[unsent["order_no"]]["contact_phone"] == "13700001111"  # not sent yet: kept whole


def test_old_idempotency_keys_and_closed_handoffs_are_deleted(app, client, order_payload, retention_settings,
                                                              tmp_path):
    order = _order(client, order_payload, key="web-9f2c:form-3")
    now = dt.datetime.now(UTC)
    factory = app.state.database.sessionmaker
    with factory() as session:
        # the suite's TRUNCATE leaves the console tables alone: start from empty ones
        session.execute(text("DELETE FROM console_audit"))
        session.execute(text("DELETE FROM handoffs"))
        for sender, status in (("wx-oH1", "closed"), ("wx-oH2", "held")):
            session.add(Handoff(sender_id=sender, channel="wechat", reason="human", status=status,
                                summary={"contact_name": NAME, "contact_phone": PHONE}, last_text="我要找人工",
                                requested_at=now, updated_at=now))
        session.add(ConsoleAudit(at=now, actor="agent:王芳", action="take_over", sender_id="wx-oH1", detail={}))
        session.commit()
    try:
        policy = _policy(tmp_path)  # keys 30 days, hand-offs 90, audit sender ids 365
        early = _by_kind(run(policy, retention_settings, _console(tmp_path), now=now + dt.timedelta(days=29),
                             dry_run=False))
        assert early["idempotency keys"].count == 0
        assert early["closed console hand-offs (summary, last text)"].count == 0
        late = _by_kind(run(policy, retention_settings, _console(tmp_path), now=now + dt.timedelta(days=91),
                            dry_run=False))
        assert late["idempotency keys"].count == 1
        assert late["closed console hand-offs (summary, last text)"].count == 1
        with factory() as session:
            assert session.scalars(select(IdempotencyKey)).all() == []
            assert [h.sender_id for h in session.scalars(select(Handoff))] == ["wx-oH2"]  # still held: kept
            assert session.scalar(select(Order.order_no).where(Order.order_no == order["order_no"]))
            assert session.scalar(select(ConsoleAudit.sender_id)) == "wx-oH1"
        year = _by_kind(run(policy, retention_settings, _console(tmp_path), now=now + dt.timedelta(days=366),
                            dry_run=False))
        assert year["console audit log: sender ids"].count == 1
        with factory() as session:
            entry = session.scalars(select(ConsoleAudit)).one()
            assert (entry.actor, entry.action, entry.sender_id) == ("agent:王芳", "take_over", None)
    finally:
        with factory() as session:
            session.execute(text("DELETE FROM console_audit"))
            session.execute(text("DELETE FROM handoffs"))
            session.commit()


def test_unlinked_uploads_are_deleted_after_their_period(app, client, retention_settings, tmp_path):
    upload = client.post("/api/v1/attachments", data={"sender_id": "wx-oB2", "channel": "wechat"},
                         files={"file": ("漏水.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 64, "image/png")})
    assert upload.status_code == 201, upload.text
    now = dt.datetime.now(UTC)
    policy = _policy(tmp_path)
    early = _by_kind(run(policy, retention_settings, _console(tmp_path), now=now + dt.timedelta(days=29),
                         dry_run=False))
    assert early["unlinked uploads"].count == 0
    late = _by_kind(run(policy, retention_settings, _console(tmp_path), now=now + dt.timedelta(days=31),
                        dry_run=False))
    assert late["unlinked uploads"].count == 1
    assert late["attachment files no row refers to"].count == 1
    assert list((tmp_path / "attachments").glob("??/*")) == []

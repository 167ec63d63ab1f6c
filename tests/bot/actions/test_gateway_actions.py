"""Actions that talk to the order gateway, against the real gateway (SQLite) on loopback."""
from __future__ import annotations

import socket
import threading
import uuid

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import settings
from bot.actions.order_status import ActionOrderStatus, ActionPrepareWithdraw, ActionWithdrawOrder
from bot.actions.order_submit import ActionSubmitOrder, idempotency_key
from tests.bot.conftest import make_tracker, slot_events, texts


def confirmed_slots(**extra):
    slots = {"order_type": "求助", "form_run_id": uuid.uuid4().hex, "description": "小区停水两天了没人管",
             "district": "商州区", "address": "北新街12号", "contact_name": "王先生", "contact_phone": "13891400000",
             "reply_required": True, "anonymous": None, "order_confirmed": True}
    slots.update(extra)
    return slots


def orders_of(gateway, sender):
    r = httpx.get(f"{gateway.url}/api/v1/orders", params={"sender_id": sender},
                  headers={"Authorization": f"Bearer {gateway.env['token']}"})
    r.raise_for_status()
    return r.json()["items"]


async def submit(domain, slots, sender):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitOrder().run(dispatcher, make_tracker(slots=slots, sender_id=sender), domain)
    return dispatcher, slot_events(events)


async def test_submit_creates_one_order_even_when_repeated(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    slots = confirmed_slots()
    dispatcher, events = await submit(domain, slots, sender)
    assert "工单编号" in texts(dispatcher) and "5个工作日" in texts(dispatcher)
    assert events["last_order_no"].startswith("SL")
    assert events["description"] is None and events["form_run_id"] is None
    # the same run delivered again (a retried webhook) gives the same order
    dispatcher2, events2 = await submit(domain, slots, sender)
    assert events2["last_order_no"] == events["last_order_no"]
    assert len(orders_of(use_gateway, sender)) == 1


async def test_consultation_order_has_two_working_days(domain, use_gateway):
    dispatcher, events = await submit(domain, confirmed_slots(order_type="咨询"), f"s-{uuid.uuid4().hex[:8]}")
    assert "2个工作日" in texts(dispatcher)


async def test_nothing_to_submit(domain, use_gateway):
    dispatcher, events = await submit(domain, {}, "nobody")
    assert "没有待提交" in texts(dispatcher)


@pytest.fixture
def dead_gateway(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GATEWAY_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("GATEWAY_BACKOFF_S", "0.01")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


@pytest.fixture
def silent_gateway(monkeypatch):
    """Accepts connections and never answers: a hung gateway."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("GATEWAY_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.setenv("GATEWAY_TIMEOUT_S", "0.3")
    monkeypatch.setenv("GATEWAY_ATTEMPTS", "2")
    monkeypatch.setenv("GATEWAY_BACKOFF_S", "0.01")
    settings.get_settings.cache_clear()
    yield
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()
    settings.get_settings.cache_clear()


@pytest.mark.parametrize("broken", ["dead_gateway", "silent_gateway"])
async def test_unreachable_gateway_keeps_everything(domain, request, broken):
    request.getfixturevalue(broken)
    slots = confirmed_slots()
    dispatcher, events = await submit(domain, slots, "s-down")
    assert events == {"order_pending": True}
    assert "没有提交成功" in texts(dispatcher) and "保留" in texts(dispatcher)


async def test_retry_after_outage_uses_the_same_key(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    slots = confirmed_slots()
    key = idempotency_key(sender, slots["form_run_id"])
    # the first attempt reached the gateway but its answer was lost
    r = httpx.post(f"{use_gateway.url}/api/v1/orders", headers={"Authorization": f"Bearer {use_gateway.env['token']}",
                   "Idempotency-Key": key}, json={
        "type": "求助", "channel": "rest", "sender_id": sender, "description": slots["description"],
        "district": "商州区", "address": slots["address"], "contact_name": "王先生", "contact_phone": "13891400000",
        "anonymous": False, "reply_required": True, "conversation_id": sender})
    assert r.status_code == 201, r.text
    dispatcher, events = await submit(domain, slots, sender)
    assert events["last_order_no"] == r.json()["order_no"]
    assert len(orders_of(use_gateway, sender)) == 1


async def test_status_withdraw_round_trip(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    _, events = await submit(domain, confirmed_slots(), sender)
    order_no = events["last_order_no"]

    dispatcher = CollectingDispatcher()
    await ActionOrderStatus().run(dispatcher, make_tracker("我的工单咋样了", "order_status", sender_id=sender), domain)
    assert order_no in texts(dispatcher) and "已受理" in texts(dispatcher)

    dispatcher = CollectingDispatcher()
    events = slot_events(await ActionPrepareWithdraw().run(
        dispatcher, make_tracker("不用办了我要撤单", "withdraw_order", sender_id=sender), domain))
    assert events == {"withdraw_order_no": order_no, "pending_offer": "withdraw"}

    dispatcher = CollectingDispatcher()
    await ActionWithdrawOrder().run(dispatcher, make_tracker("确定", "affirm", sender_id=sender, slots=events), domain)
    assert "已撤销" in texts(dispatcher)
    assert orders_of(use_gateway, sender)[0]["status"] == "withdrawn"

    dispatcher = CollectingDispatcher()
    await ActionWithdrawOrder().run(dispatcher, make_tracker("确定", "affirm", sender_id=sender, slots=events), domain)
    assert "已经撤销" in texts(dispatcher)


async def test_nobody_sees_another_citizens_order(domain, use_gateway):
    owner = f"s-{uuid.uuid4().hex[:8]}"
    _, events = await submit(domain, confirmed_slots(), owner)
    order_no = events["last_order_no"]
    entities = [{"entity": "order_no", "value": order_no}]
    dispatcher = CollectingDispatcher()
    await ActionOrderStatus().run(dispatcher, make_tracker(f"查一下{order_no}", "order_status", entities=entities,
                                                           sender_id="someone-else"), domain)
    assert "没有查到" in texts(dispatcher) and "北新街" not in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    events = slot_events(await ActionPrepareWithdraw().run(
        dispatcher, make_tracker(f"撤销{order_no}", "withdraw_order", entities=entities, sender_id="someone-else"), domain))
    assert events.get("pending_offer") is None


async def test_status_without_orders(domain, use_gateway):
    dispatcher = CollectingDispatcher()
    await ActionOrderStatus().run(dispatcher, make_tracker("查工单", "order_status", sender_id="fresh-person"), domain)
    assert "没有查到" in texts(dispatcher)
    dispatcher = CollectingDispatcher()
    text = "你好，我上周三提的工单，编号是20261125-0137，想问一下现在办到哪一步了"
    await ActionOrderStatus().run(dispatcher, make_tracker(text, "order_status", sender_id="fresh-person"), domain)
    assert "编号为20261125-0137的工单" in texts(dispatcher) and "SL" in texts(dispatcher)


async def test_a_repeat_of_an_open_matter_is_linked_not_duplicated(domain, use_gateway):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    _, first = await submit(domain, confirmed_slots(), sender)
    # the same matter again in a new form run: the gateway links it to the open order
    dispatcher, second = await submit(domain, confirmed_slots(), sender)
    assert second["last_order_no"] == first["last_order_no"]
    assert "已有工单在办理中" in texts(dispatcher)
    assert len(orders_of(use_gateway, sender)) == 1

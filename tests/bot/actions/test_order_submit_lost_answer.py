"""Exactly-once when the answer is lost (issue 12.7): the real gateway commits the order,
the connection drops before its answer reaches the action server (a relay on loopback
that closes after forwarding), the citizen then changes a detail and confirms again.
The gateway answers 409 for the same form's key with the stored order, and the citizen
hears its number as a normal success — not "failed" for ever while the order exists."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.order_submit import ActionSubmitOrder
from tests.bot.conftest import slot_events, texts
from tests.support.lost_answer_proxy import LostAnswerProxy


def form_slots(run_id: str, **extra: Any) -> Dict[str, Any]:
    base = {"order_type": "投诉", "form_run_id": run_id, "description": "我们小区门口的路灯坏了一个多星期了，晚上黑乎乎的",
            "district": "商州区", "address": "北新街12号", "contact_name": "王建国", "contact_phone": "13891400000",
            "reply_required": True, "anonymous": None, "order_confirmed": True}
    base.update(extra)
    return base


def tracker(sender: str, slots: Dict[str, Any]) -> Tracker:
    latest = {"event": "user", "text": "确认", "parse_data": {"intent": {"name": "affirm"}}}
    events: List[Dict[str, Any]] = [{"event": "slot", "name": "form_run_id", "value": slots["form_run_id"]}, latest]
    return Tracker(sender, slots, latest["parse_data"], events, False, None, {}, "action_listen")


def orders_of(gateway, sender: str) -> List[Dict[str, Any]]:
    response = httpx.get(f"{gateway.url}/api/v1/orders", params={"sender_id": sender},
                         headers={"Authorization": f"Bearer {gateway.env['token']}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def relay(gateway, monkeypatch):
    from bot.actions import settings

    proxy = LostAnswerProxy.start(gateway.url)
    monkeypatch.setenv("GATEWAY_URL", proxy.url)
    monkeypatch.setenv("GATEWAY_API_TOKEN", gateway.env["token"])
    monkeypatch.setenv("GATEWAY_BACKOFF_S", "0.05")
    settings.get_settings.cache_clear()
    yield proxy
    settings.get_settings.cache_clear()
    proxy.stop()


async def test_lost_answer_then_changed_confirmation_tells_the_stored_number(domain, gateway, relay):
    sender = f"oWx-{uuid.uuid4().hex[:10]}"
    relay.drop_answers = True
    dispatcher = CollectingDispatcher()
    first = await ActionSubmitOrder().run(dispatcher, tracker(sender, form_slots("run-lost")), domain)
    # every attempt reached the gateway and was committed once; no answer came back
    assert relay.answers_lost >= 2
    assert "没有提交成功" in texts(dispatcher)
    assert slot_events(first)["order_pending"] is True
    [stored] = orders_of(gateway, sender)
    assert stored["address"] == "北新街12号"

    # the citizen corrects the house number and confirms again; now answers get through
    relay.drop_answers = False
    dispatcher = CollectingDispatcher()
    second = await ActionSubmitOrder().run(
        dispatcher, tracker(sender, form_slots("run-lost", address="北新街14号")), domain)
    said = texts(dispatcher)
    assert f"已为您提交工单，工单编号：{stored['order_no']}" in said, said
    assert "没有提交成功" not in said
    assert slot_events(second)["last_order_no"] == stored["order_no"]
    assert [o["order_no"] for o in orders_of(gateway, sender)] == [stored["order_no"]]


async def test_lost_answer_then_same_confirmation_is_a_plain_replay(domain, gateway, relay):
    sender = f"oWx-{uuid.uuid4().hex[:10]}"
    relay.drop_answers = True
    await ActionSubmitOrder().run(CollectingDispatcher(), tracker(sender, form_slots("run-same")), domain)
    relay.drop_answers = False
    dispatcher = CollectingDispatcher()
    await ActionSubmitOrder().run(dispatcher, tracker(sender, form_slots("run-same")), domain)
    [stored] = orders_of(gateway, sender)
    assert f"工单编号：{stored['order_no']}" in texts(dispatcher)

"""Escalation to a person (issue 7): the handoff action against the real gateway on loopback."""
from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import settings
from bot.actions.handoff import (
    ActionHandleFallback,
    ActionHumanHandoff,
    dissatisfaction_count,
    fallbacks_in_a_row,
)
from bot.actions.order_start import ActionCancelOrderForm
from tests.bot.conftest import make_tracker, texts
from tests.support import processes


def start(tmp_path_factory, hours: str):
    token = secrets.token_hex(16)
    db = tmp_path_factory.mktemp("gateway-handoff") / "orders.db"
    proc = processes.start_gateway(f"sqlite:///{db}", token, extra_env={"CONSOLE_STAFFED_HOURS": hours})
    proc.env.update(token=token, db=str(db))
    return proc


@pytest.fixture(scope="module")
def staffed_gateway(tmp_path_factory):
    proc = start(tmp_path_factory, "00:00-24:00")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def unstaffed_gateway(tmp_path_factory):
    proc = start(tmp_path_factory, "00:00-00:00")
    yield proc
    proc.stop()


def point_at(monkeypatch, url: str, token: str) -> None:
    monkeypatch.setenv("GATEWAY_URL", url)
    monkeypatch.setenv("GATEWAY_API_TOKEN", token)
    monkeypatch.setenv("GATEWAY_BACKOFF_S", "0.05")
    monkeypatch.setenv("GATEWAY_TIMEOUT_S", "2")
    settings.get_settings.cache_clear()


@pytest.fixture
def staffed(staffed_gateway, monkeypatch):
    point_at(monkeypatch, staffed_gateway.url, staffed_gateway.env["token"])
    yield staffed_gateway
    settings.get_settings.cache_clear()


@pytest.fixture
def unstaffed(unstaffed_gateway, monkeypatch):
    point_at(monkeypatch, unstaffed_gateway.url, unstaffed_gateway.env["token"])
    yield unstaffed_gateway
    settings.get_settings.cache_clear()


def handoff_row(gateway, sender: str):
    with sqlite3.connect(gateway.env["db"]) as conn:
        return conn.execute("SELECT status, reason, channel, last_text, summary FROM handoffs WHERE sender_id = ?",
                            (sender,)).fetchone()


def conversation(*turns: tuple, slots: Dict[str, Any] = None, active_loop: str = None, sender: str = None) -> Tracker:
    """A tracker whose user turns are (text, intent), each followed by a bot action."""
    events: List[Dict[str, Any]] = [{"event": "session_started"}]
    parse = {}
    for text, intent in turns:
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.2}, "entities": []}
        events.append({"event": "user", "text": text, "parse_data": parse, "input_channel": "webchat"})
        events.append({"event": "action", "name": "action_listen"})
    events.pop()
    return Tracker(sender or f"h-{uuid.uuid4().hex[:8]}", dict(slots or {}), parse, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


async def test_citizen_asks_and_a_person_takes_over_soon(staffed, domain):
    dispatcher = CollectingDispatcher()
    tracker = conversation(("我们小区停水两天了", "request_help"), ("我要找人工", "human_handoff"),
                           slots={"description": "我们小区停水两天了", "district": "商州区"})
    await ActionHumanHandoff().run(dispatcher, tracker, domain)
    assert texts(dispatcher).startswith("好的，正在为您转接人工客服")
    status, reason, channel, last_text, summary = handoff_row(staffed, tracker.sender_id)
    assert (status, reason, channel, last_text) == ("waiting", "citizen_asked", "webchat", "我要找人工")
    assert json.loads(summary)["district"] == "商州区"


async def test_outside_staffed_hours_the_citizen_is_told_what_happens_instead(unstaffed, domain):
    dispatcher = CollectingDispatcher()
    await ActionHumanHandoff().run(dispatcher, make_tracker("转人工", "human_handoff"), domain)
    said = texts(dispatcher)
    assert "不是人工在线服务时间（每天 00:00–00:00）" in said and "登记成工单" in said and "12345" in said
    dispatcher = CollectingDispatcher()
    await ActionHumanHandoff().run(dispatcher, make_tracker("转人工", "human_handoff", active_loop="order_form"), domain)
    assert "接着把工单登记完" in texts(dispatcher)


async def test_gateway_unreachable_gives_the_hotline_number(monkeypatch, domain):
    point_at(monkeypatch, f"http://127.0.0.1:{processes.free_port()}", "x")
    dispatcher = CollectingDispatcher()
    events = await ActionHumanHandoff().run(dispatcher, make_tracker("转人工", "human_handoff"), domain)
    assert "暂时连接不上" in texts(dispatcher) and "12345" in texts(dispatcher)
    assert events == [{"event": "slot", "timestamp": None, "name": "pending_offer", "value": None}]
    settings.get_settings.cache_clear()


async def test_one_fallback_asks_to_rephrase_two_in_a_row_hand_off(staffed, domain):
    once = conversation(("你好", "greet"), ("阿巴阿巴", "nlu_fallback"))
    assert fallbacks_in_a_row(once) == 1
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, once, domain)
    assert dispatcher.messages[-1]["response"] == "utter_please_rephrase"
    assert handoff_row(staffed, once.sender_id) is None

    twice = conversation(("阿巴阿巴", "nlu_fallback"), ("嗯那个那个", "nlu_fallback"))
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, twice, domain)
    assert texts(dispatcher).startswith("好的，正在为您转接人工客服")
    assert handoff_row(staffed, twice.sender_id)[1] == "not_understood"


async def test_second_not_solved_goes_to_a_person(staffed, domain):
    tracker = conversation(("公积金怎么提取", "consult"), ("没解决", "deny"), ("公积金贷款怎么办", "consult"),
                           ("还是没解决，答非所问", "deny"), slots={"pending_offer": "consult_order"})
    assert dissatisfaction_count(tracker) == 2
    dispatcher = CollectingDispatcher()
    events = await ActionCancelOrderForm().run(dispatcher, tracker, domain)
    assert texts(dispatcher).startswith("好的，正在为您转接人工客服")
    assert handoff_row(staffed, tracker.sender_id)[1] == "dissatisfied"
    assert not any(e.get("event") == "followup" for e in events)  # no order form this time

    first = conversation(("公积金怎么提取", "consult"), ("没解决", "deny"), slots={"pending_offer": "consult_order"})
    events = await ActionCancelOrderForm().run(CollectingDispatcher(), first, domain)
    assert any(e.get("event") == "followup" and e.get("name") == "order_form" for e in events)  # the order, as before


async def test_complaints_about_the_bot_twice_in_a_fallback(staffed, domain):
    tracker = conversation(("你这机器人太笨了", "nlu_fallback"), ("好的", "affirm"), ("你根本听不懂人话", "nlu_fallback"))
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, tracker, domain)
    assert handoff_row(staffed, tracker.sender_id)[1] == "dissatisfied"

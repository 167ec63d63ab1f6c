"""Issue 14 end to end: a unit's result, accepted by an agent, reaches the citizen on their channel
exactly once through the real gateway (notification outbox), Rasa and the channel — a WeChat
customer-service message (the fake WeChat API records it), outside the 48-hour window the result
template, the web widget (pushed to an open page, otherwise in the history when it is opened) —
and the citizen rates it there (满意 recorded; 不满意 + what is still wrong reopens the order).

The rating steps need a model trained with bot/domain/feedback.yml; with an older model they are
skipped. ``E2E_RASA_MODEL=/tmp/i14/models/i14.tar.gz`` runs this file against another model."""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest
import socketio

from channels.webchat.session import sender_for
from tests.e2e.test_takeover_wechat import WeChatCitizen
from tests.support import processes

if os.environ.get("E2E_RASA_MODEL"):
    processes.MODEL = Path(os.environ["E2E_RASA_MODEL"])

REPLY = {"kind": "reply", "handled_on": "2026-12-02", "handling_unit": "商州区城关街道办事处", "handler": "王五",
         "result": "已安排维修人员更换路灯，现已恢复照明。",
         "citizen_reply": {"replied_at": "2026-12-02T15:00:00+08:00", "content": "已电话告知群众"}}


def api(stack, token: str):
    return httpx.Client(base_url=f"{stack.gateway.url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                        timeout=10)


def completed(stack, channel: str, sender_id: str, **extra: Any) -> str:
    """An order of this citizen, dispatched to 商州区, answered by the unit and accepted by an agent."""
    with api(stack, stack.gateway_token) as bot, api(stack, stack.agent_token) as agent, \
            api(stack, stack.unit_token) as unit:
        created = bot.post("/orders", json={"type": "求助", "channel": channel, "sender_id": sender_id,
                                            "description": "北新街的路灯坏了一个星期，晚上很黑。", "district": "商州区",
                                            "contact_name": "王建军", "contact_phone": "13891400001", **extra})
        assert created.status_code == 201, created.text
        order_no = created.json()["order_no"]
        for client, body in ((agent, {"kind": "dispatch", "lead_unit": "商州区"}), (unit, {"kind": "sign"}),
                             (unit, REPLY), (agent, {"kind": "review_approve"})):
            response = client.post(f"/orders/{order_no}/events", json=body)
            assert response.status_code == 200, response.text
        # the same completion recorded again is refused: it is one event, one message
        assert agent.post(f"/orders/{order_no}/events", json={"kind": "review_approve"}).status_code == 409
    return order_no


def notifications(stack, order_no: str) -> Dict[str, Any]:
    with api(stack, stack.agent_token) as agent:
        return agent.get(f"/orders/{order_no}/notifications").json()


def wait_outcome(stack, order_no: str, timeout: float = 30) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = notifications(stack, order_no)["items"]
        if items and items[0]["outcome"]:
            return items[0]
        time.sleep(0.2)
    pytest.fail(f"no outcome for {order_no}: {notifications(stack, order_no)}")


def order(stack, order_no: str) -> Dict[str, Any]:
    with api(stack, stack.agent_token) as agent:
        return agent.get(f"/orders/{order_no}").json()


def model_rates(stack) -> bool:
    response = httpx.get(f"{stack.rasa.url}/domain", params={"token": stack.rasa_token},
                         headers={"Accept": "application/json"}, timeout=10)
    return "rate_order" in str(response.json().get("intents", []))


def test_wechat_result_once_then_rated_and_reopened(stack):
    citizen = WeChatCitizen(stack)
    citizen.say("你好")  # the conversation exists, the 48-hour window is open
    order_no = completed(stack, "wechat", citizen.openid)
    text = citizen.wait_pushed(order_no)
    assert "商州区城关街道办事处" in text and REPLY["result"] in text and "2026年12月2日" in text
    assert wait_outcome(stack, order_no)["outcome"] == "delivered"
    time.sleep(1.5)  # a worker round later: still one message
    assert sum(order_no in t for t in citizen.pushed()) == 1

    if not model_rates(stack):
        pytest.skip("the model in use has no rate_order intent (models/ needs retraining with bot/domain/feedback.yml)")
    answer = citizen.say("满意") + "".join(citizen.pushed()[-1:])
    assert "感谢您的评价" in answer, answer
    rated = order(stack, order_no)
    assert rated["satisfaction"] == "满意"

    # 不满意 + what is still wrong: reopened as 重办 to the same unit
    second = completed(stack, "wechat", citizen.openid, description="北新街另一处路灯也不亮，晚上很黑。")
    citizen.wait_pushed(second)
    asked = citizen.say("不满意")
    assert "还有哪些问题" in asked + "".join(citizen.pushed()[-1:])
    done = citizen.say("路灯修了两天又坏了")
    reopened = order(stack, second)
    assert (reopened["status"], reopened["lead_unit"], reopened["reopen_count"]) == ("dispatched", "商州区", 1)
    assert reopened["satisfaction"] == "不满意"
    assert "重办" in done + "".join(citizen.pushed()[-1:])


def test_wechat_outside_the_window_goes_as_the_result_template(stack):
    citizen = WeChatCitizen(stack)
    citizen.say("你好")
    stack.wechat_api.out_of_window.add(citizen.openid)
    try:
        order_no = completed(stack, "wechat", citizen.openid)
        item = wait_outcome(stack, order_no)
    finally:
        stack.wechat_api.out_of_window.discard(citizen.openid)
    assert item["outcome"] == "template" and "45015" in item["outcome_detail"]
    (template,) = [t for t in stack.wechat_api.templates if t["touser"] == citizen.openid]
    assert template["data"]["keyword1"]["value"] == order_no
    assert template["data"]["keyword3"]["value"] == REPLY["result"]


def test_no_message_for_an_anonymous_citizen(stack):
    citizen = WeChatCitizen(stack)
    citizen.say("你好")
    order_no = completed(stack, "wechat", citizen.openid, anonymous=True, contact_name=None)
    assert notifications(stack, order_no)["items"] == []


class Widget:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.sio = socketio.AsyncClient(reconnection=False)
        self.texts: List[str] = []
        self.sio.on("bot_uttered", lambda data: self.texts.append(data.get("text", "")))

    async def open(self, session_id: Any = None) -> str:
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.sio.on("session_confirm", lambda data: confirmed.done() or confirmed.set_result(data["session_id"]))
        await self.sio.connect(self.stack.rasa.url, headers={"Origin": self.stack.gateway_origin},
                               transports=["polling"], wait_timeout=10)
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(confirmed, 10)

    async def close(self) -> None:
        # socket.io's goodbye, then the transport without waiting for the pending long-poll
        if self.sio.connected:
            await self.sio._send_packet(self.sio.packet_class(socketio.packet.DISCONNECT))
        await self.sio.eio.disconnect(abort=True)


def test_webchat_pushed_to_an_open_page_and_shown_when_reopened(stack):
    async def run() -> None:
        widget = Widget(stack)
        session_id = await widget.open()
        sender = sender_for(processes.WEBCHAT_SENDER_SECRET, session_id)
        first = await asyncio.to_thread(completed, stack, "webchat", sender)
        deadline = time.monotonic() + 30
        while not any(first in t for t in widget.texts) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert sum(first in t for t in widget.texts) == 1
        assert (await asyncio.to_thread(wait_outcome, stack, first))["outcome"] == "pushed"
        await widget.close()

        second = await asyncio.to_thread(completed, stack, "webchat", sender,
                                         description="北新街另一处路灯也不亮，晚上很黑。")
        assert (await asyncio.to_thread(wait_outcome, stack, second))["outcome"] == "stored"
        async with httpx.AsyncClient(timeout=10) as client:
            history = (await client.get(f"{stack.rasa.url}/webhooks/webchat/history",
                                        params={"session_id": session_id})).json()["messages"]
        shown = [m for m in history if second in m.get("text", "")]
        assert len(shown) == 1 and [b["title"] for b in shown[0]["buttons"]] == ["满意", "基本满意", "不满意"]

    asyncio.run(run())

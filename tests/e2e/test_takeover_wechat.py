"""Human takeover over WeChat (issue 7): signed, encrypted messages from the WeChat-server
simulator to the stack's Rasa; the agent's messages leave as customer-service messages
through the fake WeChat API."""
from __future__ import annotations

import time
import uuid
from typing import List

import pytest

from tests.channels.wechat.wechat_peers import WeChatServer
from tests.e2e.test_takeover import AGENT, AGENT_PASSWORD, ConsoleUser, add_agent, tracker_events


class WeChatCitizen:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.openid = "o" + uuid.uuid4().hex[:27]
        self.server = WeChatServer(f"{stack.rasa.url}/webhooks/wechat/webhook")

    def say(self, text: str) -> str:
        """Sends a text message; returns the passive reply ("" when WeChat got just `success`)."""
        response = self.server.post_aes(self.server.text(self.openid, text), openid=self.openid)
        assert response.status_code == 200, response.text
        return self.server.open_reply(response)

    def pushed(self) -> List[str]:
        return self.stack.wechat_api.texts_to(self.openid)

    def wait_pushed(self, fragment: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.pushed():
                if fragment in text:
                    return text
            time.sleep(0.1)
        pytest.fail(f"no customer-service message with {fragment!r}: {self.pushed()}")


def test_takeover_over_wechat(stack):
    add_agent(stack, AGENT, AGENT_PASSWORD)
    agent = ConsoleUser(stack.gateway.url, AGENT, AGENT_PASSWORD)
    citizen = WeChatCitizen(stack)

    first = citizen.say("我要转人工") + "".join(citizen.pushed())
    assert "正在为您转接人工客服" in first
    waiting = [h for h in agent.get("queue")["waiting"] if h["sender_id"] == citizen.openid]
    assert waiting and waiting[0]["channel"] == "wechat"

    assert agent.post("takeover", sender_id=citizen.openid).status_code == 200
    pushed_before = len(citizen.pushed())
    # while held, WeChat gets `success` and no bot message is pushed
    assert citizen.say("有人吗？我家停水了") == ""
    time.sleep(1.0)
    assert len(citizen.pushed()) == pushed_before
    conv = agent.get("conversation", sender_id=citizen.openid)
    assert any(t["kind"] == "user" and "我家停水了" in t["text"] for t in conv["turns"])

    # the agent's reply arrives as a customer-service message
    assert agent.post("reply", sender_id=citizen.openid, text="您好，我是话务员王芳，请问您在哪个区县？").status_code == 200
    citizen.wait_pushed("我是话务员王芳")
    assert citizen.say("商州区北新街12号") == ""
    assert any(t["text"] == "商州区北新街12号" for t in agent.get("conversation", sender_id=citizen.openid)["turns"])

    # outside the 48-hour window WeChat refuses the message (45015): the console lists it as undelivered
    citizen.stack.wechat_api.out_of_window.add(citizen.openid)
    assert agent.post("reply", sender_id=citizen.openid, text="稍后我给您回电话。").status_code == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = [i for i in agent.get("undelivered")["items"] if i["sender_id"] == citizen.openid]
        if items:
            break
        time.sleep(0.2)
    assert items and items[0]["text"] == "稍后我给您回电话。" and "48小时" in items[0]["reason"]
    citizen.stack.wechat_api.out_of_window.discard(citizen.openid)

    # hand back: the notice is pushed, and the bot answers the next message again
    assert agent.post("handback", sender_id=citizen.openid).status_code == 200
    citizen.wait_pushed("智能助手继续为您服务")
    assert any(e["event"] == "resume" for e in tracker_events(stack, citizen.openid))
    seen = len(citizen.pushed())
    answer = citizen.say("你好")
    deadline = time.monotonic() + 30
    while not answer and len(citizen.pushed()) == seen and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answer or len(citizen.pushed()) > seen

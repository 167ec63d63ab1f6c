"""Human takeover over the REST channel, for real (issue 7): the bot escalates to the gateway,
an agent logs into the console, takes over (Rasa paused), sees what the citizen writes
meanwhile, replies, creates the order, hands back, and the bot answers again."""
from __future__ import annotations

import re
import subprocess
import time
from typing import Any, Dict, List

import httpx
import pytest

from tests.support import processes

AGENT = "王芳"
AGENT_PASSWORD = "e2e-agent-password-1"


class ConsoleUser:
    """An agent's browser without the browser: cookie jar, CSRF token from the page."""

    def __init__(self, gateway_url: str, name: str, password: str) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=30, follow_redirects=True)
        page = self.http.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.http.post("/console/login", data={"name": name, "password": password, "csrf_token": token})
        assert response.status_code == 200 and "坐席工作台" in response.text, response.text[:500]
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', response.text).group(1)

    def get(self, path: str, **params: Any) -> Dict[str, Any]:
        response = self.http.get(f"/console/api/{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, **body: Any) -> httpx.Response:
        return self.http.post(f"/console/api/{path}", json=body, headers={"X-CSRF-Token": self.csrf})


def add_agent(stack, name: str, password: str) -> None:
    result = subprocess.run(
        [str(processes.SVC_VENV / "python"), "-m", "gateway.console.users", "--database-url", stack.database_url,
         "add", name, "--role", "agent", "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, cwd=processes.ROOT, env=processes._base_env(), timeout=60)
    assert result.returncode == 0 or "已存在" in result.stderr, result.stderr


def tracker_events(stack, sender: str) -> List[Dict[str, Any]]:
    response = httpx.get(f"{stack.rasa.url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                         timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def wait_for(check, what: str, attempts: int = 50):
    for _ in range(attempts):
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"not seen: {what}")


@pytest.fixture(scope="module")
def agent(stack) -> ConsoleUser:
    add_agent(stack, AGENT, AGENT_PASSWORD)
    return ConsoleUser(stack.gateway.url, AGENT, AGENT_PASSWORD)


def test_the_first_supervisor_from_the_environment_can_log_in(stack):
    boss = ConsoleUser(stack.gateway.url, "值班长", stack.supervisor_password)
    assert boss.get("me")["role"] == "supervisor"


def test_takeover_over_rest(stack, agent, sender):
    say = stack.say(sender)
    # escalate: the citizen asks for a person
    replies = say("我要转人工")
    assert any("正在为您转接人工客服" in r for r in replies), replies
    queue = agent.get("queue")
    waiting = [h for h in queue["waiting"] if h["sender_id"] == sender]
    assert waiting and waiting[0]["reason"] == "citizen_asked" and waiting[0]["channel"] == "rest"

    # take over: Rasa is paused
    response = agent.post("takeover", sender_id=sender)
    assert response.status_code == 200, response.text
    assert any(e["event"] == "pause" for e in tracker_events(stack, sender))

    # while held the bot says nothing, and the agent sees what the citizen wrote
    assert say("我们小区停水两天了，商州区北新街12号，电话13891400000") == []
    assert say("有人吗？") == []
    def seen():
        conv = agent.get("conversation", sender_id=sender)
        return conv if any(t["text"] == "有人吗？" for t in conv["turns"]) else None

    conv = wait_for(seen, "the citizen's message in the console")
    assert conv["paused"] is True and conv["handoff"]["holder"] == AGENT

    # the agent replies: recorded in the tracker as a bot message with the agent's name
    response = agent.post("reply", sender_id=sender, text="您好，我是话务员王芳，马上为您登记。")
    assert response.status_code == 200, response.text
    bots = [e for e in tracker_events(stack, sender) if e["event"] == "bot"]
    assert bots[-1]["text"] == "您好，我是话务员王芳，马上为您登记。" and bots[-1]["metadata"]["agent"] == AGENT

    # the order from the conversation, once
    order = dict(sender_id=sender, type="求助", description="我们小区停水两天了，一直没人管", district="商州区",
                 address="北新街12号", contact_name="刘先生", contact_phone="13891400000")
    first = agent.post("order", **order)
    assert first.status_code == 201, first.text
    assert agent.post("order", **order).json()["order_no"] == first.json()["order_no"]
    orders = stack.orders_of(sender)
    assert [o["order_no"] for o in orders] == [first.json()["order_no"]]

    # hand back: Rasa resumed, the citizen told, and the bot answers again
    response = agent.post("handback", sender_id=sender)
    assert response.status_code == 200, response.text
    events = tracker_events(stack, sender)
    assert events[-2]["event"] == "resume" or any(e["event"] == "resume" for e in events)
    assert "智能助手继续为您服务" in [e for e in events if e["event"] == "bot"][-1]["text"]
    replies = say("你好")
    assert replies and all(r for r in replies), replies

    # every step is in the transcript the console shows
    kinds = [t["kind"] for t in agent.get("conversation", sender_id=sender)["turns"]]
    assert kinds.index("pause") < kinds.index("agent") < kinds.index("resume")


def test_a_second_agent_cannot_act_on_a_held_conversation(stack, agent, sender):
    add_agent(stack, "李强", AGENT_PASSWORD)
    other = ConsoleUser(stack.gateway.url, "李强", AGENT_PASSWORD)
    stack.say(sender)("转人工")
    assert agent.post("takeover", sender_id=sender).status_code == 200
    response = other.post("reply", sender_id=sender, text="你好")
    assert response.status_code == 409 and "王芳" in response.json()["detail"]
    assert other.http.post("/console/api/reply", json={"sender_id": sender, "text": "x"}).status_code == 403
    assert agent.post("transfer", sender_id=sender, to="李强").status_code == 200
    assert other.post("reply", sender_id=sender, text="您好，我是李强，接着为您处理").status_code == 200
    assert other.post("handback", sender_id=sender).status_code == 200

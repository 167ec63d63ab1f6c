"""The real product over WeChat: gateway (SQLite), action server and the Rasa server with
the WeChat channel, driven by a simulated WeChat server with signed, encrypted requests."""
from __future__ import annotations

import concurrent.futures
import os
import re
import secrets
import signal
import time
import uuid
from typing import List

import httpx
import pytest

from tests.channels.wechat.wechat_peers import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer
from tests.support import processes
from tests.support.citizen import Profile, answer, run_form

pytestmark = pytest.mark.slow


class WeChatStack:
    def __init__(self, tmp_dir) -> None:
        self.api = FakeWeChatApi()
        self.gateway_token, self.rasa_token = secrets.token_hex(16), secrets.token_hex(16)
        action_port = processes.free_port()
        action_url = f"http://127.0.0.1:{action_port}"
        wechat_env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET,
                      "WECHAT_ENCODING_AES_KEY": AES_KEY, "WECHAT_API_BASE_URL": self.api.url,
                      "WECHAT_REDIS_PREFIX": f"test:wechat-e2e:{uuid.uuid4().hex[:8]}"}
        # the channel uploads citizens' images to the gateway as attachments
        gateway_port = processes.free_port()
        wechat_env.update({"GATEWAY_URL": f"http://127.0.0.1:{gateway_port}", "GATEWAY_API_TOKEN": self.gateway_token})
        self.procs: List[processes.Proc] = []
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            # the Rasa server takes longest to start: start it alongside the gateway and action server
            rasa = pool.submit(processes.start_rasa, action_url, self.rasa_token, extra_env=wechat_env)
            try:
                self.gateway = processes.start_gateway(f"sqlite:///{tmp_dir}/gateway.db", self.gateway_token,
                                                       port=gateway_port)
                self.procs.append(self.gateway)
                self.actions = processes.start_action_server(self.gateway.url, self.gateway_token, port=action_port,
                                                             extra_env={"GATEWAY_TIMEOUT_S": "3"})
                self.procs.append(self.actions)
            finally:
                self.rasa = rasa.result()
                self.procs.append(self.rasa)
        self.wechat = WeChatServer(f"{self.rasa.url}/webhooks/wechat/webhook")

    def orders_of(self, sender: str):
        response = httpx.get(f"{self.gateway.url}/api/v1/orders", params={"sender_id": sender, "limit": 50},
                             headers={"Authorization": f"Bearer {self.gateway_token}"}, timeout=10)
        response.raise_for_status()
        return response.json()["items"]

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.api.close()


@pytest.fixture(scope="module")
def wstack(tmp_path_factory):
    s = WeChatStack(tmp_path_factory.mktemp("wechat-e2e"))
    yield s
    s.close()


@pytest.fixture
def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]  # OpenIDs are 28 characters


class Citizen:
    """One WeChat user: every message goes out encrypted; replies are the passive reply
    plus any customer-service messages that arrive."""

    def __init__(self, stack: WeChatStack, openid: str) -> None:
        self.stack, self.openid = stack, openid
        self.received: List[str] = []
        self.passive: List[str] = []  # passive replies only (customer-service ones are in the fake API)
        self.last_xml = ""
        self.last_passive = ""

    def _cs_messages(self, seen: int, wait: float) -> List[str]:
        deadline = time.monotonic() + wait
        while True:
            texts = self.stack.api.texts_to(self.openid)
            if len(texts) > seen or time.monotonic() > deadline:
                time.sleep(0.2)  # the rest of a split reply
                return self.stack.api.texts_to(self.openid)[seen:]
            time.sleep(0.05)

    def send_xml(self, xml: str) -> List[str]:
        self.last_xml = xml
        seen = len(self.stack.api.texts_to(self.openid))
        response = self.stack.wechat.post_aes(xml, openid=self.openid)
        assert response.status_code == 200, response.text
        passive = self.stack.wechat.open_reply(response)
        self.last_passive = passive
        if passive:
            self.passive.append(passive)
        replies = ([passive] if passive else []) + self._cs_messages(seen, 0.3 if passive else 30)
        self.received += replies
        return replies

    def say(self, text: str) -> List[str]:
        if text == "需要回复":
            text = "1"  # answer the numbered options with a digit, as citizens do
        return self.send_xml(self.stack.wechat.text(self.openid, text))


def test_url_check_and_rejections(wstack, openid):
    wechat = wstack.wechat
    assert wechat.verify_url("echo-4711").text == "echo-4711"
    assert wechat.verify_url(tamper=True).status_code == 403
    xml = wechat.text(openid, "我要投诉")
    assert wechat.post_aes(xml, openid=openid, tamper=True).status_code == 403
    assert wechat.post_plain(xml, tamper=True).status_code == 403
    query = dict(wechat.query(), encrypt_type="aes", msg_signature="0" * 40)
    assert httpx.post(wechat.url, params=query, content=b"<xml><Content>oops</xml>").status_code == 400
    big = wechat.text(openid, "很长的描述" * 6000)
    assert httpx.post(wechat.url, params=wechat.query(), content=big.encode()).status_code == 413
    # nothing reached the bot: no conversation exists for this sender
    assert user_texts(wstack, openid) == []


def test_replayed_stale_and_plaintext_requests_are_refused(wstack, openid):
    """From the outside, against the real Rasa server with safe mode on: one request seen on
    the wire (or in a log) cannot be used again, late, or with a message of the attacker's."""
    wechat = wstack.wechat
    query, body = wechat.signed_aes(wechat.text(openid, "我想问一下我的工单办得怎么样了"), openid=openid)
    first = wechat.post_signed(query, body)
    assert first.status_code == 200 and wechat.open_reply(first)
    # the same request again (same timestamp and nonce; a WeChat retry has its own): refused
    replay = wechat.post_signed(query, body)
    assert replay.status_code == 409, replay.text
    # a request signed 10 minutes ago (captured and held back)
    stale = wechat.post_aes(wechat.text(openid, "撤销我的工单"), openid=openid, timestamp=str(int(time.time()) - 600))
    assert stale.status_code == 403 and "stale" in stale.text
    # a plaintext request with a valid signature while the AES key is set: the signature does not
    # cover the body, so the message could be anyone's
    plain = wechat.post_plain(wechat.text(openid, "撤销我的工单"))
    assert plain.status_code == 403 and "encrypt_type=aes" in plain.text
    assert user_texts(wstack, openid) == ["我想问一下我的工单办得怎么样了"]
    # the channel's own log lines name citizens by pseudonym only
    log = wstack.rasa.log_path.read_text(errors="replace")
    assert openid not in log
    assert "我想问一下我的工单" not in log


def test_subscribe_welcome_and_emoji(wstack, openid):
    citizen = Citizen(wstack, openid)
    welcome = citizen.send_xml(wstack.wechat.xml(openid, "event", Event="subscribe"))
    assert "12345" in welcome[0] and "110" in welcome[0]
    replies = citizen.say("你好😀👍")
    assert replies and all(r.strip() for r in replies)
    # the same message delivered twice at once (a WeChat retry racing the original): processed once,
    # answered once (passively, or — when the retry came while in progress — as a customer-service message)
    seen = len(wstack.api.texts_to(openid))
    xml = wstack.wechat.text(openid, "谢谢🙏")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda _: wstack.wechat.post_aes(xml, openid=openid), range(2)))
    answers = {wstack.wechat.open_reply(r) for r in responses} - {""}
    deadline = time.monotonic() + 10
    while not answers and len(wstack.api.texts_to(openid)) == seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(answers) + len(wstack.api.texts_to(openid)[seen:]) >= 1
    assert len(answers) <= 1 and (not answers or len(wstack.api.texts_to(openid)) == seen)
    assert user_texts(wstack, openid).count("谢谢🙏") == 1


def user_texts(wstack, openid):
    tracker = httpx.get(f"{wstack.rasa.url}/conversations/{openid}/tracker",
                        params={"token": wstack.rasa_token}, timeout=10).json()
    return [e.get("text") for e in tracker.get("events", []) if e.get("event") == "user"]


def test_complaint_over_wechat_order_number_delivered_exactly_once(wstack, openid):
    citizen = Citizen(wstack, openid)
    first = "我要投诉，商州区北新街有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着😡"
    transcript = run_form(citizen.say, first, Profile())
    orders = wstack.orders_of(openid)
    assert len(orders) == 1, transcript
    order = orders[0]
    assert order["channel"] == "wechat" and order["district"] == "商州区" and order["type"] == "投诉"
    assert order["contact_phone"] == "13891400001"
    # WeChat retries the confirming message three times (as if it had missed our answer):
    # the same answer again, not a second run of the bot
    last_answer = citizen.last_passive  # "" if the answer went as a customer-service message
    for _ in range(3):
        response = wstack.wechat.post_aes(citizen.last_xml, openid=openid)
        assert response.status_code == 200 and wstack.wechat.open_reply(response) == last_answer
    assert len(wstack.orders_of(openid)) == 1
    assert user_texts(wstack, openid).count("确认") == 1
    time.sleep(0.5)  # any stray customer-service message would have arrived by now
    everything = citizen.passive + wstack.api.texts_to(openid)
    delivered = sum(len(re.findall(order["order_no"], text)) for text in everything)
    assert delivered == 1, everything
    # the reply question came as numbered options and was answered with "1"
    assert any("1. 需要回复" in t for t in transcript), transcript


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


def answer_until(citizen: "Citizen", replies: List[str], profile: Profile, stop: str, max_turns: int = 15) -> List[str]:
    """Answers the form's questions until a reply contains `stop`; returns the transcript."""
    transcript = list(replies)
    for _ in range(max_turns):
        if any(stop in r for r in replies):
            return transcript
        text = answer(replies[-1] if replies else "", profile) or answer("\n".join(replies), profile)
        assert text is not None, "\n---\n".join(transcript)
        replies = citizen.say(text)
        transcript += replies
    raise AssertionError("\n---\n".join(transcript))


def test_image_and_location_over_wechat_end_up_on_the_order(wstack, openid):
    """A photo becomes an attachment of the order; a shared location fills district and
    address only after the citizen confirms it."""
    citizen = Citizen(wstack, openid)
    wstack.api.media["photo-1"] = JPEG
    got = citizen.send_xml(wstack.wechat.xml(openid, "image", PicUrl="http://127.0.0.1/x.jpg", MediaId="photo-1"))
    assert got and "图片" in got[0]
    replies = citizen.say("我要投诉，有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着")
    transcript = answer_until(citizen, replies, Profile(), "哪个县区")
    location = wstack.wechat.xml(openid, "location", Location_X="33.8685", Location_Y="109.9398", Scale="16",
                                 Label="陕西省商洛市商州区北新街88号")
    asked = "\n".join(citizen.send_xml(location))
    assert "您发送的位置是商州区北新街88号（商州区），是否作为问题发生地点？" in asked, asked
    assert "1. 是" in asked and "2. 否" in asked
    replies = citizen.say("1")
    assert any("记为问题发生地点" in r for r in replies), replies
    assert not any("哪个县区" in r or "具体地址" in r for r in replies), replies
    transcript += answer_until(citizen, replies, Profile(), "请核对")
    summary = next(r for r in reversed(transcript) if "请核对" in r)
    assert "【附件】1张图片" in summary and "【区县】商州区" in summary, summary
    done = citizen.say("确认")
    assert any("工单编号" in r and "1张图片已作为附件一并提交" in r for r in done), done
    (order,) = wstack.orders_of(openid)
    assert order["district"] == "商州区" and order["address"] == "商州区北新街88号"
    assert [(a["content_type"], a["size"]) for a in order["attachment_files"]] == [("image/jpeg", len(JPEG))]


def test_slow_bot_answers_success_then_a_customer_service_message(wstack, openid):
    """The bot waits on a stalled gateway longer than the 4-second budget: WeChat gets
    "success" at once and the bot's answer arrives as a customer-service message."""
    citizen = Citizen(wstack, openid)
    replies = citizen.say("商州区北新街的路灯坏了一个多星期了，晚上黑得很，老人出门不方便")
    answer_until(citizen, replies, Profile(), "请核对")
    os.killpg(wstack.gateway.popen.pid, signal.SIGSTOP)  # the gateway stalls (not refused: slow)
    try:
        seen = len(wstack.api.texts_to(openid))
        response = wstack.wechat.post_aes(wstack.wechat.text(openid, "确认"), openid=openid)
        assert response.status_code == 200 and response.text == "success"
        late = citizen._cs_messages(seen, 60)
    finally:
        os.killpg(wstack.gateway.popen.pid, signal.SIGCONT)
    assert any("工单系统暂时繁忙" in t for t in late), late
    # the citizen confirms again once the gateway is back: one order, its number delivered once
    done = citizen.say("确认")
    (order,) = wstack.orders_of(openid)
    assert any(order["order_no"] in t for t in done), done
    time.sleep(0.5)
    everything = citizen.passive + wstack.api.texts_to(openid)
    assert sum(t.count(order["order_no"]) for t in everything) == 1

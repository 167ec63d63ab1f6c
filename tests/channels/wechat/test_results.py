"""A result (issue 14) through WeChatOutput against the fake WeChat API and a loopback stand-in of the
gateway's outcome endpoint: customer-service message, the template outside the window, or undelivered."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List

import pytest

from channels.wechat.api import CustomerServiceSender
from channels.wechat.channel import WeChatOutput
from channels.wechat.settings import Settings
from channels.wechat.stores import MemoryBackend, Stores
from tests.channels.wechat.wechat_peers import APP_ID, APP_SECRET, RESULT_TEMPLATE_ID, TOKEN, FakeWeChatApi

NID = "SL20261203000007:result:0"
MESSAGE = {"text": "【商洛12345】您反映的问题已办理完毕。\n工单编号：SL20261203000007", "notification": NID,
           "order_no": "SL20261203000007",
           "result": {"unit": "商州区城关街道办事处", "result": "已更换路灯。", "date": "2026年12月2日"},
           "buttons": [{"title": t, "payload": f'/rate_order{{"satisfaction": "{t}"}}'} for t in ("满意", "基本满意", "不满意")]}


class Gateway:
    def __init__(self) -> None:
        self.reports: List[Dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.reports.append({"auth": self.headers.get("Authorization"), "path": self.path, **body})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peers():
    api, gateway = FakeWeChatApi(), Gateway()
    yield api, gateway
    api.close()
    gateway.close()


def output(api: FakeWeChatApi, gateway: Gateway, template: str = "") -> WeChatOutput:
    settings = Settings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base_url=api.url,
                        gateway_url=gateway.url, gateway_token="bot-token", result_template_id=template)
    return WeChatOutput(CustomerServiceSender(settings, Stores(MemoryBackend(), "t")), settings.text_limit_bytes)


async def test_inside_the_window_one_customer_service_message(peers):
    api, gateway = peers
    await output(api, gateway, RESULT_TEMPLATE_ID).send_response("o-1", MESSAGE)
    (text,) = api.texts_to("o-1")
    assert "SL20261203000007" in text and "满意" in text and api.templates == []
    (report,) = gateway.reports
    assert report == {"auth": "Bearer bot-token", "path": "/api/v1/notifications/outcome", "notification": NID,
                      "outcome": "delivered", "detail": None}


async def test_outside_the_window_the_result_template(peers):
    api, gateway = peers
    api.out_of_window.add("o-2")
    out = output(api, gateway, RESULT_TEMPLATE_ID)
    await out.send_response("o-2", MESSAGE)
    (template,) = api.templates
    assert template["touser"] == "o-2" and template["template_id"] == RESULT_TEMPLATE_ID
    assert {k: v["value"] for k, v in template["data"].items() if k.startswith("keyword")} == {
        "keyword1": "SL20261203000007", "keyword2": "商州区城关街道办事处", "keyword3": "已更换路灯。",
        "keyword4": "2026年12月2日"}
    assert gateway.reports[0]["outcome"] == "template" and "45015" in gateway.reports[0]["detail"]
    assert await out.sender.stores.undelivered() == []


async def test_outside_the_window_without_a_template_undelivered_for_a_phone_call(peers):
    api, gateway = peers
    api.out_of_window.add("o-3")
    out = output(api, gateway)
    await out.send_response("o-3", MESSAGE)
    assert api.texts_to("o-3") == [] and api.templates == []
    (item,) = await out.sender.stores.undelivered()
    assert item["sender"] == "o-3" and item["errcode"] == 45015
    assert gateway.reports[0]["outcome"] == "undelivered"


async def test_an_ordinary_message_reports_nothing(peers):
    api, gateway = peers
    await output(api, gateway).send_response("o-4", {"text": "您好，我是话务员王芳。"})
    assert api.texts_to("o-4") == ["您好，我是话务员王芳。"] and gateway.reports == []


async def test_a_busy_wechat_api_is_tried_again_before_any_fallback(peers, monkeypatch):
    import channels.wechat.channel as channel

    monkeypatch.setattr(channel, "RESULT_RETRY_S", 0.01)
    api, gateway = peers
    api.flaky = 2  # -1 system busy, twice
    await output(api, gateway, RESULT_TEMPLATE_ID).send_response("o-5", MESSAGE)
    assert len(api.texts_to("o-5")) == 1 and api.templates == []
    assert gateway.reports[0]["outcome"] == "delivered"

"""The product behind the real reverse proxy (Debian's nginx with deploy/nginx.conf.template,
TLS with a certificate made at test time), seen from the outside (issue 12, 1/2/4/11):

- only the widget's files, socket.io, the web chat history and the WeChat and email
  webhooks are reachable through the proxy; Rasa's HTTP API (model loading, trackers),
  the REST channel, the action server, the KB service and the gateway API are not;
- no process listens on anything but loopback;
- the REST channel takes only a trusted caller's token and only rest-… senders, so nobody
  speaks as a web chat, WeChat or email citizen; the action server refuses Rasa's webhook
  without the shared token;
- a web chat sender id is an HMAC of the browser's session id: knowing it opens nothing;
- oversized bodies get 413, too many requests from one address get 429;
- the logs of the run hold none of the phone numbers, addresses and ids the citizens used.
"""
from __future__ import annotations

import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import re
import socket
import ssl
import uuid
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest
import requests
import socketio

from channels.webchat.session import sender_for
from tests.channels.wechat.wechat_peers import WeChatServer
from tests.support import processes, proxy as proxy_support
from tests.support.citizen import Profile, run_form

pytestmark = pytest.mark.skipif(not proxy_support.available(), reason="nginx: run scripts/ensure_services.sh")

# what the citizens of this module tell: must never appear in a log
PHONE = "13891407734"
ADDRESS = "丹江路88号金凤小区3号楼"
REST_PHONE = "13891407735"
USED_IDS: List[str] = []  # session ids and openids used here


@pytest.fixture(scope="module")
def edge(stack):
    proxy = proxy_support.Proxy.start(stack.rasa.url, stack.gateway.url)
    yield proxy
    proxy.stop()


@pytest.fixture
def outside(edge):
    with edge.client() as client:
        yield client


class WebChatCitizen:
    """A browser's socket.io client, through the proxy over TLS (long-polling)."""

    def __init__(self, edge: proxy_support.Proxy, origin: str) -> None:
        http = requests.Session()
        http.trust_env = False  # REQUESTS_CA_BUNDLE would replace the test's certificate
        http.verify = str(edge.ca_file)
        self.events: "queue.Queue[tuple]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False, http_session=http)
        for name in ("session_confirm", "bot_uttered", "bot_typing", "webchat_error"):
            self.sio.on(name, self._recorder(name))
        self.sio.connect(edge.url, headers={"Origin": origin}, transports=["polling"], wait_timeout=20)
        self.sio.emit("session_request", {"session_id": None})
        self.session_id = self._next("session_confirm")["session_id"]
        USED_IDS.append(self.session_id)

    def _recorder(self, name: str):
        return lambda data=None: self.events.put((name, data))

    def _next(self, wanted: str, timeout: float = 60) -> Any:
        while True:
            name, data = self.events.get(timeout=timeout)
            if name == wanted:
                return data

    def say(self, text: str) -> List[str]:
        """Sends a message; the bot's texts until its typing indicator goes off."""
        self.sio.emit("user_uttered", {"session_id": self.session_id, "message": text})
        texts: List[str] = []
        started = False
        while True:
            name, data = self.events.get(timeout=90)
            if name == "bot_uttered":
                texts.append(data.get("text", ""))
            elif name == "bot_typing":
                if data.get("typing"):
                    started = True
                elif started:
                    return texts
            elif name == "webchat_error":
                raise AssertionError(f"refused: {data}")

    def close(self) -> None:
        self.sio.disconnect()


def _tracker(stack, sender: str) -> Dict[str, Any]:
    response = httpx.get(f"{stack.rasa.url}/conversations/{sender}/tracker", params={"token": stack.rasa_token},
                         timeout=30)
    response.raise_for_status()
    return response.json()


def _rest(stack, sender: str, text: str, token: str = processes.REST_CHANNEL_TOKEN) -> httpx.Response:
    return httpx.post(f"{stack.rasa.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _listening(port: int) -> List[str]:
    """Local addresses listening on a TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}


# -- citizens' paths work through the proxy
def test_the_web_chat_works_through_the_proxy_and_its_sender_id_opens_nothing(stack, edge, outside):
    for path, kind in (("/widget/widget.js", "javascript"), ("/widget/widget.css", "css"),
                       ("/widget/vendor/socket.io.min.js", "javascript")):
        response = outside.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path
        assert "strict-transport-security" in response.headers
    citizen = WebChatCitizen(edge, stack.gateway_origin)
    try:
        transcript = run_form(citizen.say, "我们小区停水两天了，一直没人管", Profile(
            district="商州区", address=ADDRESS, phone=PHONE, name="我叫赵文静", description="小区停水两天了，一直没人管"))
    finally:
        citizen.close()
    assert "工单编号" in transcript[-1]
    sender = sender_for(processes.WEBCHAT_SENDER_SECRET, citizen.session_id)
    order = stack.orders_of(sender)[0]
    assert order["channel"] == "webchat" and order["contact_phone"] == PHONE
    assert order["sender_id"] == sender != citizen.session_id  # the gateway never sees the session id

    history = outside.get("/webhooks/webchat/history", params={"session_id": citizen.session_id},
                          headers={"Origin": stack.gateway_origin})
    assert history.status_code == 200 and history.headers["access-control-allow-origin"] == stack.gateway_origin
    assert any(order["order_no"] in (m.get("text") or "") for m in history.json()["messages"])
    # whoever learns the sender id (the console shows it, units see it masked) reads nothing
    guessed = "web-" + sender[len("webchat-"):]
    assert outside.get("/webhooks/webchat/history", params={"session_id": sender}).status_code == 400
    assert outside.get("/webhooks/webchat/history", params={"session_id": guessed}).json()["messages"] == []


def test_socket_io_upgrades_to_a_websocket_through_the_proxy(stack, edge):
    host, port = edge.url.rsplit("//", 1)[1].split(":")
    context = ssl.create_default_context(cafile=str(edge.ca_file))
    with socket.create_connection((host, int(port)), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Origin: {stack.gateway_origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = tls.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 101"), head


def test_wechat_and_email_webhooks_are_reached_through_the_proxy(stack, edge, outside):
    wechat = WeChatServer(edge.url + "/webhooks/wechat/webhook")
    verified = outside.get("/webhooks/wechat/webhook", params={**wechat.query(), "echostr": "echo-edge"})
    assert verified.status_code == 200 and verified.text == "echo-edge"
    openid = "o" + uuid.uuid4().hex[:27]
    USED_IDS.append(openid)
    signed_query, body = wechat.signed_aes(wechat.text(openid, "你好"), openid=openid)
    answer = outside.post("/webhooks/wechat/webhook", params=signed_query, content=body)
    assert answer.status_code == 200 and wechat.open_reply(answer)
    # the email webhook answers the channel's own refusal: it is routed, and still needs its token
    mail = outside.post("/webhooks/email/receive", json={"message_id": "<x@example.com>"})
    assert mail.status_code in (401, 403, 503), mail.text
    assert edge.http_url and httpx.get(edge.http_url + "/widget/widget.js", timeout=10).status_code == 301


PORTAL_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>商洛市人民政府</title></head>
<body><h1>商洛市人民政府门户网站</h1><p>12345政务服务便民热线</p>
<script src="{edge}/widget/widget.js" data-socket-url="{edge}" defer></script></body></html>
"""


@pytest.fixture(scope="module")
def portal(stack, edge):
    """A portal page on another origin that embeds the widget from the public address, as the
    government site does (an outside party: a plain HTTP server on loopback)."""
    body = PORTAL_PAGE.format(edge=edge.url).encode("utf-8")

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if self.path == "/" else 0))
            self.end_headers()
            if self.path == "/":
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", stack.portal_port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield stack.portal_origin
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_the_widget_in_chromium_talks_only_through_the_proxy(stack, edge, portal):
    from tests.e2e.test_webchat_browser import Widget
    from tests.support.browser import ConsoleLog, launch

    before = edge.access_log().count("/socket.io/")
    # the certificate is made at test time: Chromium cannot know it
    with launch(ignore_https_errors=True, reduced_motion="reduce") as context:
        page = context.new_page()
        log = ConsoleLog(page)
        direct = []
        page.on("request", lambda r: direct.append(r.url) if f":{stack.rasa_port}" in r.url
                or f":{stack.gateway_port}" in r.url else None)
        page.goto(portal + "/")
        page.wait_for_selector("[data-hotline-webchat][data-ready=true]", state="attached")
        widget = Widget(page, stack)
        widget.open()
        widget.accept_privacy()
        widget.wait_connected()
        replies = widget.say("你好")
        assert replies and any(reply.strip() for reply in replies)
        USED_IDS.append(widget.session_id)
        page.reload()  # the transcript comes back through the proxied history endpoint
        page.wait_for_selector(".hlw-log [data-from=citizen] .hlw-bubble:has-text('你好')")
        assert log.errors == [] and direct == []
    assert edge.access_log().count("/socket.io/") > before
    assert '"GET /webhooks/webchat/history' in edge.access_log()


# -- nothing else is
INTERNAL = [
    ("GET", "/"), ("GET", "/status"), ("GET", "/version"), ("PUT", "/model"), ("DELETE", "/model"),
    ("POST", "/model/train"), ("POST", "/model/parse"), ("POST", "/model/test/intents"),
    ("GET", "/domain"), ("GET", "/conversations/{sender}/tracker"), ("POST", "/conversations/{sender}/tracker/events"),
    ("POST", "/conversations/{sender}/messages"), ("POST", "/conversations/{sender}/trigger_intent"),
    ("POST", "/webhooks/rest/webhook"), ("GET", "/webhooks/rest/"), ("GET", "/webhooks/webchat/"),
    ("POST", "/webhooks/callback/webhook"),
    ("POST", "/webhook"), ("GET", "/actions"), ("GET", "/health"),  # the action server's paths
    ("POST", "/api/v1/search"), ("GET", "/api/v1/gaps"), ("GET", "/search"),  # the KB service's
    ("GET", "/api/v1/orders"), ("POST", "/api/v1/orders"), ("POST", "/api/v1/attachments"),
    ("GET", "/api/v1/kb/gaps"), ("GET", "/console"), ("GET", "/console/api/queue"),
    ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/reports/daily"),  # the gateway's
    ("GET", "/widget/../api/v1/orders"), ("GET", "/widget/%2e%2e/api/v1/orders"), ("GET", "/widget/"),
    ("GET", "/socket.io/../status"), ("GET", "/webhooks/webchat/history/../../status"),
]


def test_internal_apis_are_not_reachable_through_the_proxy_even_with_their_tokens(stack, outside):
    sender = processes.rest_sender("victim")
    assert _rest(stack, sender, "你好").status_code == 200  # a conversation that exists
    tokens = {"token": stack.rasa_token}
    headers = {"Authorization": f"Bearer {processes.REST_CHANNEL_TOKEN}",
               "X-Action-Token": processes.ACTION_SERVER_TOKEN}
    for method, path in INTERNAL:
        url = path.format(sender=sender)
        response = outside.request(method, url, params=tokens, headers=headers,
                                   json={"sender": sender, "message": "/restart", "event": "restart"})
        assert response.status_code == 404, (method, url, response.status_code, response.text[:200])
    # allowed paths refuse other methods
    assert outside.put("/webhooks/webchat/history").status_code == 403
    assert outside.delete("/widget/widget.js").status_code == 403
    # and nothing reached the conversation
    events = [e["event"] for e in _tracker(stack, sender)["events"]]
    assert "restart" not in events and events.count("user") == 1


def test_no_process_listens_beyond_loopback(stack):
    for proc in (stack.rasa, stack.actions, stack.gateway):
        port = int(proc.url.rsplit(":", 1)[1])
        addresses = _listening(port)
        assert addresses and set(addresses) <= LOOPBACK, (proc.name, addresses)


# -- the REST channel and the action server behind their tokens
def test_impersonating_a_citizen_over_rest_fails(stack, edge):
    citizen = WebChatCitizen(edge, stack.gateway_origin)
    try:
        citizen.say("我家在丹江路，停水两天了")
    finally:
        citizen.close()
    web_sender = sender_for(processes.WEBCHAT_SENDER_SECRET, citizen.session_id)
    before = len(_tracker(stack, web_sender)["events"])
    victims = [web_sender, citizen.session_id, "o" + uuid.uuid4().hex[:27], "email-" + uuid.uuid4().hex,
               "rest", "rest-", "REST-x", "rest-../web", "x" * 300]
    for victim in victims:
        assert _rest(stack, victim, "查询工单").status_code == 400, victim
    assert _rest(stack, web_sender, "查询工单", token="x").status_code == 401
    assert _rest(stack, processes.rest_sender(), "查询工单", token="wrong" + processes.REST_CHANNEL_TOKEN).status_code == 401
    no_auth = httpx.post(f"{stack.rasa.url}/webhooks/rest/webhook", json={"sender": processes.rest_sender(), "message": "你好"})
    assert no_auth.status_code == 401
    assert len(_tracker(stack, web_sender)["events"]) == before  # the victim's conversation is untouched

    # a trusted caller's typed command goes through the guard: no restart, no intent by hand
    own = processes.rest_sender("guard")
    assert _rest(stack, own, f"我的电话是{REST_PHONE}").status_code == 200
    assert _rest(stack, own, "/restart").status_code == 200
    assert _rest(stack, own, '/inform{"contact_phone": "13800000000"}').status_code == 200
    tracker = _tracker(stack, own)
    assert "restart" not in [e["event"] for e in tracker["events"]]
    texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert "／restart" in texts and all(e.get("input_channel") == "rest" for e in tracker["events"] if e["event"] == "user")


def test_the_action_server_refuses_rasa_s_webhook_without_the_shared_token(stack):
    forged = {"next_action": "action_order_status", "sender_id": processes.rest_sender("forged"),
              "tracker": {"sender_id": processes.rest_sender("forged"), "slots": {}, "latest_message": {},
                          "events": [], "paused": False, "latest_event_time": None, "followup_action": None,
                          "active_loop": {}, "latest_action_name": None},
              "domain": {}, "version": "3.6.21"}
    assert httpx.post(f"{stack.actions.url}/webhook", json=forged, timeout=30).status_code == 401
    assert httpx.post(f"{stack.actions.url}/webhook", json=forged, headers={"X-Action-Token": "nope"},
                      timeout=30).status_code == 401
    assert httpx.get(f"{stack.actions.url}/actions", timeout=30).status_code == 401
    assert httpx.get(f"{stack.actions.url}/health", timeout=30).status_code == 200
    # Rasa itself sends the token (endpoints rendered with ${ACTION_SERVER_TOKEN}): the bot answers
    assert _rest(stack, processes.rest_sender("actions"), "我的工单办得怎么样了").json()


# -- limits
def test_oversized_bodies_get_413(outside):
    big = b"<xml>" + b"x" * 100_000 + b"</xml>"
    assert outside.post("/webhooks/wechat/webhook", content=big).status_code == 413
    assert outside.post("/webhooks/email/receive", content=b"x" * (3 * 1024 * 1024)).status_code == 413
    assert outside.post("/socket.io/?EIO=4&transport=polling", content=b"x" * 100_000).status_code == 413
    long_query = "web-" + "a" * 20_000
    assert outside.get("/webhooks/webchat/history", params={"session_id": long_query}).status_code in (414, 400)


def test_too_many_requests_from_one_address_get_429_and_other_addresses_are_served(edge):
    statuses = []
    with edge.client(local_address="127.0.0.77") as flood:
        for _ in range(150):
            statuses.append(flood.get("/webhooks/webchat/history", params={"session_id": "bad"}).status_code)
    assert statuses[0] == 400 and 429 in statuses, statuses
    assert set(statuses) <= {400, 429}
    with edge.client(local_address="127.0.0.78") as neighbour:
        assert neighbour.get("/webhooks/webchat/history", params={"session_id": "bad"}).status_code == 400
    assert "429" in edge.access_log()


# -- logs (runs last in this module: it reads what the tests above wrote)
def test_the_logs_hold_no_session_id_openid_phone_address_or_token(stack, edge):
    logs = [stack.rasa.log_path, stack.actions.log_path, stack.gateway.log_path, *sorted(edge.log_dir.glob("*.log"))]
    text = "\n".join(Path(p).read_text(errors="replace") for p in logs if Path(p).exists())
    assert text.strip(), "no logs to read"
    assert len(USED_IDS) >= 3
    # nor the internal tokens, which test_internal_apis_… sent through the proxy as ?token= and headers
    tokens = (stack.rasa_token, processes.REST_CHANNEL_TOKEN, processes.ACTION_SERVER_TOKEN)
    for secret in (PHONE, REST_PHONE, ADDRESS, "丹江路", "session_id=", *USED_IDS, *tokens):
        assert secret not in text, f"{secret!r} in the logs"
    assert not re.search(r"web-[0-9a-f]{32}", text), "a web chat session id in the logs"
    assert not re.search(r"openid=o", text), "an openid in the logs"


def test_the_proxy_settings_refuse_what_could_change_the_configuration():
    render = proxy_support.render_nginx.render
    assert "listen 443 ssl;" in render({}) and "user www-data;" in render({})
    for name, value in (("PROXY_SERVER_NAME", "x; include /etc/passwd"), ("PROXY_RATE", "0"),
                        ("PROXY_RASA_UPSTREAM", "127.0.0.1:5005;\nlocation /")):
        with pytest.raises(SystemExit):
            render({name: value})

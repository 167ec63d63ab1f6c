"""The web chat channel over a real socket.io connection: a Sanic server with the
channel's blueprint on a loopback port, python-socketio's client, Rasa's in-memory
tracker store for the history, and real Redis for rooms shared between two servers.

The bot is stood in for by a handler that answers through the message's output channel
(the real Rasa server is in tests/e2e/test_webchat_browser.py)."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, List

import httpx
import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from channels.webchat import WebChatInput
from channels.webchat.session import sender_for, valid_session_id
from channels.webchat.settings import Settings
from tests.support.processes import free_port

ORIGIN = "http://127.0.0.1:8000"
REDIS_URL = "redis://127.0.0.1:6379/0"
Sanic.test_mode = True  # several apps in one process (Sanic's touch-up would break the second)


class Server:
    """A Sanic app with the channel; `received` holds what the "bot" got."""

    def __init__(self, settings: Settings, reply: bool = True) -> None:
        self.channel = WebChatInput(settings)
        self.received: List[UserMessage] = []
        self.reply = reply
        self.release = asyncio.Event()
        self.release.set()
        self.app = Sanic(f"webchat_test_{uuid.uuid4().hex[:8]}")
        self.app.config.KEEP_ALIVE = False
        self.app.blueprint(self.channel.blueprint(self.on_new_message), url_prefix="/webhooks/webchat")
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.app.ctx.agent = type("AgentStub", (), {"tracker_store": self.tracker_store})()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    async def on_new_message(self, message: UserMessage) -> None:
        self.received.append(message)
        await self.release.wait()
        if self.reply:
            await message.output_channel.send_response(
                message.sender_id, {"text": f"收到：{message.text}", "buttons": [{"title": "是", "payload": "/affirm"}]})

    async def start(self) -> "Server":
        self._server = await self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                                    access_log=False)
        await self._server.startup()
        await self._server.start_serving()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()
            await self._server.wait_closed()


class Client:
    """A python-socketio client that records every event the widget would get."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: List[tuple] = []
        self.changed = asyncio.Condition()
        for name in ("session_confirm", "bot_uttered", "bot_typing", "webchat_error", "user_echo"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            async with self.changed:
                self.events.append((name, data))
                self.changed.notify_all()
        return record

    async def connect(self, url: str, origin: str = ORIGIN) -> "Client":
        await self.sio.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)  # aiohttp 3.9 lacks what the websocket client needs
        return self

    async def wait_for(self, name: str, count: int = 1, timeout: float = 10) -> List[Any]:
        async def enough() -> None:
            async with self.changed:
                await self.changed.wait_for(lambda: len(self.of(name)) >= count)
        await asyncio.wait_for(enough(), timeout)
        return self.of(name)

    def of(self, name: str) -> List[Any]:
        return [data for event, data in self.events if event == name]

    async def session(self, session_id: Any = None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        confirms = await self.wait_for("session_confirm", len(self.of("session_confirm")) + 1)
        return confirms[-1]["session_id"]

    async def close(self) -> None:
        # socket.io's goodbye, then the transport without waiting for the pending long-poll
        if self.sio.connected:
            await self.sio._send_packet(self.sio.packet_class(socketio.packet.DISCONNECT))
        await self.sio.eio.disconnect(abort=True)


@pytest.fixture
async def server():
    srv = await Server(Settings(allowed_origins=(ORIGIN,), ping_interval_s=1)).start()
    yield srv
    await srv.stop()


@pytest.fixture
async def client(server):
    c = await Client().connect(server.url)
    yield c
    await c.close()


async def test_session_is_issued_kept_and_malformed_ids_replaced(server, client):
    first = await client.session(None)
    assert valid_session_id(first)
    assert await client.session(first) == first
    assert (await client.session("web-" + "A" * 32)) != first
    assert client.of("session_confirm")[-1]["renewed"] is True


async def test_message_reaches_the_bot_with_typing_and_reply_in_json(server, client):
    session = await client.session()
    await client.sio.emit("user_uttered", {"session_id": session, "message": "  我们小区停水两天了 "})
    reply = (await client.wait_for("bot_uttered"))[0]
    assert reply == {"text": "收到：我们小区停水两天了", "buttons": [{"title": "是", "payload": "/affirm"}]}
    await client.wait_for("bot_typing", 2)
    assert client.of("bot_typing") == [{"typing": True}, {"typing": False}]
    message = server.received[0]
    # the sender id is derived from the session id, never the session id itself
    assert message.sender_id == sender_for(server.channel.settings.sender_secret, session) != session
    assert message.sender_id.startswith("webchat-") and session[4:] not in message.sender_id
    assert message.input_channel == "webchat"
    assert message.metadata == {"webchat_display": "我们小区停水两天了"}


async def test_typed_command_and_button_click_go_through_the_guard(server, client):
    session = await client.session()
    await client.sio.emit("user_uttered", {"session_id": session, "message": "/restart"})
    await client.sio.emit("user_uttered", {"session_id": session, "message": "/affirm", "is_payload": True, "title": "是"})
    await client.sio.emit("user_uttered", {"session_id": session, "message": "/restart", "is_payload": True})
    await client.wait_for("bot_uttered", 3)
    assert sorted(m.text for m in server.received) == sorted(["／restart", "/affirm", "／restart"])
    click = next(m for m in server.received if m.text == "/affirm")
    assert click.metadata == {"webchat_display": "是"}


async def test_empty_oversized_and_malformed_messages_get_a_chinese_error_and_never_reach_the_bot(server, client):
    session = await client.session()
    for data in ({"session_id": session, "message": "   "}, {"session_id": session, "message": "长" * 2001},
                 {"session_id": session, "message": 123}, "not an object"):
        await client.sio.emit("user_uttered", data)
    errors = await client.wait_for("webchat_error", 4)
    assert [e["code"] for e in errors] == ["empty", "too_long", "malformed", "malformed"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["text"]) for e in errors)
    assert server.received == [] and client.of("bot_typing") == []


async def test_every_tab_and_the_output_channel_reach_the_session_room(server, client):
    session = await client.session()
    other_tab = await Client().connect(server.url)
    stranger = await Client().connect(server.url)
    try:
        assert await other_tab.session(session) == session
        await stranger.session()
        await client.sio.emit("user_uttered", {"session_id": session, "message": "你好"})
        assert (await other_tab.wait_for("user_echo"))[0] == {"text": "你好"}
        await other_tab.wait_for("bot_uttered")
        # an agent's message later, as Rasa sends it through get_output_channel()
        output = server.channel.get_output_channel()
        await output.send_response(server.channel.sender_of(session), {"text": "您好，我是人工客服王芳。", "agent": "王芳"})
        for tab in (client, other_tab):
            messages = await tab.wait_for("bot_uttered", 2)
            assert messages[-1] == {"text": "您好，我是人工客服王芳。", "buttons": [], "agent": "王芳"}
        await asyncio.sleep(0.2)  # give a wrongly routed message the time to arrive
        assert stranger.of("bot_uttered") == [] and stranger.of("user_echo") == []
        assert client.of("user_echo") == []  # the sending tab shows its own message itself
    finally:
        await other_tab.close()
        await stranger.close()


async def test_a_foreign_origin_cannot_connect(server):
    intruder = Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await intruder.connect(server.url, origin="https://evil.example")


async def test_history_endpoint_rebuilds_the_transcript_with_cors_for_allowed_origins(server):
    session = "web-" + "1" * 32
    tracker = DialogueStateTracker.from_events(server.channel.sender_of(session), [
        UserUttered("路灯坏了", metadata={"webchat_display": "路灯坏了"}),
        BotUttered("请问在哪个区县？", data={"buttons": [{"title": "商州区", "payload": "/inform"}]}),
        BotUttered("您好，我是人工客服。", metadata={"agent": "李强"}),
    ])
    await server.tracker_store.save(tracker)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        ok = await http.get("/webhooks/webchat/history", params={"session_id": session}, headers={"Origin": ORIGIN})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
        assert [m["from"] for m in ok.json()["messages"]] == ["citizen", "bot", "agent"]
        unknown = await http.get("/webhooks/webchat/history", params={"session_id": "web-" + "2" * 32})
        assert unknown.status_code == 200 and unknown.json()["messages"] == []
        bad = await http.get("/webhooks/webchat/history", params={"session_id": "sender-1"})
        assert bad.status_code == 400 and "会话" in bad.json()["message"]
        foreign = await http.get("/webhooks/webchat/history", params={"session_id": session},
                                 headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers


async def test_with_redis_an_output_channel_of_another_replica_reaches_the_browser():
    settings = Settings(allowed_origins=(ORIGIN,), ping_interval_s=1, redis_url=REDIS_URL, redis_channel=f"test{uuid.uuid4().hex[:8]}:webchat")
    replica_a, replica_b = Server(settings), Server(settings)
    await replica_a.start()
    await replica_b.start()
    browser = await Client().connect(replica_a.url)
    try:
        session = await browser.session()
        output = replica_b.channel.get_output_channel()
        # the subscriber of replica A may still be starting: send until it arrives
        for _ in range(50):
            await output.send_text_message(replica_b.channel.sender_of(session), "工单已受理，编号 SL20261125-0001。")
            try:
                await browser.wait_for("bot_uttered", timeout=0.2)
                break
            except asyncio.TimeoutError:
                continue
        assert browser.of("bot_uttered")[0] == {"text": "工单已受理，编号 SL20261125-0001。", "buttons": []}
    finally:
        await browser.close()
        await replica_a.stop()
        await replica_b.stop()


async def test_history_endpoint_answers_503_in_chinese_when_the_tracker_store_fails(server):
    class BrokenStore:
        async def retrieve(self, sender_id):
            raise ConnectionError("redis down")

    server.app.ctx.agent = type("AgentStub", (), {"tracker_store": BrokenStore()})()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get("/webhooks/webchat/history", params={"session_id": "web-" + "3" * 32},
                                  headers={"Origin": ORIGIN})
    assert response.status_code == 503 and "对话记录" in response.json()["message"]
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_a_socket_flooding_messages_is_told_to_slow_down(server, client):
    session = await client.session()
    server.release.clear()  # the bot is still working on the first messages
    for i in range(4):
        await client.sio.emit("user_uttered", {"session_id": session, "message": f"第{i + 1}条"})
    error = (await client.wait_for("webchat_error"))[0]
    assert error["code"] == "too_fast" and "太快" in error["text"]
    assert len(server.received) == 3
    server.release.set()
    await client.wait_for("bot_uttered", 3)
    await client.sio.emit("user_uttered", {"session_id": session, "message": "第5条"})
    await client.wait_for("bot_uttered", 4)  # accepted again once the bot caught up
    assert [m.text for m in server.received][-1] == "第5条"


async def test_the_sender_id_of_a_session_does_not_open_its_history_or_room(server, client):
    """The sender id is what the console, the gateway and the logs see; it is not a key."""
    session = await client.session()
    sender = server.channel.sender_of(session)
    await server.tracker_store.save(DialogueStateTracker.from_events(sender, [
        UserUttered("我家住在北新街12号", metadata={"webchat_display": "我家住在北新街12号"})]))
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        own = await http.get("/webhooks/webchat/history", params={"session_id": session})
        assert [m["text"] for m in own.json()["messages"]] == ["我家住在北新街12号"]
        # a sender id is no session id (refused), and nothing that looks like one is a sender
        assert (await http.get("/webhooks/webchat/history", params={"session_id": sender})).status_code == 400
        guessed = "web-" + sender[len("webchat-"):]
        assert (await http.get("/webhooks/webchat/history", params={"session_id": guessed})).json()["messages"] == []
    intruder = await Client().connect(server.url)
    try:
        assert await intruder.session(sender) != sender  # renewed: not a session id
        await server.channel.get_output_channel().send_text_message(sender, "您好，我是人工客服。")
        await client.wait_for("bot_uttered")
        assert intruder.of("bot_uttered") == []
    finally:
        await intruder.close()

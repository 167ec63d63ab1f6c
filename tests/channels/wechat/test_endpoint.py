"""The channel's request handling against a fake bot and the fake WeChat API (loopback)."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import httpx
import pytest
import xmltodict

from channels.wechat import texts
from channels.wechat.api import CustomerServiceSender, HotlineWeChatClient
from channels.wechat.handler import WeChatEndpoint
from channels.wechat.settings import Settings
from channels.wechat.stores import MemoryBackend, Stores
from tests.channels.wechat.wechat_peers import ACCOUNT, AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer


@pytest.fixture
def api():
    fake = FakeWeChatApi()
    yield fake
    fake.close()


class Bot:
    """Answers like the Rasa bot would: echoes, optionally slowly, with buttons on request."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: List[str] = []
        self.metadata: List[Dict[str, Any]] = []

    async def __call__(self, sender: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        self.received.append(text)
        self.metadata.append(metadata)
        if self.delay:
            await asyncio.sleep(self.delay)
        if text == "按钮":
            return [{"recipient_id": sender, "text": "办理完成后需要承办单位回复您吗？",
                     "buttons": [{"title": "需要回复", "payload": "/affirm"}, {"title": "不用回复", "payload": "/deny"}]}]
        if text == "长":
            return [{"recipient_id": sender, "text": "这是一句很长的说明。" * 100}]
        return [{"recipient_id": sender, "text": f"收到：{text}"}]


def make_endpoint(api: FakeWeChatApi, budget: float = 2.0, aes: bool = True, **kw) -> WeChatEndpoint:
    """Safe mode (EncodingAESKey set: only encrypted requests) unless `aes=False` (plaintext mode)."""
    settings = Settings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, encoding_aes_key=AES_KEY if aes else "",
                        api_base_url=api.url, reply_budget_s=budget, **kw)
    return WeChatEndpoint(settings, stores=Stores(MemoryBackend(), "t"))


class Sim(WeChatServer):
    """Builds the same requests as WeChatServer but hands them to the endpoint directly."""

    def __init__(self):
        super().__init__("http://unused")

    def plain(self, xml: str, **query):
        return dict(self.query(), **query), xml.encode()

    def aes(self, xml: str, compatible: bool = False, timestamp=None, nonce=None):
        q = self.query(timestamp=timestamp, nonce=nonce)
        enc = xmltodict.parse(self.crypto.encrypt_message(xml, q["nonce"], q["timestamp"]))["xml"]
        fields = dict(xmltodict.parse(xml)["xml"]) if compatible else {"ToUserName": ACCOUNT}
        fields["Encrypt"] = enc["Encrypt"]
        body = xmltodict.unparse({"xml": fields}, full_document=False).encode()
        return dict(q, encrypt_type="aes", msg_signature=enc["MsgSignature"], openid="o"), body

    def content(self, answer) -> str:
        return self.open_reply(httpx.Response(answer.status, text=answer.body))


@pytest.fixture
def sim():
    return Sim()


async def test_url_verification(api, sim):
    ep = make_endpoint(api)
    q = dict(sim.query(), echostr="5837397230")
    assert ep.handle_get(q).body == "5837397230"
    assert ep.handle_get(dict(q, signature="0" * 40)).status == 403


async def test_disabled_channel_answers_503(api, sim):
    ep = WeChatEndpoint(Settings(), stores=Stores(MemoryBackend(), "t"))
    assert ep.handle_get(dict(sim.query(), echostr="x")).status == 503
    answer = await ep.handle_post(*sim.plain(sim.text("o", "你好")), Bot())
    assert answer.status == 503 and "WECHAT_TOKEN" in answer.body


@pytest.mark.parametrize("mode", ["plain", "aes", "compatible"])
async def test_passive_reply_in_every_mode(api, sim, mode):
    ep, bot = make_endpoint(api, aes=mode != "plain"), Bot()  # plaintext mode: no EncodingAESKey
    xml = sim.text("o-1", "路灯坏了😀")
    query, body = sim.plain(xml) if mode == "plain" else sim.aes(xml, compatible=mode == "compatible")
    answer = await ep.handle_post(query, body, bot)
    assert answer.status == 200
    if mode != "plain":
        assert "<Encrypt>" in answer.body
    assert sim.content(answer) == "收到：路灯坏了😀"
    assert bot.received == ["路灯坏了😀"] and api.sent == []


async def test_rejections_never_reach_the_bot(api, sim):
    ep, bot = make_endpoint(api, max_body_bytes=4096, aes=False), Bot()
    query, body = sim.plain(sim.text("o", "你好"))
    assert (await ep.handle_post(dict(query, signature="f" * 40), body, bot)).status == 403
    query, body = sim.aes(sim.text("o", "你好"))
    assert (await make_endpoint(api).handle_post(dict(query, msg_signature="0" * 40), body, bot)).status == 403
    assert (await ep.handle_post(sim.query(), b"<xml><Content>broken", bot)).status == 400
    assert (await ep.handle_post(sim.query(), b"<xml><Content>x</Content></xml>", bot)).status == 400
    big = sim.text("o", "很" * 5000).encode()
    assert (await ep.handle_post(sim.query(), big, bot)).status == 413
    assert (await ep.handle_post(sim.query(), b"<xml/>", bot, content_length=10**7)).status == 413
    assert bot.received == []


async def test_replayed_request_is_refused_in_every_mode(api, sim):
    """One accepted request's timestamp and nonce never work again, whatever the body says."""
    bot = Bot()
    safe, plain = make_endpoint(api), make_endpoint(api, aes=False)
    query, body = sim.aes(sim.text("o-r", "我要投诉噪音"))
    assert (await safe.handle_post(query, body, bot)).status == 200
    replay = await safe.handle_post(query, body, bot)
    assert replay.status == 409 and "replayed" in replay.body
    # plaintext mode: the logged signature triple with a message of the attacker's
    query, body = sim.plain(sim.text("o-r", "查询工单"))
    assert (await plain.handle_post(query, body, bot)).status == 200
    forged = sim.text("o-victim", "撤销工单")
    assert (await plain.handle_post(query, forged.encode(), bot)).status == 409
    assert bot.received == ["我要投诉噪音", "查询工单"]


async def test_stale_or_future_timestamp_is_refused(api, sim):
    ep, bot = make_endpoint(api, timestamp_window_s=300), Bot()
    for offset in (-301, 301, -86400):
        answer = await ep.handle_post(*sim.aes(sim.text("o-s", "你好"), timestamp=str(int(time.time()) + offset)), bot)
        assert answer.status == 403 and "stale timestamp" in answer.body
    answer = await ep.handle_post(*sim.aes(sim.text("o-s", "你好"), timestamp="x1"), bot)
    assert answer.status in (400, 403)
    # within the window (WeChat's clock a little off): accepted
    assert (await ep.handle_post(*sim.aes(sim.text("o-s", "你好"), timestamp=str(int(time.time()) - 200)), bot)).status == 200
    assert bot.received == ["你好"]
    # the URL check too
    q = dict(sim.query(timestamp=str(int(time.time()) - 3600)), echostr="123")
    assert ep.handle_get(q).status == 403


async def test_plaintext_is_refused_when_the_aes_key_is_set(api, sim):
    ep, bot = make_endpoint(api), Bot()
    answer = await ep.handle_post(*sim.plain(sim.text("o-p", "查询工单")), bot)
    assert answer.status == 403 and "encrypt_type=aes" in answer.body
    # encrypt_type given but no msg_signature: the body is not authenticated either
    query, body = sim.aes(sim.text("o-p", "查询工单"))
    query.pop("msg_signature")
    assert (await ep.handle_post(query, body, bot)).status == 403
    assert bot.received == []


async def test_nonce_cache_in_redis_is_shared_by_servers(api, sim):
    """Two Rasa servers on one Redis: a request replayed to the other server is refused there."""
    import uuid

    from channels.wechat.stores import RedisBackend

    url = "redis://127.0.0.1:6379/0"  # real Redis (scripts/ensure_services.sh)
    prefix = f"test:wechat-nonce:{uuid.uuid4().hex[:8]}"
    settings = Settings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, encoding_aes_key=AES_KEY,
                        api_base_url=api.url)
    one = WeChatEndpoint(settings, stores=Stores(RedisBackend(url), prefix))
    two = WeChatEndpoint(settings, stores=Stores(RedisBackend(url), prefix))
    bot = Bot()
    query, body = sim.aes(sim.text("o-redis", "路灯坏了"))
    try:
        assert (await one.handle_post(query, body, bot)).status == 200
        assert (await two.handle_post(query, body, bot)).status == 409
        ttl = await two.stores.backend._redis.ttl(f"{prefix}:nonce:{query['timestamp']}:{query['nonce']}")
        assert 0 < ttl <= 2 * settings.timestamp_window_s + 60
    finally:
        await one.stores.backend.close()
        await two.stores.backend.close()
    assert bot.received == ["路灯坏了"]


async def test_retries_are_processed_once(api, sim):
    ep, bot = make_endpoint(api), Bot()
    xml = sim.text("o-2", "我要投诉")
    first = await ep.handle_post(*sim.aes(xml), bot)
    again = [await ep.handle_post(*sim.aes(xml), bot) for _ in range(3)]
    assert sim.content(first) == "收到：我要投诉"
    # WeChat retries only when it missed the answer: the stored answer again, the bot is not asked again
    assert [sim.content(a) for a in again] == ["收到：我要投诉"] * 3
    assert bot.received == ["我要投诉"] and api.sent == []
    # events have no MsgId: sender + CreateTime
    event = sim.xml("o-2", "event", create_time=1700000000, Event="subscribe")
    assert texts.WELCOME == sim.content(await ep.handle_post(*sim.aes(event), bot))
    assert texts.WELCOME == sim.content(await ep.handle_post(*sim.aes(event), bot))


async def test_retry_while_in_progress_moves_the_answer_to_customer_service(api, sim):
    ep, bot = make_endpoint(api, budget=2.0), Bot(delay=0.3)
    xml = sim.text("o-8", "路灯不亮")
    original = asyncio.create_task(ep.handle_post(*sim.aes(xml), bot))
    await asyncio.sleep(0.1)
    retry = await ep.handle_post(*sim.aes(xml), bot)
    assert retry.body == "success"
    assert (await original).body == "success"  # WeChat stopped waiting for it
    await ep.drain()
    assert api.texts_to("o-8") == ["收到：路灯不亮"] and bot.received == ["路灯不亮"]


async def test_slow_bot_gets_success_then_customer_service_message(api, sim):
    ep, bot = make_endpoint(api, budget=0.2), Bot(delay=0.6)
    answer = await ep.handle_post(*sim.aes(sim.text("o-3", "停水了")), bot)
    assert answer.body == "success" and api.sent == []
    await ep.drain()
    assert api.texts_to("o-3") == ["收到：停水了"]
    assert ep.stats["async"] == 1 and api.token_fetches == 1


async def test_long_reply_passive_first_part_rest_as_customer_service(api, sim):
    ep, bot = make_endpoint(api, text_limit_bytes=600), Bot()
    answer = await ep.handle_post(*sim.aes(sim.text("o-4", "长")), bot)
    await ep.drain()
    first, rest = sim.content(answer), api.texts_to("o-4")
    assert first.endswith("。") and len(first.encode()) <= 600 and rest
    assert first + "".join(rest) == "这是一句很长的说明。" * 100


async def test_out_of_window_is_recorded_undelivered(api, sim):
    ep, bot = make_endpoint(api, budget=0.1), Bot(delay=0.3)
    api.out_of_window.add("o-5")
    assert (await ep.handle_post(*sim.aes(sim.text("o-5", "你好")), bot)).body == "success"
    await ep.drain()
    undelivered = await ep.stores.undelivered()
    assert undelivered == [dict(undelivered[0], sender="o-5", text="收到：你好", errcode=45015)]


async def test_expired_access_token_is_refreshed_once(api):
    settings = Settings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base_url=api.url)
    client = HotlineWeChatClient(settings)
    assert client.send_text_blocking("o", "一").ok
    api.current_token = "rotated-elsewhere"  # WeChat invalidated our token
    assert client.send_text_blocking("o", "二").ok
    assert api.token_fetches == 2 and api.texts_to("o") == ["一", "二"]


async def test_missing_app_secret_records_undelivered():
    stores = Stores(MemoryBackend(), "t")
    sender = CustomerServiceSender(Settings(token=TOKEN), stores)
    results = await sender.send("o", ["a", "b"])
    assert not results[0].ok and len(await stores.undelivered()) == 2


async def test_numbered_options_answered_with_a_digit(api, sim):
    ep, bot = make_endpoint(api), Bot()
    answer = await ep.handle_post(*sim.aes(sim.text("o-6", "按钮")), bot)
    assert "1. 需要回复\n2. 不用回复" in sim.content(answer)
    await ep.handle_post(*sim.aes(sim.text("o-6", "2")), bot)
    await ep.handle_post(*sim.aes(sim.text("o-6", "2")), bot)  # options were cleared: plain text now
    assert bot.received == ["按钮", "/deny", "2"]


async def test_other_message_types(api, sim):
    ep, bot = make_endpoint(api), Bot()
    img = sim.xml("o-7", "image", PicUrl="http://127.0.0.1/p.jpg", MediaId="media-9")
    assert sim.content(await ep.handle_post(*sim.aes(img), bot)) == texts.IMAGE_RECEIVED
    voice = sim.xml("o-7", "voice", MediaId="v", Format="amr")
    assert sim.content(await ep.handle_post(*sim.aes(voice), bot)) == texts.VOICE_NOT_RECOGNISED
    voice = sim.xml("o-7", "voice", MediaId="v", Format="amr", Recognition="小区停电了")
    assert sim.content(await ep.handle_post(*sim.aes(voice), bot)) == "收到：小区停电了"
    loc = sim.xml("o-7", "location", Location_X="33.8", Location_Y="109.9", Scale="15", Label="商洛市商州区北新街")
    # a location goes to the bot as the channel's own payload; the place travels in the metadata
    assert sim.content(await ep.handle_post(*sim.aes(loc), bot)) == "收到：/share_location"
    assert bot.metadata[-1]["location"]["label"] == "商洛市商州区北新街"
    click = sim.xml("o-7", "event", Event="CLICK", EventKey="REPORT")
    assert sim.content(await ep.handle_post(*sim.aes(click), bot)) == "收到：我要反映问题"
    unsub = sim.xml("o-7", "event", create_time=int(time.time()) + 5, Event="unsubscribe")
    assert (await ep.handle_post(*sim.aes(unsub), bot)).body == "success"
    assert bot.received == ["小区停电了", "/share_location", "我要反映问题"]
    # the image is kept and travels with the citizen's next messages as evidence
    assert bot.metadata[-1]["evidence"][0]["media_id"] == "media-9"


async def test_typed_commands_never_reach_the_bot_as_commands(api, sim):
    ep, bot = make_endpoint(api), Bot()
    await ep.handle_post(*sim.aes(sim.text("o-8", "/restart")), bot)
    await ep.handle_post(*sim.aes(sim.text("o-8", "/share_location")), bot)
    assert bot.received == ["／restart", "／share_location"]
    # a numbered option still sends the button's payload
    await ep.handle_post(*sim.aes(sim.text("o-8", "按钮")), bot)
    await ep.handle_post(*sim.aes(sim.text("o-8", "1")), bot)
    assert bot.received[-1] == "/affirm"


async def test_channel_logs_carry_no_openid_phone_or_text(api, sim, caplog):
    """Retries, rejections, a failing bot, undelivered messages and images: the log names the
    citizen by pseudonym (wx#…) only."""
    import logging

    caplog.set_level(logging.DEBUG, logger="channels.wechat")
    openid, phone = "oHotline-log-test-openid-0001", "13891401234"

    class FailingBot(Bot):
        async def __call__(self, sender, text, metadata):
            raise RuntimeError("bot down")

    ep = make_endpoint(api, budget=0.1)
    api.out_of_window.add(openid)
    xml = sim.text(openid, f"我的电话是{phone}，路灯坏了")
    await ep.handle_post(*sim.aes(xml), Bot(delay=0.3))
    await ep.handle_post(*sim.aes(xml), Bot())  # WeChat's retry while in progress
    await ep.handle_post(*sim.aes(sim.text(openid, f"再说一遍{phone}")), FailingBot())
    await ep.handle_post(*sim.aes(sim.xml(openid, "event", Event="subscribe")), Bot())
    await ep.handle_post(*sim.aes(sim.xml(openid, "event", Event="subscribe")), Bot())  # retry of an event
    await ep.handle_post(*sim.aes(sim.xml(openid, "image", PicUrl="http://127.0.0.1/p.jpg", MediaId="m-1")), Bot())
    await ep.handle_post(*sim.plain(xml), Bot())  # refused: plaintext
    await ep.drain()
    text = caplog.text  # messages and tracebacks as formatted
    assert "wx#" in text  # the lines are there, with pseudonyms
    assert openid not in text and phone not in text and "路灯坏了" not in text

"""Unit tests of the WeChat channel's small modules."""
from __future__ import annotations

import threading
import uuid

import pytest
import xmltodict

from channels.wechat import texts
from channels.wechat.inbound import MalformedMessage, to_inbound
from channels.wechat.replies import choose_option, render, split_text
from channels.wechat.security import RequestRejected, check_signature, decode_request, parse_xml, sign
from channels.wechat.settings import Settings
from channels.wechat.stores import MemoryBackend, RedisBackend, Stores
from channels.wechat.tokens import MemoryTokenStore, RedisTokenStore
from tests.channels.wechat.wechat_peers import AES_KEY, APP_ID, TOKEN, WeChatServer


# -- settings
def test_settings_default_to_disabled_without_env():
    s = Settings.from_env({})
    assert not s.enabled and not s.can_send and not s.can_decrypt
    assert s.api_base_url == "https://api.weixin.qq.com/cgi-bin/"
    assert s.reply_budget_s == 4.0


def test_settings_from_env_and_overrides():
    s = Settings.from_env({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s",
                           "WECHAT_ENCODING_AES_KEY": AES_KEY, "WECHAT_API_BASE_URL": "http://127.0.0.1:9/cgi-bin",
                           "WECHAT_REPLY_BUDGET_S": "oops", "REDIS_KEY_PREFIX": "city"})
    assert s.enabled and s.can_send and s.can_decrypt
    assert s.api_base_url == "http://127.0.0.1:9/cgi-bin/"
    assert s.reply_budget_s == 4.0 and s.redis_prefix == "city:wechat"
    assert s.timestamp_window_s == 300 and s.requires_encryption
    assert Settings.from_env({"WECHAT_TOKEN": "t", "WECHAT_TIMESTAMP_WINDOW_S": "120"}).timestamp_window_s == 120
    assert not Settings.from_env({"WECHAT_TOKEN": "t"}).requires_encryption  # plaintext mode
    s2 = s.with_overrides({"reply_budget_s": "1.5", "app_secret": "ignored"})
    assert s2.reply_budget_s == 1.5 and s2.app_secret == "s"


def test_invalid_aes_key_turns_safe_mode_off():
    assert not Settings.from_env({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx", "WECHAT_ENCODING_AES_KEY": "short"}).can_decrypt


# -- security
def test_signature_check():
    check_signature("tok", sign("tok", "1", "n"), "1", "n")
    for bad in (None, "", sign("tok", "2", "n")):
        with pytest.raises(RequestRejected) as info:
            check_signature("tok", bad, "1", "n")
        assert info.value.status == 403


@pytest.mark.parametrize("body", [b"<xml><a>1</xml>", b"not xml", b"\xff\xfe<xml/>", b"<root/>",
                                  b'<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>'])
def test_bad_xml_is_400(body):
    with pytest.raises(RequestRejected) as info:
        parse_xml(body)
    assert info.value.status == 400


def _settings(**kw):
    return Settings(token=TOKEN, app_id=APP_ID, app_secret="s", encoding_aes_key=AES_KEY, **kw)


def test_decode_safe_mode_roundtrip_and_tampering():
    sim = WeChatServer("http://unused")
    xml = sim.text("openid-1", "你好😀")
    query = sim.query()
    enc = xmltodict.parse(sim.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{enc['Encrypt']}</Encrypt></xml>".encode()
    fields, encrypted = decode_request(_settings(), dict(query, encrypt_type="aes", msg_signature=enc["MsgSignature"]), body)
    assert encrypted and fields["Content"] == "你好😀"
    with pytest.raises(RequestRejected) as info:
        decode_request(_settings(), dict(query, encrypt_type="aes", msg_signature="0" * 40), body)
    assert info.value.status == 403
    # safe mode without a configured key: 503, not a crash
    with pytest.raises(RequestRejected) as info:
        decode_request(Settings(token=TOKEN), dict(query, encrypt_type="aes", msg_signature=enc["MsgSignature"]), body)
    assert info.value.status == 503


# -- inbound parsing
def _fields(**kw):
    base = {"ToUserName": "gh", "FromUserName": "o1", "CreateTime": "1700000000"}
    base.update(kw)
    return base


def test_inbound_types():
    t = to_inbound(_fields(MsgType="text", Content="路灯坏了", MsgId="11"))
    assert t.text == "路灯坏了" and t.key == "msg:11"
    v = to_inbound(_fields(MsgType="voice", MediaId="m", Recognition="停水了", MsgId="12"))
    assert v.text == "停水了"
    v2 = to_inbound(_fields(MsgType="voice", MediaId="m", MsgId="13"))
    assert v2.text is None and v2.reply == texts.VOICE_NOT_RECOGNISED
    loc = to_inbound(_fields(MsgType="location", Location_X="33.87", Location_Y="109.94",
                             Label="陕西省商洛市商州区北新街", MsgId="14"))
    assert "商州区北新街" in loc.text and loc.metadata["location"]["latitude"] == "33.87"
    img = to_inbound(_fields(MsgType="image", PicUrl="http://p/1.jpg", MediaId="media-1", MsgId="15"))
    assert img.text is None and img.evidence["media_id"] == "media-1" and img.reply == texts.IMAGE_RECEIVED
    sub = to_inbound(_fields(MsgType="event", Event="subscribe"))
    assert "110" in sub.reply and "119" in sub.reply and "120" in sub.reply and "122" in sub.reply
    assert "隐私" in sub.reply and sub.key == "evt:o1:1700000000:subscribe"
    assert to_inbound(_fields(MsgType="event", Event="unsubscribe")).unsubscribe
    assert to_inbound(_fields(MsgType="event", Event="CLICK", EventKey="ORDER_STATUS")).text == "查询工单进度"
    assert to_inbound(_fields(MsgType="video", MsgId="16")).reply == texts.UNSUPPORTED
    with pytest.raises(MalformedMessage):
        to_inbound({"MsgType": "text"})


def test_inbound_through_wechatpys_parser_keeps_every_case():
    from wechatpy.events import SubscribeScanEvent
    from wechatpy.messages import LinkMessage

    from channels.wechat.inbound import parse

    # a follow through a QR code with a scene is wechatpy's SubscribeScanEvent: still the welcome, same key
    fields = _fields(MsgType="event", Event="subscribe", EventKey="qrscene_42", Ticket="t")
    assert isinstance(parse(fields), SubscribeScanEvent) and fields["Event"] == "subscribe"
    scan = to_inbound(fields)
    assert scan.reply == texts.WELCOME and scan.key == "evt:o1:1700000000:subscribe"
    assert to_inbound(_fields(MsgType="event", Event="subscribe", EventKey="scanbarcode|x")).reply == texts.WELCOME
    # a link (and any other type the hotline does not read) gets the polite answer
    link = _fields(MsgType="link", Title="t", Description="d", Url="http://x", MsgId="20")
    assert isinstance(parse(link), LinkMessage) and to_inbound(link).reply == texts.UNSUPPORTED
    assert to_inbound(_fields(MsgType="shortvideo", MsgId="21")).reply == texts.UNSUPPORTED
    assert to_inbound(_fields(MsgType="device_text", MsgId="22")).reply == texts.UNSUPPORTED
    # events with nothing to say, also unknown or malformed ones (a nested Event is not text)
    for event in ("VIEW", "SCAN", "LOCATION", "TEMPLATESENDJOBFINISH", "something_new"):
        quiet = to_inbound(_fields(MsgType="event", Event=event, EventKey="k"))
        assert (quiet.text, quiet.reply, quiet.unsubscribe) == (None, None, False)
    nested = to_inbound(_fields(MsgType="event", Event={"a": "b"}))
    assert (nested.text, nested.reply, nested.key) == (None, None, "evt:o1:1700000000:")
    # an unknown menu key reaches no one; the type's case does not matter; markup survives as text
    assert to_inbound(_fields(MsgType="event", Event="click", EventKey="NOPE")).text is None
    assert to_inbound(_fields(MsgType="TEXT", Content="a<b & c>d ]]>", MsgId="23")).text == "a<b & c>d ]]>"
    assert to_inbound(_fields(MsgType="text", Content={"#text": "x", "@a": "1"}, MsgId="24")).reply == texts.UNSUPPORTED
    assert to_inbound(_fields(MsgType="text", Content="   ", MsgId="25")).reply == texts.UNSUPPORTED
    no_label = to_inbound(_fields(MsgType="location", Location_X="33.8", Location_Y="109.9", MsgId="26"))
    assert no_label.text == "我的位置是纬度33.8，经度109.9" and no_label.metadata["location"]["label"] == ""
    img = to_inbound(_fields(MsgType="image", MediaId="m-1", MsgId="27"))
    assert img.evidence == {"type": "image", "media_id": "m-1", "pic_url": "", "msg_id": "27",
                            "create_time": "1700000000"}


# -- replies
def test_split_on_sentence_boundaries_within_limit():
    text = "第一句话比较长一些。" * 30 + "最后一句！"
    parts = split_text(text, 200)
    assert len(parts) > 1 and "".join(parts) == text
    assert all(len(p.encode()) <= 200 for p in parts)
    assert all(p.endswith(("。", "！")) for p in parts)


def test_split_cuts_an_overlong_sentence():
    parts = split_text("很" * 500, 100)
    assert all(len(p.encode()) <= 100 for p in parts) and "".join(parts) == "很" * 500


def test_buttons_become_numbered_options():
    r = render([{"recipient_id": "o", "text": "办理完成后需要承办单位回复您吗？",
                 "buttons": [{"title": "需要回复", "payload": "/affirm"}, {"title": "不用回复", "payload": "/deny"}]}], 2000)
    assert r.texts == ["办理完成后需要承办单位回复您吗？\n请回复数字选择：\n1. 需要回复\n2. 不用回复"]
    assert choose_option("2", r.options) == "/deny"
    assert choose_option("１", r.options) == "/affirm"
    assert choose_option("需要回复", r.options) == "/affirm"
    assert choose_option("13891400001", r.options) is None
    assert choose_option("3", r.options) is None


# -- stores
async def _exercise(stores: Stores):
    assert await stores.claim("msg:1") and not await stores.claim("msg:1")
    await stores.save_options("o", [("需要回复", "/affirm")])
    assert await stores.options("o") == [("需要回复", "/affirm")]
    await stores.save_options("o", [])
    assert await stores.options("o") == []
    await stores.add_evidence("o", {"media_id": "m1"})
    assert await stores.evidence("o") == [{"media_id": "m1"}]
    await stores.record_undelivered("o", "您的工单编号", 45015, "out of window")
    assert (await stores.undelivered())[0]["errcode"] == 45015


async def test_memory_stores():
    await _exercise(Stores(MemoryBackend(), "t"))


async def test_redis_stores_and_dedupe_across_workers():
    prefix = f"test:wechat:{uuid.uuid4().hex[:8]}"
    a, b = Stores(RedisBackend("redis://127.0.0.1:6379/0"), prefix), Stores(RedisBackend("redis://127.0.0.1:6379/0"), prefix)
    try:
        await _exercise(a)
        assert await a.claim("msg:2") and not await b.claim("msg:2")
    finally:
        import redis
        r = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = r.keys(prefix + "*")
        if keys:
            r.delete(*keys)
        await a.backend.close()
        await b.backend.close()


# -- token stores
def _slow_fetch(counter):
    def fetch():
        import time
        counter.append(1)
        time.sleep(0.05)
        return f"tok{len(counter)}", 7200
    return fetch


def test_memory_token_store_fetches_once_under_concurrency():
    store, calls = MemoryTokenStore(), []
    threads = [threading.Thread(target=store.get, args=(_slow_fetch(calls),)) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(calls) == 1 and store.get(_slow_fetch(calls)) == "tok1"
    store.invalidate("tok1")
    assert store.get(_slow_fetch(calls)) == "tok2"


def test_redis_token_store_shared_by_workers_and_refreshed_once():
    key = f"test:wechat:{uuid.uuid4().hex[:8]}:token"
    workers = [RedisTokenStore("redis://127.0.0.1:6379/0", key) for _ in range(4)]
    calls, results = [], []
    threads = [threading.Thread(target=lambda w=w: results.append(w.get(_slow_fetch(calls)))) for w in workers]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(calls) == 1 and set(results) == {"tok1"}
    workers[1].invalidate("stale-token")  # someone else's stale token does not drop the fresh one
    assert workers[2].get(_slow_fetch(calls)) == "tok1"
    workers[1].invalidate("tok1")
    assert workers[3].get(_slow_fetch(calls)) == "tok2"
    workers[0]._redis.delete(key)

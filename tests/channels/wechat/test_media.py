"""Image messages: the media is fetched from the (fake) WeChat API, uploaded to the real
order gateway, and travels to the bot once, in the metadata of the citizen's next message."""
from __future__ import annotations

import logging
import secrets

import httpx
import pytest

from channels.wechat import texts
from tests.channels.wechat.test_endpoint import Bot, Sim, make_endpoint
from tests.channels.wechat.wechat_peers import FakeWeChatApi
from tests.support import processes

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    token = secrets.token_hex(16)
    proc = processes.start_gateway(f"sqlite:///{tmp_path_factory.mktemp('gw')}/gateway.db", token)
    proc.env["token"] = token
    yield proc
    proc.stop()


@pytest.fixture
def api():
    fake = FakeWeChatApi()
    yield fake
    fake.close()


@pytest.fixture
def sim():
    return Sim()


def endpoint(api, gateway, **kw):
    return make_endpoint(api, gateway_url=gateway.url, gateway_token=gateway.env["token"], **kw)


def image(sim, openid: str, media_id: str) -> str:
    return sim.xml(openid, "image", PicUrl="http://127.0.0.1/p.jpg", MediaId=media_id)


def download(gateway, attachment_id: str, sender_id: str) -> httpx.Response:
    # the bot token may not download: read the metadata (only by the citizen's sender id), and the
    # bytes through the order later
    return httpx.get(f"{gateway.url}/api/v1/attachments/{attachment_id}", params={"sender_id": sender_id},
                     headers={"Authorization": f"Bearer {gateway.env['token']}"})


async def test_image_is_uploaded_and_goes_with_the_next_message_once(api, gateway, sim):
    api.media["media-1"] = JPEG
    ep, bot = endpoint(api, gateway), Bot()
    assert sim.content(await ep.handle_post(*sim.aes(image(sim, "o-img", "media-1")), bot)) == texts.IMAGE_RECEIVED
    assert bot.received == []  # the image itself does not reach the bot
    await ep.handle_post(*sim.aes(sim.text("o-img", "我们小区的垃圾好几天没人清理了")), bot)
    attachments = bot.metadata[-1]["attachments"]
    assert len(attachments) == 1 and attachments[0]["content_type"] == "image/jpeg"
    assert attachments[0]["filename"] == "media-1.jpg"
    stored = download(gateway, attachments[0]["id"], "o-img").json()
    assert stored["size"] == len(JPEG)
    # the media id stays in the evidence store as well; the attachment goes with one message only
    assert bot.metadata[-1]["evidence"][0]["media_id"] == "media-1"
    await ep.handle_post(*sim.aes(sim.text("o-img", "商州区")), bot)
    assert "attachments" not in bot.metadata[-1]


async def test_retried_image_message_uploads_once(api, gateway, sim):
    api.media["media-2"] = JPEG
    ep, bot = endpoint(api, gateway), Bot()
    xml = image(sim, "o-retry", "media-2")
    for _ in range(3):
        await ep.handle_post(*sim.aes(xml), bot)
    assert api.media_fetches == 1
    await ep.handle_post(*sim.aes(sim.text("o-retry", "就是这个问题")), bot)
    assert len(bot.metadata[-1]["attachments"]) == 1


@pytest.mark.parametrize("case", ["expired media", "not an image", "gateway down"])
async def test_failures_keep_the_media_id_and_tell_the_citizen_nothing_wrong(api, gateway, sim, case, caplog):
    kw = {}
    if case == "not an image":
        api.media["media-3"] = b"MZ\x90\x00" + bytes(100)
    elif case == "gateway down":
        api.media["media-3"] = JPEG
        kw = {"gateway_url": f"http://127.0.0.1:{processes.free_port()}"}
    ep = make_endpoint(api, gateway_url=kw.get("gateway_url", gateway.url), gateway_token=gateway.env["token"])
    bot = Bot()
    with caplog.at_level(logging.WARNING, logger="channels.wechat.media"):
        answer = await ep.handle_post(*sim.aes(image(sim, "o-fail", "media-3")), bot)
    assert sim.content(answer) == texts.IMAGE_RECEIVED
    assert any("media-3" in r.getMessage() for r in caplog.records)
    await ep.handle_post(*sim.aes(sim.text("o-fail", "路灯坏了好几天了")), bot)
    assert "attachments" not in bot.metadata[-1]
    assert bot.metadata[-1]["evidence"][0]["media_id"] == "media-3"


async def test_expired_access_token_is_refreshed_for_media(api, gateway, sim):
    api.media["media-4"] = JPEG
    ep, bot = endpoint(api, gateway), Bot()
    ep.sender.client.tokens.get(lambda: ("STALE-TOKEN", 7200))  # a token WeChat no longer accepts
    await ep.handle_post(*sim.aes(image(sim, "o-token", "media-4")), bot)
    await ep.handle_post(*sim.aes(sim.text("o-token", "请看图片")), bot)
    assert len(bot.metadata[-1]["attachments"]) == 1
    assert api.token_fetches == 1


async def test_without_gateway_token_the_image_is_only_kept(api, sim):
    api.media["media-5"] = JPEG
    ep, bot = make_endpoint(api), Bot()  # no GATEWAY_API_TOKEN
    assert sim.content(await ep.handle_post(*sim.aes(image(sim, "o-none", "media-5")), bot)) == texts.IMAGE_RECEIVED
    assert api.media_fetches == 0

"""The channel's one retry policy for calls that carry the access token (`HotlineWeChatClient.with_token`):
customer-service and template messages and media downloads are made once more with a fresh token when
WeChat rejects the token (40001, 40014, 42001), at once and only once; nothing else is retried here."""
from __future__ import annotations

from typing import List

import pytest
from wechatpy.exceptions import WeChatClientException

from channels.wechat.api import TOKEN_ERRORS, HotlineWeChatClient
from channels.wechat.media import MediaUnavailable, download_blocking
from channels.wechat.settings import Settings
from tests.channels.wechat.wechat_peers import APP_ID, APP_SECRET, TOKEN, FakeWeChatApi


class Tokens:
    """A token store with the tokens given: the first until it is dropped, then the next one."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.invalidated: List[str] = []
        self.fetches = 0

    def get(self, fetch) -> str:
        return self.tokens[min(len(self.invalidated), len(self.tokens) - 1)]

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)


class NoToken(Tokens):
    def get(self, fetch) -> str:
        raise WeChatClientException(40013, "invalid appid")


@pytest.fixture
def api():
    fake = FakeWeChatApi()
    yield fake
    fake.close()


def client_for(api: FakeWeChatApi, tokens) -> HotlineWeChatClient:
    return HotlineWeChatClient(Settings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base_url=api.url),
                               token_store=tokens)


def test_a_rejected_token_is_dropped_and_the_call_made_once_more(api):
    tokens, calls = Tokens("old", "new"), []

    def call(token: str) -> str:
        calls.append(token)
        if token == "old":
            raise WeChatClientException(40001, "invalid credential")
        return "done"

    assert client_for(api, tokens).with_token(call) == "done"
    assert calls == ["old", "new"] and tokens.invalidated == ["old"]


@pytest.mark.parametrize("code", sorted(TOKEN_ERRORS))
def test_a_second_rejection_goes_to_the_caller(api, code):
    tokens, calls = Tokens("a", "b", "c"), []

    def call(token: str) -> None:
        calls.append(token)
        raise WeChatClientException(code, "token")

    with pytest.raises(WeChatClientException) as info:
        client_for(api, tokens).with_token(call)
    assert info.value.errcode == code and calls == ["a", "b"] and tokens.invalidated == ["a"]  # "b" stays


@pytest.mark.parametrize("error", [WeChatClientException(45015, "out of window"), WeChatClientException(-1, "busy"),
                                   WeChatClientException(None, None), ConnectionError("down")])
def test_other_errors_are_not_retried(api, error):
    tokens, calls = Tokens("a", "b"), []

    def call(token: str) -> None:
        calls.append(token)
        raise error

    with pytest.raises(type(error)):
        client_for(api, tokens).with_token(call)
    assert calls == ["a"] and tokens.invalidated == []


def test_no_token_at_all_is_not_retried(api):
    calls: List[str] = []
    with pytest.raises(WeChatClientException):
        client_for(api, NoToken()).with_token(calls.append)
    assert calls == []
    delivery = client_for(api, NoToken()).send_text_blocking("o", "一")
    assert (delivery.ok, delivery.errcode, delivery.errmsg) == (False, 40013, "invalid appid")


def test_messages_and_media_against_wechat_that_keeps_rejecting_the_token(api):
    api.current_token = "the-real-one"
    api.media["m-1"] = b"\xff\xd8\xff" + bytes(10)
    client = client_for(api, Tokens("stale-1", "stale-2", "stale-3", "stale-4", "stale-5", "stale-6"))
    text = client.send_text_blocking("o", "一")
    assert (text.ok, text.errcode, text.errmsg) == (False, 40001, "invalid credential")
    template = client.send_template_blocking("o", "tmpl", {"first": {"value": "x"}})
    assert (template.ok, template.errcode) == (False, 40001)
    with pytest.raises(MediaUnavailable, match="errcode 40001: invalid credential"):
        download_blocking(client, "m-1", 1000)
    assert api.media_fetches == 2 and api.sent == [] and api.templates == []
    assert client.tokens.invalidated == ["stale-1", "stale-2", "stale-3"]


def test_media_errors_other_than_the_token_are_not_retried(api):
    client = client_for(api, Tokens("t"))
    api.current_token = "t"
    with pytest.raises(MediaUnavailable, match="errcode 40007: invalid media_id"):
        download_blocking(client, "gone", 1000)
    api.media["big"] = bytes(5000)
    with pytest.raises(MediaUnavailable, match="larger than 1000 bytes"):
        download_blocking(client, "big", 1000)
    assert api.media_fetches == 2 and client.tokens.invalidated == []
    assert download_blocking(client, "big", 10_000).data == bytes(5000)

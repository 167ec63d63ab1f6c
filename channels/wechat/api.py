"""Customer-service messages (客服消息) through wechatpy, against a configurable API base URL."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable, List, Optional, TypeVar

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from channels.wechat.settings import Settings
from channels.wechat.tokens import make_token_store

logger = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid access_token, access_token expired
TOKEN_ATTEMPTS = 2  # the call, then once more with a fresh token; no pause between them
T = TypeVar("T")
# outside the 48-hour window, over the allowance, user unsubscribed / blocked, API not granted …
UNDELIVERABLE = {
    45015: "回复时间超过限制（48小时窗口外）",
    45047: "客服消息下行条数超过上限",
    43004: "需要接收者关注公众号",
    40003: "OpenID 无效",
    48001: "接口未授权",
    45009: "接口调用超过限额",
}


@dataclass
class Delivery:
    ok: bool
    errcode: Optional[int] = None
    errmsg: str = ""


def errcode(exc: WeChatClientException) -> Optional[int]:
    try:
        return int(exc.errcode) if exc.errcode is not None else None
    except (TypeError, ValueError):
        return None


class HotlineWeChatClient(WeChatClient):
    """wechatpy's client with the base URL from settings and our shared token store.

    wechatpy's own retry (`auto_retry`) is off: it refetches through `session` (we keep the
    token in `tokens`, shared by workers under a lock), does not drop the rejected token for
    the other workers and retries without a bound. Every outgoing call that carries the token
    goes through `with_token` instead: the one retry policy of the channel."""

    def __init__(self, settings: Settings, token_store=None) -> None:
        super().__init__(settings.app_id, settings.app_secret, timeout=settings.http_timeout_s, auto_retry=False)
        self.API_BASE_URL = settings.api_base_url
        self.tokens = token_store or make_token_store(settings.redis_url, f"{settings.redis_prefix}:token:{settings.app_id}")
        self.downloads = requests.Session()  # streamed media downloads (wechatpy reads whole bodies)

    def _fetch(self):
        result = self._fetch_access_token(self.API_BASE_URL + "token", {
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        return result["access_token"], int(result.get("expires_in", 7200))

    def fetch_access_token(self):
        token, expires_in = self._fetch()
        return {"access_token": token, "expires_in": expires_in}

    @property
    def access_token(self) -> str:
        return self.tokens.get(self._fetch)

    def with_token(self, call: Callable[[str], T]) -> T:
        """`call(access_token)`; when WeChat rejects the token (TOKEN_ERRORS, raised as
        WeChatClientException) it is dropped from the shared store and the call made once more
        with a fresh one. Every other error, and a second rejection, goes to the caller; so does
        a failure to get a token at all (nothing to retry with)."""
        for attempt in range(TOKEN_ATTEMPTS):
            token = self.access_token
            try:
                return call(token)
            except WeChatClientException as exc:
                if errcode(exc) not in TOKEN_ERRORS or attempt + 1 == TOKEN_ATTEMPTS:
                    raise
                self.tokens.invalidate(token)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _deliver(self, call: Callable[[str], object]) -> Delivery:
        try:
            self.with_token(call)
            return Delivery(True)
        except WeChatClientException as exc:
            code = errcode(exc)
            return Delivery(False, code, UNDELIVERABLE.get(code or 0, str(exc.errmsg or exc)))
        except Exception as exc:  # network errors, lock timeouts
            return Delivery(False, None, f"{type(exc).__name__}: {exc}")

    def send_text_blocking(self, openid: str, text: str) -> Delivery:
        # wechatpy puts `self.access_token` (the token `with_token` handed over) on the request
        return self._deliver(lambda _token: self.message.send_text(openid, text))

    def send_template_blocking(self, openid: str, template_id: str, data: dict, url: str = "") -> Delivery:
        """A template message (模板消息), for results outside the 48-hour customer-service window."""
        return self._deliver(lambda _token: self.message.send_template(openid, template_id, data, url=url or None))


class CustomerServiceSender:
    """Sends texts to one citizen in order, off the event loop; records failures."""

    def __init__(self, settings: Settings, stores, client: Optional[HotlineWeChatClient] = None) -> None:
        self.settings = settings
        self.stores = stores
        self.client = client or (HotlineWeChatClient(settings) if settings.can_send else None)

    async def send_template(self, openid: str, data: dict) -> Delivery:
        if self.client is None or not self.settings.result_template_id:
            return Delivery(False, None, "no template configured")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.client.send_template_blocking, openid,
                                          self.settings.result_template_id, data, self.settings.result_template_url)

    async def send(self, openid: str, texts: List[str], record: bool = True) -> List[Delivery]:
        results: List[Delivery] = []
        loop = asyncio.get_running_loop()
        for i, text in enumerate(texts):
            if self.client is None:
                result = Delivery(False, None, "WECHAT_APP_ID / WECHAT_APP_SECRET not set")
            else:
                result = await loop.run_in_executor(None, self.client.send_text_blocking, openid, text)
            results.append(result)
            if not result.ok:
                if not record:
                    break
                # the rest would fail the same way: keep all of it for the agents
                for rest in texts[i:]:
                    await self.stores.record_undelivered(openid, rest, result.errcode, result.errmsg)
                break
        return results

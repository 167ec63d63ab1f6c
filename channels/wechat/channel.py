"""The Rasa input and output channel for a WeChat official account (微信公众号).

credentials.yml:

    channels.wechat.WeChatInput:
      # optional, non-secret tuning; secrets come from WECHAT_* environment variables
      reply_budget_s: 4.0

Endpoint: GET/POST /webhooks/wechat/webhook (give this URL to WeChat as 服务器地址).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common.collector import make_ask_bot
from channels.outcome import notification_of, report
from channels.wechat.api import UNDELIVERABLE, CustomerServiceSender
from channels.wechat.handler import Answer, WeChatEndpoint
from channels.wechat.replies import render
from channels.wechat.settings import Settings
from vocabulary.channels import WECHAT

logger = logging.getLogger(__name__)

RESULT_ATTEMPTS = 3  # a result's customer-service message, on transient errors (-1 system busy, network)
RESULT_RETRY_S = 0.5


class WeChatOutput(OutputChannel):
    """Sends bot messages outside a request (reminders, external events) as customer-service messages."""

    @classmethod
    def name(cls) -> Text:
        return WECHAT

    def __init__(self, sender: CustomerServiceSender, text_limit_bytes: int) -> None:
        self.sender = sender
        self.text_limit_bytes = text_limit_bytes
        self.gateway_url = sender.settings.gateway_url
        self.gateway_token = sender.settings.gateway_token

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = render([message], self.text_limit_bytes)
        await self.sender.stores.save_options(recipient_id, rendered.options)
        notification = notification_of(message)
        if notification is not None:
            await self._send_result(recipient_id, rendered.texts, message, notification)
        elif rendered.texts:
            await self.sender.send(recipient_id, rendered.texts)

    async def _send_result(self, openid: str, texts: List[str], message: Dict[str, Any], notification: str) -> None:
        """A result (issue 14): customer-service message; outside the 48-hour window the template
        message if configured; otherwise undelivered (the console lists it for 电话回访)."""
        results: List[Any] = []
        remaining = list(texts)
        for attempt in range(RESULT_ATTEMPTS):
            batch = await self.sender.send(openid, remaining, record=False)
            results += [r for r in batch if r.ok]
            failed = next((r for r in batch if not r.ok), None)
            if failed is None:
                break
            results.append(failed)
            remaining = remaining[len([r for r in batch if r.ok]):]
            if failed.errcode in UNDELIVERABLE or attempt == RESULT_ATTEMPTS - 1:
                break  # the window, the allowance, an unfollowed account: retrying changes nothing
            results.pop()
            await asyncio.sleep(RESULT_RETRY_S * (attempt + 1))  # system busy (-1), a network error: try again
        if results and all(r.ok for r in results):
            await report(notification, "delivered", gateway_url=self.gateway_url, token=self.gateway_token)
            return
        failed = next(r for r in results if not r.ok) if results else None
        reason = f"{failed.errcode or ''} {failed.errmsg}".strip() if failed else "nothing to send"
        parts = message.get("result") if isinstance(message.get("result"), dict) else {}
        template = await self.sender.send_template(openid, template_data(message.get("order_no"), parts))
        if template.ok:
            await report(notification, "template", reason, gateway_url=self.gateway_url, token=self.gateway_token)
            return
        for text in texts:
            await self.sender.stores.record_undelivered(openid, text, failed.errcode if failed else None, reason)
        await report(notification, "undelivered", reason, gateway_url=self.gateway_url, token=self.gateway_token)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


def template_data(order_no: Any, parts: Dict[str, Any]) -> Dict[str, Dict[str, str]]:
    """The result template's fields (docs/wechat.md): first, keyword1–4, remark."""
    def value(text: Any, limit: int = 200) -> Dict[str, str]:
        text = str(text or "")
        return {"value": text if len(text) <= limit else text[: limit - 1] + "…"}

    return {
        "first": value("您反映的问题已办理完毕"),
        "keyword1": value(order_no),
        "keyword2": value(parts.get("unit")),
        "keyword3": value(parts.get("result")),
        "keyword4": value(parts.get("date")),
        "remark": value("请在公众号回复“满意”“基本满意”或“不满意”进行评价。"),
    }


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return WECHAT

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        settings = Settings.from_env().with_overrides(credentials)
        if not settings.enabled:
            logger.warning("WeChat channel mounted but disabled: WECHAT_TOKEN is not set (endpoint answers 503)")
        elif not settings.can_send:
            logger.warning("WECHAT_APP_ID / WECHAT_APP_SECRET not set: only passive replies can reach citizens")
        return cls(settings)

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.from_env()
        self._endpoint: Optional[WeChatEndpoint] = None

    @property
    def endpoint(self) -> WeChatEndpoint:
        # created lazily, inside Sanic's event loop (the Redis client binds to it)
        if self._endpoint is None:
            self._endpoint = WeChatEndpoint(self.settings)
        return self._endpoint

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.endpoint.sender, self.settings.text_limit_bytes)

    @staticmethod
    def _answer(answer: Answer) -> HTTPResponse:
        return response.text(answer.body, status=answer.status, content_type=answer.content_type)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat_webhook = Blueprint(f"wechat_webhook_{id(self)}", __name__)

        ask_bot = make_ask_bot(self.name(), on_new_message)

        @wechat_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "disabled"})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._answer(self.endpoint.handle_get(_query(request)))

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                length = int(request.headers.get("content-length") or 0)
            except ValueError:
                length = 0
            answer = await self.endpoint.handle_post(_query(request), request.body or b"", ask_bot, length)
            return self._answer(answer)

        return wechat_webhook


def _query(request: Request) -> Dict[str, str]:
    return {k: v[0] for k, v in request.args.items() if v}

"""The Rasa input and output channel for email: `channels.email.EmailInput` in credentials.yml.

The worker (`python -m channels.email`) reads the mailbox and posts each parsed mail to
POST /webhooks/email/receive (Authorization: Bearer $EMAIL_CHANNEL_TOKEN). This channel
lets the bot answer it and sends the threaded reply over SMTP; `get_output_channel()`
sends an agent's message (human takeover) as a reply to the thread's latest mail.
Without EMAIL_CHANNEL_TOKEN the endpoint answers 503 and Rasa runs as usual.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common.collector import make_ask_bot
from channels.email.handler import MailHandler, validate_payload
from channels.email.settings import Settings
from channels.email.store import make_store
from channels.outcome import notification_of, report
from vocabulary.channels import EMAIL

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # parsed text and attachment ids only; the bytes go to the gateway


class EmailOutput(OutputChannel):
    """Messages outside a citizen's turn (an agent's reply) as threaded SMTP replies."""

    @classmethod
    def name(cls) -> Text:
        return EMAIL

    def __init__(self, handler: MailHandler) -> None:
        self.handler = handler

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        sent = await self.handler.send_to_thread(recipient_id, [message])
        notification = notification_of(message)
        if notification is not None:  # a result (issue 14): a reply in the order's thread
            settings = self.handler.settings
            await report(notification, "delivered" if sent else "undelivered",
                         None if sent else "邮件回复未能发出", gateway_url=settings.gateway_url,
                         token=settings.gateway_token)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.handler.send_to_thread(recipient_id, [{"text": text}])


class EmailInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return EMAIL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "EmailInput":
        settings = Settings.from_env()
        if not settings.channel_token:
            logger.warning("Email channel mounted but disabled: EMAIL_CHANNEL_TOKEN is not set (endpoint answers 503)")
        elif not settings.can_send:
            logger.warning("EMAIL_SMTP_HOST / EMAIL_ADDRESS not set: the email channel cannot send replies")
        return cls(settings)

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.from_env()
        self._handler: Optional[MailHandler] = None

    @property
    def handler(self) -> MailHandler:
        # created lazily, inside Sanic's event loop (a Redis client binds to it)
        if self._handler is None:
            self._handler = MailHandler(self.settings, make_store(self.settings))
        return self._handler

    def get_output_channel(self) -> Optional[OutputChannel]:
        return EmailOutput(self.handler)

    def _authorised(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {self.settings.channel_token}"
        return bool(self.settings.channel_token) and hmac.compare_digest(given.encode(), expected.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        email_webhook = Blueprint(f"email_webhook_{id(self)}", __name__)

        # the bot's answers are collected under the name "email": the email variants of the responses
        ask_bot = make_ask_bot(self.name(), on_new_message)

        @email_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.channel_token else "disabled"})

        @email_webhook.route("/receive", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.settings.channel_token:
                return response.json({"status": "disabled", "detail": "邮件渠道未启用（EMAIL_CHANNEL_TOKEN 未设置）"}, status=503)
            if not self._authorised(request):
                return response.json({"status": "forbidden"}, status=401)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"status": "invalid", "detail": "body too large"}, status=413)
            try:
                data = request.json
            except Exception:
                data = None
            problem = validate_payload(data)
            if problem:
                return response.json({"status": "invalid", "detail": problem}, status=422)
            # shielded: when the worker goes away mid-request (a crash), Sanic cancels this handler,
            # but the mail is still answered and recorded; the restarted worker then finds it done
            handling = asyncio.ensure_future(self.handler.handle(data, ask_bot))
            outcome = await asyncio.shield(handling)
            return response.json(outcome.as_json(), status=outcome.http_status)

        return email_webhook

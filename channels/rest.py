"""The REST channel for trusted callers only (tests, benchmarks, an operator's tools).

credentials.yml:

    channels.rest.TrustedRestInput:

    POST /webhooks/rest/webhook
    Authorization: Bearer $REST_CHANNEL_TOKEN
    {"sender": "rest-<id>", "message": "..."}

Shaped like Rasa's rasa/core/channels/rest.py (same path, same answer: the bot's
messages as a JSON list), with what the built-in one lacks:

- a token (REST_CHANNEL_TOKEN, compared in constant time); without it the endpoint
  answers 503 and the channel stays shut;
- its own namespace of sender ids: only ``rest-…`` senders are taken, so a REST caller
  can never speak as a WeChat openid, a web chat sender or an email thread;
- the guard (channels/guard.py) on every text, like the other channels: no "/restart",
  only button payloads the bot offers;
- the input channel is always "rest" and the caller's metadata is not passed on.

It is never exposed by the reverse proxy (deploy/nginx.conf.template).
"""
from __future__ import annotations

import hmac
import logging
import os
import re
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import MAX_TEXT_CHARS, citizen_message
from vocabulary.channels import REST

logger = logging.getLogger(__name__)

TOKEN_ENV = "REST_CHANNEL_TOKEN"
SENDER_PREFIX = "rest-"
_SENDER = re.compile(r"^rest-[A-Za-z0-9._:-]{1,96}$")


def valid_sender(value: Any) -> bool:
    return isinstance(value, str) and _SENDER.fullmatch(value) is not None


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(expected: str, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


class TrustedRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return REST

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TrustedRestInput":
        return cls(os.environ.get(TOKEN_ENV, "").strip())

    def __init__(self, token: str = "") -> None:
        self.token = token
        if not token:
            logger.warning("rest channel: %s is not set, /webhooks/rest/webhook answers 503", TOKEN_ENV)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("trusted_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.token else "disabled"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.token:
                return response.json({"error": "disabled"}, status=503)
            if not token_matches(self.token, bearer_token(request)):
                return response.json({"error": "unauthorized"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="rest"'})
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "malformed"}, status=400)
            sender, text = body.get("sender"), body.get("message")
            if not valid_sender(sender):
                return response.json({"error": "bad_sender",
                                      "message": f"sender must match {_SENDER.pattern}"}, status=400)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
                return response.json({"error": "bad_message"}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(citizen_message(text, is_payload=text.lstrip().startswith("/")), collector,
                                  sender, input_channel=self.name())
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("rest channel: the bot timed out on a message")
            except Exception:
                logger.exception("rest channel: the bot failed on a message")
            return response.json(collector.messages)

        return webhook

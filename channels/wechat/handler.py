"""The channel's request handling, independent of the web framework (Sanic adapts it).

`handle_get` answers WeChat's URL check; `handle_post` checks, opens and dedupes a
message, passes it to the bot and answers passively when the bot is done within the
reply budget, or with `success` at once and a customer-service message later."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Set

from wechatpy.replies import TextReply
from wechatpy.utils import random_string

from channels.common.collector import AskBot
from channels.guard import citizen_message
from channels.wechat import texts
from channels.wechat.api import CustomerServiceSender
from channels.wechat.inbound import Inbound, MalformedMessage, to_inbound
from channels.wechat.masking import mask, mask_key
from channels.wechat.media import MediaKeeper
from channels.wechat.replies import choose_option, render
from channels.wechat.security import RequestRejected, check_signature, check_timestamp, decode_request, encrypt_reply
from channels.wechat.settings import Settings
from channels.wechat.stores import NonceCache, Stores, make_backend

logger = logging.getLogger(__name__)


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


SUCCESS = Answer(200, "success")


class WeChatEndpoint:
    def __init__(self, settings: Settings, stores: Optional[Stores] = None,
                 sender: Optional[CustomerServiceSender] = None) -> None:
        self.settings = settings
        self.stores = stores or Stores(make_backend(settings.redis_url), settings.redis_prefix,
                                       settings.dedupe_ttl_s, settings.options_ttl_s, settings.evidence_ttl_s)
        self.sender = sender or CustomerServiceSender(settings, self.stores)
        self.nonces = NonceCache(self.stores.backend, self.stores.prefix, settings.timestamp_window_s)
        self.media = MediaKeeper(settings, self.sender.client)
        self._background: Set[asyncio.Task] = set()
        self.stats = {"passive": 0, "async": 0, "duplicate": 0, "rejected": 0}
        if settings.enabled and not settings.requires_encryption:
            logger.warning("WeChat channel in plaintext mode (no WECHAT_ENCODING_AES_KEY): signatures do not cover "
                           "the message; use safe mode (安全模式) in production")

    # -- GET: URL verification
    def handle_get(self, query: Mapping[str, str]) -> Answer:
        if not self.settings.enabled:
            return Answer(503, texts.DISABLED)
        try:
            check_signature(self.settings.token, query.get("signature"), query.get("timestamp"), query.get("nonce"))
            check_timestamp(query.get("timestamp"), self.settings.timestamp_window_s)
        except RequestRejected as exc:
            logger.info("WeChat URL check rejected: %s %s", exc.status, exc.reason)
            return Answer(exc.status, exc.reason)
        return Answer(200, query.get("echostr", ""))

    # -- POST: a message or event
    async def handle_post(self, query: Mapping[str, str], body: bytes, ask_bot: AskBot,
                          content_length: Optional[int] = None) -> Answer:
        if not self.settings.enabled:
            return Answer(503, texts.DISABLED)
        if (content_length or 0) > self.settings.max_body_bytes or len(body) > self.settings.max_body_bytes:
            self.stats["rejected"] += 1
            logger.info("WeChat request rejected: 413 body of %s bytes", max(content_length or 0, len(body)))
            return Answer(413, "body too large")
        try:
            fields, encrypted = decode_request(self.settings, query, body)
            inbound = to_inbound(fields)
            # authentic and fresh: now the nonce, once (a replay within the window is refused)
            if not await self.nonces.claim(int(query["timestamp"]), query["nonce"]):
                if encrypted and await self.stores.reply_for(inbound.key) is None:
                    # the body is authentic: should this be WeChat retrying with the same nonce while the
                    # first delivery is still in progress, that answer goes as a customer-service message
                    await self.stores.mark_late(inbound.key)
                raise RequestRejected(409, "replayed request: this timestamp and nonce were used before")
        except RequestRejected as exc:
            self.stats["rejected"] += 1
            logger.info("WeChat request rejected: %s %s", exc.status, exc.reason)
            return Answer(exc.status, exc.reason)
        except MalformedMessage as exc:
            self.stats["rejected"] += 1
            return Answer(400, str(exc))

        if not await self.stores.claim(inbound.key):
            self.stats["duplicate"] += 1
            stored = await self.stores.reply_for(inbound.key)
            if stored is not None:
                logger.info("WeChat retry of %s: the stored answer again, not processed", mask_key(inbound.key))
                return self._passive(inbound, stored, encrypted, query)
            await self.stores.mark_late(inbound.key)
            logger.info("WeChat retry of %s while in progress: answer will go as a customer-service message",
                        mask_key(inbound.key))
            return SUCCESS

        reply_texts = await self._process(inbound, ask_bot)
        if not reply_texts:
            return SUCCESS
        if await self.stores.is_late(inbound.key):
            # WeChat retried meanwhile and no longer waits for this request
            self._keep(asyncio.create_task(self.sender.send(inbound.sender, reply_texts)))
            return SUCCESS
        await self.stores.save_reply(inbound.key, reply_texts[0])
        if len(reply_texts) > 1:  # a long answer: the rest as customer-service messages
            self._keep(asyncio.create_task(self.sender.send(inbound.sender, reply_texts[1:])))
        return self._passive(inbound, reply_texts[0], encrypted, query)

    def _passive(self, inbound: Inbound, text: str, encrypted: bool, query: Mapping[str, str]) -> Answer:
        xml = TextReply(source=inbound.account, target=inbound.sender, content=text, time=int(time.time())).render()
        if encrypted:
            xml = encrypt_reply(self.settings, xml, query.get("nonce") or random_string(16), str(int(time.time())))
        return Answer(200, xml, "application/xml; charset=utf-8")

    async def _process(self, inbound: Inbound, ask_bot: AskBot) -> List[str]:
        """The texts to answer with now ([] when the answer will come later or not at all)."""
        if inbound.unsubscribe:
            await self.stores.save_options(inbound.sender, [])
            return []
        if inbound.evidence:
            await self.stores.add_evidence(inbound.sender, inbound.evidence)
            await self._keep_image(inbound.sender, inbound.evidence.get("media_id", ""))
        if inbound.text is None:
            return [inbound.reply] if inbound.reply else []

        options = await self.stores.options(inbound.sender)
        chosen = choose_option(inbound.text, options) if options and not inbound.payload else None
        if inbound.payload:
            text = inbound.payload  # built by the channel, not typed
        elif chosen:
            text = citizen_message(chosen, is_payload=True)  # a numbered option: the button's payload
        else:
            text = citizen_message(inbound.text)  # typed text never becomes a Rasa command
        if not text:
            return [texts.UNSUPPORTED]
        metadata = dict(inbound.metadata, wechat_key=inbound.key, wechat_msg_type=inbound.msg_type)
        evidence = await self.stores.evidence(inbound.sender)
        if evidence:
            metadata["evidence"] = evidence[-9:]  # the latest images; all of them stay in the store
        attachments = await self.stores.take_pending_attachments(inbound.sender)
        if attachments:  # uploaded to the gateway; the bot links them to the order
            metadata["attachments"] = attachments

        task = asyncio.create_task(self._ask(inbound.sender, text, metadata, ask_bot))
        try:
            rendered = await asyncio.wait_for(asyncio.shield(task), timeout=self.settings.reply_budget_s)
        except asyncio.TimeoutError:
            self.stats["async"] += 1
            self._keep(asyncio.create_task(self._deliver_later(inbound.sender, task)))
            return []
        except Exception:
            logger.exception("the bot failed on a WeChat message of %s", mask(inbound.sender))
            return [texts.BOT_FAILED]
        self.stats["passive"] += 1
        return rendered

    async def _keep_image(self, sender: str, media_id: str) -> None:
        """Downloads the image and uploads it to the gateway within the reply budget; a slower
        transfer goes on in the background and the attachment joins a later message."""
        task = asyncio.create_task(self._upload_image(sender, media_id))
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=self.settings.reply_budget_s)
        except asyncio.TimeoutError:
            self._keep(task)

    async def _upload_image(self, sender: str, media_id: str) -> None:
        attachment = await self.media.keep(sender, media_id)
        if attachment is not None:
            await self.stores.add_pending_attachment(sender, attachment)

    async def _ask(self, sender: str, text: str, metadata: Dict[str, Any], ask_bot: AskBot) -> List[str]:
        messages = await ask_bot(sender, text, metadata)
        result = render(messages, self.settings.text_limit_bytes)
        await self.stores.save_options(sender, result.options)
        return result.texts

    async def _deliver_later(self, sender: str, task: "asyncio.Task[List[str]]") -> None:
        try:
            rendered = await task
        except Exception:
            logger.exception("the bot failed on a WeChat message of %s", mask(sender))
            return
        if rendered:
            await self.sender.send(sender, rendered)

    def _keep(self, task: asyncio.Task) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Waits for background deliveries (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

"""What the Rasa server does with one parsed mail the worker hands over: claim it in the
store (idempotent on Message-ID), let the bot answer it, compose the threaded reply,
keep it, send it, mark the mail done. Also sends an agent's message into a thread."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from email import message_from_string, policy
from typing import Any, Dict, List, Optional

from channels.common.collector import AskBot
from channels.email import store as st
from channels.email.compose import compose_reply, new_message_id, render_messages
from channels.email.settings import Settings
from channels.email.transport import send_mail
from channels.guard import citizen_message

logger = logging.getLogger(__name__)

MAX_BOT_TEXT_CHARS = 4000  # the form explains anything over 2000 characters; NLU need not read a book
EMPTY_MAIL_REPLY = "您好，这封邮件没有正文内容。请在邮件正文里写明要咨询或反映的事情：什么事、在哪里、希望怎么解决。"


@dataclass
class Outcome:
    status: str  # done / duplicate / ignored / busy / failed
    http_status: int = 200
    replied: bool = False
    detail: str = ""

    def as_json(self) -> Dict[str, Any]:
        return {"status": self.status, "replied": self.replied, "detail": self.detail}


def _reply_target(mail: Dict[str, Any]) -> Dict[str, Any]:
    """What a reply to this mail needs (kept per sender_id as the thread's latest mail)."""
    refs = [r for r in mail.get("references") or [] if isinstance(r, str)]
    return {
        "message_id": mail["message_id"],
        "references": refs,
        "to_address": mail.get("reply_to") or mail["from_address"],
        "to_name": mail.get("from_name") or "",
        "subject": mail.get("subject") or "",
        "thread_id": mail.get("thread_id") or "",
    }


class MailHandler:
    def __init__(self, settings: Settings, store: Any) -> None:
        self.settings = settings
        self.store = store

    async def handle(self, mail: Dict[str, Any], ask_bot: AskBot) -> Outcome:
        message_id = mail["message_id"]
        outcome, record = await self.store.claim(message_id, self.settings.lease_s)
        if outcome in (st.DONE, st.IGNORED):
            return Outcome("duplicate", detail=f"already {outcome}")
        if outcome == st.BUSY:
            return Outcome("busy", http_status=202, detail="being handled")
        if outcome == st.ANSWERED and record.get("reply"):
            return await self._send_kept(message_id, record["reply"])

        sender_id = mail["sender_id"]
        target = await self._thread_target(sender_id, mail)
        if mail.get("thread_id"):
            await self.store.link(message_id, mail["thread_id"])
        text = citizen_message((mail.get("text") or "")[:MAX_BOT_TEXT_CHARS])
        notices = [n for n in mail.get("notices") or [] if isinstance(n, str)]
        if mail.get("refusal"):
            # refused before it was read (too large): the notices are the whole answer, the bot never sees it
            messages: List[Dict[str, Any]] = []
        elif not text and not mail.get("attachments"):
            messages = [{"text": EMPTY_MAIL_REPLY}]
        else:
            if not text:
                text = "我发来了附件：" + "、".join(a.get("filename", "") for a in mail["attachments"])
            metadata = {
                "email": {"message_id": message_id, "thread_id": mail.get("thread_id"), "subject": mail.get("subject")},
                "attachments": [{k: a[k] for k in ("id", "filename", "content_type") if a.get(k)}
                                for a in mail.get("attachments") or [] if isinstance(a, dict) and a.get("id")],
            }
            if mail.get("kept_attachments"):
                metadata["email"]["kept_attachments"] = mail["kept_attachments"]
            try:
                messages = await ask_bot(sender_id, text, metadata)
            except Exception:
                logger.exception("email %s: the bot failed; the mail stays unread and is tried again", message_id)
                await self.store.release(message_id)
                return Outcome("failed", http_status=500, detail="bot failed")
        body = render_messages(([{"text": n} for n in notices]) + list(messages))
        if not body:
            # the conversation is paused for an agent (or the bot had nothing to say): no mail
            await self.store.set_status(message_id, st.DONE, thread_id=mail.get("thread_id"), note="no reply")
            return Outcome("done", replied=False)
        try:
            reply = compose_reply(
                text=body, from_address=self.settings.address, display_name=self.settings.display_name,
                to_address=target["to_address"], to_name=target["to_name"], subject=target["subject"],
                in_reply_to=message_id, references=target["references"],
                message_id=new_message_id(self.settings.own_domain),
            )
        except (ValueError, TypeError, IndexError) as exc:  # an address or header we cannot write to
            logger.error("email %s: no reply possible (%s)", message_id, exc)
            await self.store.set_status(message_id, st.IGNORED, note=f"reply not composable: {exc}")
            return Outcome("done", replied=False, detail="reply not composable")
        await self.store.set_status(message_id, st.ANSWERED, reply=reply.as_string(), thread_id=mail.get("thread_id"))
        if mail.get("thread_id"):
            await self.store.link_ours(reply["Message-ID"], mail["thread_id"])
        return await self._send_kept(message_id, reply.as_string())

    async def _thread_target(self, sender_id: str, mail: Dict[str, Any]) -> Dict[str, Any]:
        """Where this mail's reply goes: the thread's address, fixed by its first mail. A later
        mail threads the reply (Message-ID, References, subject) but never moves the address:
        a changed Reply-To (or a forged From that got into the thread) cannot redirect replies."""
        target = _reply_target(mail)
        previous = await self.store.latest(sender_id)
        if previous and previous.get("to_address"):
            if previous["to_address"] != target["to_address"]:
                logger.warning("email %s: Reply-To/From differs from the thread's address; replies stay where "
                               "they went", mail["message_id"])
            target["to_address"] = previous["to_address"]
            target["to_name"] = previous.get("to_name", "")
        await self.store.save_latest(sender_id, target)
        return target

    async def _send_kept(self, message_id: str, raw: str) -> Outcome:
        reply = message_from_string(raw, policy=policy.default)
        try:
            await send_mail(self.settings, reply)
        except Exception as exc:  # SMTP down: the reply is kept and sent on the next delivery
            logger.error("email %s: reply not sent (%s); kept for the next attempt", message_id, exc)
            await self.store.unlock(message_id)
            return Outcome("failed", http_status=502, detail="smtp failed")
        await self.store.set_status(message_id, st.DONE)
        logger.info("email %s answered with %s", message_id, reply["Message-ID"])
        return Outcome("done", replied=True)

    async def send_to_thread(self, sender_id: str, texts: List[Dict[str, Any]]) -> bool:
        """An agent's (or any out-of-turn) message as a threaded reply to the thread's latest mail."""
        target = await self.store.latest(sender_id)
        if not target:
            logger.error("email: no thread known for %s; message not delivered", sender_id)
            return False
        body = render_messages(texts)
        if not body:
            return True
        reply = compose_reply(
            text=body, from_address=self.settings.address, display_name=self.settings.display_name,
            to_address=target["to_address"], to_name=target.get("to_name", ""), subject=target.get("subject", ""),
            in_reply_to=target["message_id"], references=target.get("references") or [],
            message_id=new_message_id(self.settings.own_domain),
        )
        try:
            await send_mail(self.settings, reply)
        except Exception as exc:
            logger.error("email: message to %s not delivered (%s)", sender_id, exc)
            return False
        if target.get("thread_id"):
            await self.store.link_ours(reply["Message-ID"], target["thread_id"])
        return True


def validate_payload(data: Any) -> Optional[str]:
    """Why a posted mail is unusable, or None."""
    if not isinstance(data, dict):
        return "body must be a JSON object"
    for name in ("message_id", "sender_id", "from_address"):
        if not isinstance(data.get(name), str) or not data[name].strip() or len(data[name]) > 998:
            return f"{name} missing or invalid"
    if not isinstance(data.get("text", ""), str):
        return "text must be a string"
    if "refusal" in data and data["refusal"] not in (None, "oversized"):
        return "refusal must be 'oversized'"
    for name in ("references", "attachments", "notices"):
        if name in data and not isinstance(data[name], list):
            return f"{name} must be a list"
    return None

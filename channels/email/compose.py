"""Our replies: properly threaded (In-Reply-To, References, "Re: " subject), Chinese plain
text with an HTML alternative, a Message-ID of our own, and Auto-Submitted: auto-replied
so other robots do not answer us (RFC 3834)."""
from __future__ import annotations

import html
import re
import secrets
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Dict, Iterable, List, Optional

from channels.email.threads import normalise_subject

FOOTER = (
    "——\n商洛12345政务服务便民热线（智能受理助手）\n"
    "直接回复本邮件即可继续办理，请保留邮件主题。紧急情况请拨打110、119、120、122。"
)
MAX_REFERENCES = 20
_REPLY_PREFIX = re.compile(r"^\s*(re|回复|答复)\s*[:：]", re.IGNORECASE)


def render_messages(messages: Iterable[Dict[str, Any]]) -> str:
    """The bot's messages of one turn as one mail body (buttons become reply hints)."""
    parts: List[str] = []
    for message in messages:
        text = (message.get("text") or "").strip()
        buttons = [b.get("title") for b in message.get("buttons") or [] if b.get("title")]
        if buttons:
            hint = "（可直接回复：" + "、".join(f"“{t}”" for t in buttons) + "）"
            text = f"{text}\n{hint}" if text else hint
        if message.get("image"):
            text = f"{text}\n{message['image']}".strip()
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def reply_subject(subject: str) -> str:
    subject = re.sub(r"[\r\n]+", " ", subject or "").strip()
    if not normalise_subject(subject):
        subject = "您给12345热线的来信"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def _html(text: str) -> str:
    body = "<br>\n".join(html.escape(line) for line in text.split("\n"))
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif;font-size:14px;line-height:1.6">{body}</body></html>'
    )


def new_message_id(own_domain: str) -> str:
    """A Message-ID nobody can guess: naming one of ours is what lets a mail join a thread."""
    return f"<{secrets.token_hex(16)}@{own_domain or 'localhost'}>"


def compose_reply(
    *,
    text: str,
    from_address: str,
    display_name: str,
    to_address: str,
    to_name: str = "",
    subject: str,
    in_reply_to: Optional[str],
    references: Iterable[str] = (),
    message_id: Optional[str] = None,
    with_html: bool = True,
    now: Optional[datetime] = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = Address(display_name=display_name, addr_spec=from_address)
    msg["To"] = Address(display_name=re.sub(r"[\r\n\"]", "", to_name)[:60], addr_spec=to_address)
    msg["Subject"] = reply_subject(subject)
    msg["Date"] = format_datetime(now or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id or new_message_id(from_address.rsplit("@", 1)[-1])
    refs = [r for r in references if r]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        if in_reply_to not in refs:
            refs.append(in_reply_to)
    if refs:
        refs = refs[:1] + refs[1:][-(MAX_REFERENCES - 1):]  # keep the root and the newest
        msg["References"] = " ".join(refs)
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Content-Language"] = "zh-CN"
    body = f"{text.strip()}\n\n{FOOTER}\n"
    msg.set_content(body, subtype="plain", charset="utf-8")
    if with_html:
        msg.add_alternative(_html(body), subtype="html", charset="utf-8")
    return msg

"""A raw RFC 5322 mail into what the channel needs: ids for threading, the sender, the
subject, the citizen's new text (decoded, HTML turned into text, history and signature
cut off) and the attachments."""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import getaddresses, parseaddr
from typing import Dict, List, Optional

from channels.email.decoding import decode_bytes, decode_header_value, html_to_text
from channels.email.quoting import strip_greeting, strip_quoted

_MSGID = re.compile(r"<[^<>\s]+>")
# every declaration of a container part (a folded header too): their number bounds the nesting
# depth, counted on the raw bytes before the recursive parser of the standard library sees them
_CONTAINER = re.compile(rb"(?im)^content-type[ \t]*:\s*(multipart/|message/)")
MAX_CONTAINERS = 100  # far below the ~1,000 levels at which email's parser hits RecursionError
MAX_MIME_DEPTH = 30  # a forwarded mail in a forwarded mail is a handful of levels


class UnparseableMail(ValueError):
    """A mail the channel refuses to parse (nested too deep, or the parser failed on it)."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: List[str]
    references: List[str]
    from_address: str
    from_name: str
    reply_to: str
    subject: str
    text: str  # the new part, ready for the bot
    full_text: str  # the whole body as text (for the record)
    headers: Dict[str, str] = field(default_factory=dict)  # lower-case names, decoded, loop checks
    attachments: List[Attachment] = field(default_factory=list)
    content_type: str = "text/plain"
    notices: List[str] = field(default_factory=list)  # Chinese lines for the reply (e.g. files not kept)
    auth_results: List[str] = field(default_factory=list)  # every Authentication-Results header, top first

    @property
    def answer_to(self) -> str:
        return self.reply_to or self.from_address


def message_ids(value: Optional[str]) -> List[str]:
    """The "<id@host>" tokens of a Message-ID / In-Reply-To / References header."""
    return _MSGID.findall(str(value or ""))


def _synthetic_id(raw: bytes) -> str:
    """Some senders omit Message-ID; the content is stable across re-deliveries of the same mail."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id>"


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)  # undoes quoted-printable and base64
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message, index: int) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _, value = raw
        name = decode_bytes(value.encode("latin-1", "replace"), charset) if charset else value
    else:
        name = decode_header_value(raw) if raw else ""
    name = re.sub(r"[\\/\x00-\x1f]", "_", name).strip() or f"附件{index}"
    return name[:200]


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() in ("image", "application", "audio", "video"):
        return True
    return bool(part.get_param("filename", header="content-disposition"))


def _depth(msg: Message) -> int:
    """The nesting depth of a parsed mail, without recursion."""
    deepest, todo = 0, [(msg, 1)]
    while todo:
        part, depth = todo.pop()
        deepest = max(deepest, depth)
        payload = part.get_payload()
        if isinstance(payload, list):
            todo.extend((p, depth + 1) for p in payload if isinstance(p, Message))
    return deepest


def read_message(raw: bytes) -> Message:
    """The standard library's parse of a mail whose nesting is bounded (UnparseableMail otherwise)."""
    containers = len(_CONTAINER.findall(raw))
    if containers > MAX_CONTAINERS:
        raise UnparseableMail(f"{containers} multipart/message parts (at most {MAX_CONTAINERS})")
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except RecursionError:
        raise UnparseableMail("nested too deep for the parser") from None
    depth = _depth(msg)
    if depth > MAX_MIME_DEPTH:
        raise UnparseableMail(f"MIME parts nested {depth} deep (at most {MAX_MIME_DEPTH})")
    return msg


def parse_headers(raw_header: bytes) -> ParsedMail:
    """Only the header of a mail (fetched alone, e.g. for a mail too large to fetch whole)."""
    return parse_mail(raw_header.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\r\n\r\n")


def parse_mail(raw: bytes) -> ParsedMail:
    msg = read_message(raw)
    headers = {k.lower(): decode_header_value(v) for k, v in msg.items()}
    ids = message_ids(msg.get("Message-ID"))
    message_id = ids[0] if ids else _synthetic_id(raw)
    from_name, from_address = parseaddr(decode_header_value(msg.get("From")))
    reply_to = ""
    reply_pairs = getaddresses([decode_header_value(msg.get("Reply-To"))]) if msg.get("Reply-To") else []
    if reply_pairs and "@" in reply_pairs[0][1]:
        reply_to = reply_pairs[0][1]

    plain: List[str] = []
    html_parts: List[str] = []
    attachments: List[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if _is_attachment(part):
            data = part.get_payload(decode=True) or b""
            attachments.append(Attachment(_filename(part, len(attachments) + 1), ctype, data))
        elif ctype == "text/plain":
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html_parts.append(_part_text(part))
        elif ctype in ("message/delivery-status", "message/rfc822"):
            continue
    if plain:
        body = "\n".join(plain)
    elif html_parts:
        body = "\n".join(html_to_text(h) for h in html_parts)
    else:
        body = ""
    body = body.replace("\r\n", "\n").replace("\xa0", " ")
    return ParsedMail(
        message_id=message_id,
        in_reply_to=message_ids(msg.get("In-Reply-To")),
        references=message_ids(msg.get("References")),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        reply_to=reply_to.strip().lower(),
        subject=decode_header_value(msg.get("Subject")),
        text=strip_greeting(strip_quoted(body)),
        full_text=body.strip(),
        headers=headers,
        attachments=attachments,
        content_type=msg.get_content_type(),
        auth_results=[str(v) for v in msg.get_all("Authentication-Results") or []],
    )

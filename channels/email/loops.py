"""Mail the hotline must not answer: auto-replies, bounces, list mail and its own mail.
Answering them would start mail loops between robots (RFC 3834)."""
from __future__ import annotations

import re
from typing import Optional

from channels.email.parsing import ParsedMail

_ROBOT_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|bounces?|bounces?[-+.].*|.*[-+.]bounces?|no-?reply|do-?not-?reply|"
    r"noreply[-+.].*|listserv|majordomo|auto-?reply|autoresponder)@",
    re.IGNORECASE,
)
_BULK = {"bulk", "junk", "list", "auto_reply", "autoreply"}
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")


def why_not_answered(mail: ParsedMail, own_address: str) -> Optional[str]:
    """The reason this mail gets no answer, or None when it is a citizen's mail."""
    h = mail.headers
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = h.get("precedence", "").strip().lower()
    if precedence in _BULK:
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe", "list-post"):
        if name in h:
            return f"{name} present (list mail)"
    if h.get("x-autoreply") or h.get("x-autorespond") or h.get("x-autoreply-from"):
        return "X-Autoreply present"
    if mail.content_type == "multipart/report" or h.get("x-failed-recipients"):
        return "delivery report (bounce)"
    return_path = h.get("return-path", "").strip()
    if return_path in ("<>", ""):
        if "return-path" in h:
            return "null Return-Path (bounce or auto-reply)"
    address = mail.from_address
    if not address or not _ADDRESS.match(address) or not _ADDRESS.match(mail.answer_to):
        return "no usable sender address"
    if _ROBOT_SENDERS.match(address):
        return f"robot sender {address}"
    if own_address and address == own_address.strip().lower():
        return "our own mail"
    if own_address and mail.answer_to == own_address.strip().lower():
        return "reply-to is our own address"
    return None

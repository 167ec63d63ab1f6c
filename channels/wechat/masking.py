"""What the channel's log lines may say about a citizen: a pseudonym, never the OpenID.

`mask("oAbC…")` is `wx#` and the first 10 hex digits of the id's SHA-256: log lines of one
citizen can still be followed, but the OpenID (which reaches the citizen through the account's
API) is not in them. Message texts and phone numbers are never logged."""
from __future__ import annotations

import hashlib


def mask(openid: str) -> str:
    if not openid:
        return "wx#-"
    return "wx#" + hashlib.sha256(openid.encode("utf-8", "replace")).hexdigest()[:10]


def mask_key(message_key: str) -> str:
    """An exactly-once key for logs: `msg:<MsgId>` as it is, events' `evt:<OpenID>:…` masked."""
    if message_key.startswith("evt:"):
        _, _, rest = message_key.partition(":")
        openid, _, tail = rest.partition(":")
        return f"evt:{mask(openid)}:{tail}"
    return message_key

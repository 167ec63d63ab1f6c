"""Masking of the personal data in an order, its history and its reply text.

An order closed for longer than the policy keeps everything the reports count (type,
category, district, units, dates, deadlines, satisfaction) and loses who the citizen is:
name, phone, address, the channel's sender id, the conversation and its copy, attachment
names, free-text comments; in the texts that stay (the matter, the reply) phone numbers,
ID numbers, email addresses and the citizen's own name and address are replaced by ＊＊＊.
"""

from __future__ import annotations

import re
from typing import Any

from vocabulary import LANDLINE_IN_TEXT, MOBILE_IN_TEXT

MASK = "＊＊＊"
# sender_id "" is the mark of a masked order: the API never accepts an empty sender id
MASKED_SENDER = ""
MASKED_ACTOR = "citizen:"

_IDENTIFIERS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # email address
    r"|(?<!\d)\d{17}[\dXx](?!\d)"  # resident ID number
    rf"|{MOBILE_IN_TEXT}"
    rf"|{LANDLINE_IN_TEXT}",
    re.ASCII,
)

# keys whose value names or reaches the citizen: dropped wherever they occur
DROPPED_KEYS = frozenset({
    "contact_name", "contact_phone", "address", "conversation_id", "source_conversation", "attachments",
    "attachment_ids", "satisfaction_comment", "comment", "idempotency_key",
})


def known_values(*values: str | None) -> list[str]:
    """The order's own personal values worth looking for in its texts (longest first)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= 2}
    return sorted(found, key=len, reverse=True)


def redact(text: str, known: list[str]) -> str:
    for value in known:
        text = text.replace(value, MASK)
    return _IDENTIFIERS.sub(MASK, text)


def mask_json(value: Any, known: list[str]) -> Any:
    if isinstance(value, dict):
        masked: dict[str, Any] = {}
        for key, item in value.items():
            if key in DROPPED_KEYS:
                masked[key] = None
            elif key == "sender_id":
                masked[key] = MASKED_SENDER
            else:
                masked[key] = mask_json(item, known)
        return masked
    if isinstance(value, list):
        return [mask_json(item, known) for item in value]
    if isinstance(value, str):
        return redact(value, known)
    return value


def masked_actor(actor: str) -> str:
    return MASKED_ACTOR if actor.startswith("citizen:") else actor

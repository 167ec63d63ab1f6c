"""One conversation per mail thread.

A mail belongs to the thread of any mail it names in In-Reply-To or References
(the citizen's earlier mails and our replies are all recorded in the store); without
such a link, to the open thread of the same sender with the same normalised subject
("Re: 回复：投诉噪音" → "投诉噪音"); otherwise it starts a thread of its own. The Rasa
sender_id is derived from the thread id, so it is stable for the whole thread."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable, List

_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|antw|回复|答复|回覆|转发|轉寄|转)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*)+", re.IGNORECASE)
_TAG = re.compile(r"^\s*\[(外部邮件|external|外部)\]\s*", re.IGNORECASE)


def normalise_subject(subject: str) -> str:
    s = unicodedata.normalize("NFKC", subject or "")
    while True:
        stripped = _TAG.sub("", _PREFIX.sub("", s))
        if stripped == s:
            break
        s = stripped
    return re.sub(r"\s+", " ", s).strip().lower()


def thread_id_for(message_id: str) -> str:
    return "t" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:24]


def sender_id_for(thread_id: str) -> str:
    return f"email-{thread_id}"


def subject_key(from_address: str, subject: str) -> str:
    return hashlib.sha256(f"{from_address.lower()}\n{normalise_subject(subject)}".encode()).hexdigest()[:32]


def linked_ids(in_reply_to: Iterable[str], references: Iterable[str]) -> List[str]:
    """The mails this one answers, nearest first (In-Reply-To, then References newest first)."""
    out: List[str] = []
    for mid in list(in_reply_to) + list(reversed(list(references))):
        if mid not in out:
            out.append(mid)
    return out

"""Renders the bot's messages for WeChat: texts within the size limit, buttons as numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from channels.wechat import texts

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;…\n])")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(text: str, limit: int) -> List[str]:
    parts, current = [], ""
    for char in text:
        if current and _size(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    if current:
        parts.append(current)
    return parts


def split_text(text: str, limit_bytes: int) -> List[str]:
    """Splits `text` into parts of at most `limit_bytes` UTF-8 bytes, at sentence ends
    where possible (a sentence longer than the limit is cut inside)."""
    text = text.strip()
    if not text:
        return []
    if _size(text) <= limit_bytes:
        return [text]
    parts: List[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        if _size(current + sentence) <= limit_bytes:
            current += sentence
            continue
        if current.strip():
            parts.append(current.strip())
        current = ""
        if _size(sentence) > limit_bytes:
            pieces = _hard_split(sentence, limit_bytes)
            parts.extend(p.strip() for p in pieces[:-1] if p.strip())
            current = pieces[-1]
        else:
            current = sentence
    if current.strip():
        parts.append(current.strip())
    return parts


@dataclass
class Rendered:
    texts: List[str] = field(default_factory=list)  # each within the limit, in order
    # (title, payload) of the last message with buttons; the citizen answers with 1, 2, …
    options: List[Tuple[str, str]] = field(default_factory=list)


def options_block(buttons: Iterable[Dict[str, Any]]) -> Tuple[str, List[Tuple[str, str]]]:
    options = [(str(b.get("title", "")).strip(), str(b.get("payload") or b.get("title") or "")) for b in buttons]
    options = [(t, p) for t, p in options if t]
    lines = [texts.OPTIONS_HINT] + [f"{i}. {title}" for i, (title, _) in enumerate(options, 1)]
    return "\n".join(lines), options


def render(messages: Iterable[Dict[str, Any]], limit_bytes: int) -> Rendered:
    """Bot messages as Rasa's CollectingOutputChannel collects them → WeChat texts.

    Everything is joined into as few texts as the limit allows, so a passive reply
    (one message only) carries as much as possible."""
    blocks: List[str] = []
    options: List[Tuple[str, str]] = []
    for message in messages:
        block = []
        if message.get("text"):
            block.append(str(message["text"]))
        if message.get("image"):
            block.append(str(message["image"]))
        if message.get("attachment"):
            block.append(str(message["attachment"]))
        buttons = message.get("buttons") or (message.get("quick_replies") or [])
        if buttons:
            hint, options = options_block(buttons)
            if options:
                block.append(hint)
        if block:
            blocks.append("\n".join(block))
    joined = "\n\n".join(blocks)
    return Rendered(texts=split_text(joined, limit_bytes), options=options)


def choose_option(text: str, options: List[Tuple[str, str]]) -> Optional[str]:
    """The payload a citizen's answer picks: a digit (全角 too) or the exact title."""
    answer = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).rstrip(".。、")
    if answer.isdigit():
        index = int(answer) - 1
        if 0 <= index < len(options):
            return options[index][1]
        return None
    for title, payload in options:
        if answer == title:
            return payload
    return None

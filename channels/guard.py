"""What every channel does to a citizen's text before Rasa sees it.

Rasa reads a message that starts with "/" as an intent given by hand ("/restart",
"/session_start", "/inform{...}"). A citizen must not be able to steer the bot that way:
a typed "/restart" would even wake a conversation an agent holds (Rasa handles a restart
while paused). Typed text therefore never starts with an ASCII slash, and a button
payload is passed on only when it names an intent the bot offers in buttons.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Optional

# The intents our buttons send (bot/domain/responses.yml and the actions' buttons).
BUTTON_INTENTS = frozenset(
    {
        "affirm", "deny", "stop", "inform", "consult", "request_help", "complaint", "report",
        "suggestion", "praise", "order_status", "withdraw_order", "human_handoff", "start_request",
        "greet", "thank", "goodbye", "location_confirm", "location_reject",
        "rate_order",  # 满意 / 基本满意 / 不满意 under a result (issue 14)
    }
)

# Rasa's own control intents, never from a citizen.
_CONTROL_INTENTS = frozenset({"restart", "session_start", "back", "out_of_scope"})

_PAYLOAD = re.compile(r"^/([a-z_]+)(\{.*\})?$", re.DOTALL)
_CONTROL_CHARS = {c for c in map(chr, range(32)) if c not in "\n\t"} | {"\x7f"}

MAX_TEXT_CHARS = 2000


def clean_text(text: str) -> str:
    """Normalises typed text: NFC, no control characters, trimmed, no leading ASCII slash."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch not in _CONTROL_CHARS).strip()
    if text.startswith("/"):
        text = "／" + text[1:]  # shown the same to a person, not a command to Rasa
    return text


def allowed_payload(payload: str) -> Optional[str]:
    """The payload itself when it is a button payload we offer, otherwise None."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        return None
    intent, entities = match.group(1), match.group(2)
    if intent in _CONTROL_INTENTS or intent not in BUTTON_INTENTS:
        return None
    if entities:
        try:
            parsed = json.loads(entities)
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
    return payload.strip()


def citizen_message(text: str, *, is_payload: bool = False) -> str:
    """What goes to Rasa for a citizen's input: an allowed payload as is, otherwise clean text."""
    if is_payload:
        allowed = allowed_payload(text)
        if allowed is not None:
            return allowed
    return clean_text(text)

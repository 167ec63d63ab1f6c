"""Fixtures of the bot tests: the real domain, tracker builders, and a real gateway."""
from __future__ import annotations

import functools
import re
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.support import processes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "bot" / "domain")).as_dict()


def make_tracker(
    text: str = "",
    intent: str = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    new_slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "citizen-1",
    channel: str = "rest",
    active_loop: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest message is `text`; `new_slots` are the slot candidates
    the latest message produced (what `slots_to_validate()` returns)."""
    slots = dict(slots or {})
    earlier = dict(slots)
    new_slots = dict(new_slots or {})
    slots.update(new_slots)
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    # laid out as Rasa 3.6 sends them to a form's validation action: the earlier slots, the
    # user message, action_extract_slots' slots, the user_featurization marker, and the
    # same slots once more as the form's candidates
    candidates = [{"event": "slot", "name": k, "value": v} for k, v in new_slots.items()]
    events: List[Dict[str, Any]] = [{"event": "slot", "name": k, "value": v} for k, v in earlier.items()]
    events += [{"event": "user", "text": text, "parse_data": parse, "input_channel": channel}]
    events += candidates + [{"event": "user_featurization", "use_text_for_featurization": False}] + candidates
    return Tracker(
        sender_id, slots, parse, events, False, None,
        {"name": active_loop} if active_loop else {}, "action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


_MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


@functools.lru_cache(maxsize=1)
def _responses() -> Dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]


def rendered(message: Dict[str, Any]) -> str:
    """What the citizen reads of one collected message: its text, or its domain response
    filled with the values the action passed (as Rasa's NLG fills them; slots are not known here)."""
    if message.get("text"):
        return message["text"]
    name = message.get("response")
    if not name:
        return ""
    variants = _responses().get(name)
    if not variants:
        return name  # a response the domain lacks shows by its name (test_responses_in_domain fails on it)
    values = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
    return re.sub(r"{([^\n{}]+?)}", lambda m: str(values.get(m.group(1), m.group(0))), variants[0].get("text") or "")


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(rendered(m) for m in dispatcher.messages)


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    """The real order gateway on SQLite, as a subprocess on a free port."""
    token = secrets.token_hex(16)
    db = tmp_path_factory.mktemp("gateway") / "orders.db"
    proc = processes.start_gateway(f"sqlite:///{db}", token)
    proc.env["token"] = token
    yield proc
    proc.stop()


@pytest.fixture
def use_gateway(gateway, monkeypatch):
    """Points the actions' settings at the test gateway."""
    from bot.actions import settings

    monkeypatch.setenv("GATEWAY_URL", gateway.url)
    monkeypatch.setenv("GATEWAY_API_TOKEN", gateway.env["token"])
    monkeypatch.setenv("GATEWAY_BACKOFF_S", "0.05")
    settings.get_settings.cache_clear()
    yield gateway
    settings.get_settings.cache_clear()

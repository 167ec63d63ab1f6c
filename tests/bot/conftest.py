"""Fixtures of the bot tests: the real domain, tracker builders, and a real gateway."""
from __future__ import annotations

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


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)


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

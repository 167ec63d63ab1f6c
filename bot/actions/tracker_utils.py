"""Small readers of the rasa-sdk tracker shared by the actions."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.actions.order_fields import ORDER_STATE_SLOTS


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def latest_confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def latest_entity_values(tracker: Tracker, entity: str) -> List[Any]:
    return [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == entity]


def first_entity(tracker: Tracker, entity: str) -> Optional[Any]:
    values = latest_entity_values(tracker, entity)
    return values[0] if values else None


def reset_order_events(keep: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """SlotSet events clearing every slot of an order in progress."""
    keep = keep or {}
    return [SlotSet(slot, keep.get(slot)) for slot in ORDER_STATE_SLOTS]


def events_before_latest_message(tracker: Tracker) -> List[Dict[str, Any]]:
    """The events before the latest user message, all of them when there is none. Everything after it
    is this turn's: the slots action_extract_slots set, Rasa's user_featurization marker,
    the form's slot candidates."""
    events = list(tracker.events)
    latest_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    return events[:latest_user] if latest_user is not None else events


def previous_slot_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message's slot candidates were appended."""
    for event in reversed(events_before_latest_message(tracker)):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None

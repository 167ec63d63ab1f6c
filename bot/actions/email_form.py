"""The order form's email mode (latest input channel "email"), as a mixin of
`ValidateOrderForm`: one mail asks for every missing detail (the slot
`email_questions`, which the email variants of utter_ask_<slot> show), and the
citizen's answer fills several slots at once, each checked by the form's own
`validate_<slot>`. Other channels are untouched."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import email_mode
from bot.actions import order_fields as f
from bot.actions.tracker_utils import latest_text, previous_slot_value

QUESTIONS_SLOT = "email_questions"
ASKED_SLOT = "email_asked"


def in_email_mode(tracker: Tracker) -> bool:
    return email_mode.is_email(tracker.get_latest_input_channel())


def _view(tracker: Tracker, slot: str, value: Any) -> Tracker:
    """The tracker as if the citizen had answered only `value` to the question for `slot`."""
    view = tracker.copy()
    events = list(view.events)
    while events and events[-1].get("event") != "user":
        events.pop()  # no slot candidates of this turn: nothing looks like a correction
    view.events = events
    view.latest_message = {**(tracker.latest_message or {}), "text": str(value), "entities": []}
    view.slots = {**tracker.slots, "requested_slot": slot}
    return view


class EmailFormMixin:
    """Mixed into a FormValidationAction whose validate_<slot> methods do the checking."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        events = await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        if not in_email_mode(tracker):
            return events
        # tracker.slots now hold the validated values (rasa_sdk adds them as it goes)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)  # type: ignore[attr-defined]
        missing = email_mode.missing_fields(required, tracker.slots)
        block = email_mode.question_block(missing, tracker.get_slot("order_type"))
        return events + [SlotSet(QUESTIONS_SLOT, block or None), SlotSet(ASKED_SLOT, missing or None)]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if not in_email_mode(tracker):
            return await super().get_validation_events(dispatcher, tracker, domain)  # type: ignore[misc]
        fields = email_mode.parse_reply(latest_text(tracker), tracker.get_slot(ASKED_SLOT) or [])
        if not fields:
            # a plain answer: read as usual (the whole mail answers the requested slot)
            return await super().get_validation_events(dispatcher, tracker, domain)  # type: ignore[misc]
        return await self._validate_fields(fields, dispatcher, tracker, domain)

    async def _validate_fields(self, fields: Dict[str, str], dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> List[Dict[Text, Any]]:
        result: Dict[str, Any] = {}
        # what Rasa's mappings put in slots this turn (the whole mail as the requested slot's
        # text, stray entities, "确认" as a confirmation) gives way to the labelled fields
        for slot in tracker.slots_to_validate():
            if slot not in fields and slot in f.FORM_SLOTS:
                result[slot] = previous_slot_value(tracker, slot)
        tracker.slots.update(result)
        for slot in f.FORM_SLOTS:
            if slot not in fields:
                continue
            required = f.required_slots(tracker.get_slot("order_type"), tracker.slots)
            if slot not in required:
                continue  # e.g. a name given by a citizen who chose to stay anonymous
            validate = getattr(self, f"validate_{slot}", None)
            if validate is None:
                continue
            output = validate(fields[slot], dispatcher, _view(tracker, slot, fields[slot]), domain)
            if hasattr(output, "__await__"):
                output = await output
            for name, value in (output or {}).items():
                result[name] = value
                tracker.slots[name] = value
        if tracker.get_slot("order_confirmed") is not None and "order_confirmed" not in fields:
            result["order_confirmed"] = None  # details changed: the summary is shown again
            tracker.slots["order_confirmed"] = None
        return [SlotSet(name, value) for name, value in result.items()]

"""Screening replies: emergencies, requests the hotline may not take, other regions."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import order_fields as f
from bot.actions.order_start import start_order_form
from bot.actions.tracker_utils import latest_entity_values, latest_intent, latest_text
from bot.screening.gate import SUSPECTED
from bot.screening import cross_region_reply, detect_emergency, emergency_reply, find_other_region, refusal_reply


class ActionEmergencyReferral(Action):
    """Names 110/119/120/122 at once.

    An emergency the lexicon found (intent ``emergency``) gets the referral and no order.
    One only the classifier suspects (``emergency_suspected``, bot/screening/gate.py) gets
    the numbers too, and then the request goes on: a message with substance starts the
    order with it as the description, anything else is asked what the matter is."""

    def name(self) -> Text:
        return "action_emergency_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        kinds = tuple(dict.fromkeys(latest_entity_values(tracker, "emergency_kind")))
        if not kinds:
            kinds = detect_emergency(text).kinds
        suspected = latest_intent(tracker) == SUSPECTED and not kinds
        dispatcher.utter_message(text=emergency_reply(kinds, suspected=suspected))
        if not suspected:
            return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(response="utter_emergency_suspected_continue")
        if f.has_substance(f.clean(text)):
            return await start_order_form(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_ask_what_matter")
        return [SlotSet("pending_offer", None)]


class ActionRefuseOutOfScope(Action):
    """Polite refusal naming the right channel (第七条, 第八条)."""

    def name(self) -> Text:
        return "action_refuse_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        oos_class = intent[len("oos_"):] if intent.startswith("oos_") else "other"
        dispatcher.utter_message(text=refusal_reply(oos_class))
        return [SlotSet("pending_offer", None)]


class ActionCrossRegion(Action):
    """Matters outside Shangluo go to the provincial 12345 platform (第二十三条)."""

    def name(self) -> Text:
        return "action_cross_region"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=cross_region_reply(find_other_region(latest_text(tracker))))
        return [SlotSet("pending_offer", None)]


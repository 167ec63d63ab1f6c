"""A location the citizen shares (WeChat 位置消息): confirmed before it fills the order.

The channel sends the trusted payload ``/share_location`` with
``metadata.location = {label, latitude, longitude}``. Inside the order form the bot
asks "您发送的位置是……（XX区），是否作为问题发生地点？" with 是/否 buttons
(``/location_confirm`` / ``/location_reject``); only a "是" fills district and address.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.tracker_utils import latest_intent
from bot.screening import cross_region_reply, find_district, find_other_region

_PREFIX = re.compile(r"^(陕西省)?(商洛市)?")
_NUMBER = re.compile(r"^-?\d{1,3}(\.\d+)?$")
BUTTONS = [{"title": "是", "payload": "/location_confirm"}, {"title": "否", "payload": "/location_reject"}]


def shared_location(tracker: Tracker) -> Optional[Dict[str, str]]:
    """metadata.location of the latest user message, cleaned; None when it carries none."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            location = (event.get("metadata") or {}).get("location")
            break
    else:
        return None
    if not isinstance(location, dict):
        return None
    label = str(location.get("label") or "").strip()[:200]
    lat, lon = str(location.get("latitude") or "").strip(), str(location.get("longitude") or "").strip()
    if not (_NUMBER.match(lat) and _NUMBER.match(lon)):
        lat = lon = ""
    if not label and not lat:
        return None
    return {"label": label, "latitude": lat, "longitude": lon}


def place_of(location: Dict[str, str]) -> Dict[str, Optional[str]]:
    label = location["label"]
    address = _PREFIX.sub("", label).strip() if label else ""
    if not address:
        address = f"纬度{location['latitude']}，经度{location['longitude']}"
    return {"district": find_district(label) if label else None, "address": address[:200],
            "other_region": find_other_region(label) if label else None}


class ActionAskLocation(Action):
    def name(self) -> Text:
        return "action_ask_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        location = shared_location(tracker)
        if location is None:
            dispatcher.utter_message(response="utter_location_unreadable")
            return [SlotSet("pending_location", None)]
        place = place_of(location)
        if place["other_region"] and not place["district"]:
            dispatcher.utter_message(text=cross_region_reply(place["other_region"]))
            return [SlotSet("pending_location", None)]
        if tracker.active_loop.get("name") != "order_form":
            dispatcher.utter_message(
                response="utter_location_received", place_address=place['address'])
            return [SlotSet("pending_location", None)]
        district = f"（{place['district']}）" if place["district"] else "（未能识别所在县区）"
        dispatcher.utter_message(response="utter_location_confirm", place_address=place['address'], district=district,
                                 buttons=BUTTONS)
        return [SlotSet("pending_location", {"district": place["district"], "address": place["address"]})]


class ActionApplyLocation(Action):
    def name(self) -> Text:
        return "action_apply_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        pending = tracker.get_slot("pending_location")
        events: List[Dict[Text, Any]] = [SlotSet("pending_location", None)]
        if not isinstance(pending, dict) or tracker.active_loop.get("name") != "order_form":
            dispatcher.utter_message(response="utter_location_nothing_pending")
            return events
        if latest_intent(tracker) != "location_confirm":
            dispatcher.utter_message(response="utter_location_rejected")
            return events
        if pending.get("district"):
            events.append(SlotSet("district", pending["district"]))
        if pending.get("address"):
            events.append(SlotSet("address", pending["address"]))
        dispatcher.utter_message(response="utter_location_taken", place_address=pending.get('address'))
        return events

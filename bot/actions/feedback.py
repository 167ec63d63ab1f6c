"""The citizen rates the result of an order in the conversation (issue 14).

The gateway's notifier appends the result to the conversation with buttons that send
``/rate_order{"satisfaction": "满意", "order_no": "SL…"}`` and sets ``rating_order`` /
``rating_until``. Typed words (满意 / 基本满意 / 不满意) and email answers reach the same
intent. ``action_rate_order`` records the rating through the gateway's lifecycle API with
the channel as source; 不满意 asks what is still wrong (``feedback_reason_form``) and
``action_submit_rating_reason`` asks the gateway to reopen the order (``citizen_reopen``:
重办 once to the same unit, otherwise a supervisor decides). An answer after the rating
window (``rating_until``; without it ``FEEDBACK_RATING_HOURS`` after the message, 72) is no rating.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import vocabulary
from bot.actions.gateway_client import GatewayClient, GatewayError, GatewayRejected
from bot.actions.tracker_utils import first_entity, latest_text

RATINGS = vocabulary.RATING_NAMES
SOURCES = vocabulary.CONVERSATION_CHANNELS
_ORDER_NO = re.compile(r"SL\d{14}")


def read_rating(text: str) -> Optional[str]:
    """满意 / 基本满意 / 不满意 from the citizen's words, or None."""
    text = re.sub(r"\s+", "", text or "")
    if re.search(r"不满意|不太满意|没解决|没有解决|不行|差评", text):
        return "不满意"
    if re.search(r"基本满意|还行|还可以|一般|凑合|还算满意", text):
        return "基本满意"
    if "满意" in text or re.fullmatch(r"(好|很好|挺好|非常好|解决了)[的了，。！!]*", text):
        return "满意"
    return None


def _rating_hours() -> float:
    try:
        return float(os.environ.get("FEEDBACK_RATING_HOURS", "72"))
    except ValueError:
        return 72.0


def last_result(tracker: Tracker) -> Tuple[Optional[str], Optional[float]]:
    """The order number and time of the latest result message the gateway put into this conversation."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            order_no = (event.get("metadata") or {}).get("order_no")
            if order_no:
                return order_no, event.get("timestamp")
    return None, None


def pending(tracker: Tracker, asked_for: Optional[str], now: dt.datetime) -> Tuple[Optional[str], bool]:
    """(order number, whether the rating window is still open)."""
    slot_order = tracker.get_slot("rating_order")
    message_order, message_at = last_result(tracker)
    order_no = asked_for or slot_order or message_order
    if order_no is None:
        return None, False
    until = None
    if order_no == slot_order and tracker.get_slot("rating_until"):
        try:
            until = dt.datetime.fromisoformat(tracker.get_slot("rating_until"))
        except ValueError:
            until = None
    if until is None and order_no == message_order and message_at:
        until = dt.datetime.fromtimestamp(message_at, dt.timezone.utc) + dt.timedelta(hours=_rating_hours())
    if until is None:
        return order_no, False  # no result of this order was sent here: nothing to rate
    if until.tzinfo is None:
        until = until.replace(tzinfo=dt.timezone.utc)
    return order_no, now <= until


def source_of(tracker: Tracker) -> Optional[str]:
    channel = tracker.get_latest_input_channel()
    return channel if channel in SOURCES else None


async def post_event(order_no: str, sender_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
    client = GatewayClient()
    return await client._request("POST", f"/api/v1/orders/{order_no}/events", json=body,
                                 params={"sender_id": sender_id}, attempts=client.settings.gateway_attempts)


class ActionRateOrder(Action):
    def name(self) -> Text:
        return "action_rate_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        rating = first_entity(tracker, "satisfaction")
        rating = rating if rating in RATINGS else read_rating(text)
        asked = first_entity(tracker, "order_no")
        asked = asked if isinstance(asked, str) and _ORDER_NO.fullmatch(asked) else None
        order_no, open_ = pending(tracker, asked, dt.datetime.now(dt.timezone.utc))
        if order_no is None:
            dispatcher.utter_message(response="utter_rating_nothing_to_rate")
            return []
        if not open_:
            dispatcher.utter_message(response="utter_rating_too_late", order_no=order_no)
            return [SlotSet("rating_order", None), SlotSet("rating_until", None)]
        if rating is None:
            dispatcher.utter_message(response="utter_rating_ask", order_no=order_no,
                                     buttons=[{"title": r, "payload": f'/rate_order{{"satisfaction": "{r}", "order_no": "{order_no}"}}'}
                                              for r in RATINGS])
            return []
        body: Dict[str, Any] = {"kind": "feedback", "satisfaction": rating}
        if source_of(tracker):
            body["source"] = source_of(tracker)
        try:
            await post_event(order_no, tracker.sender_id, body)
        except GatewayRejected as error:
            if error.status_code == 409:
                dispatcher.utter_message(response="utter_rating_already", order_no=order_no)
                return [SlotSet("rating_order", None), SlotSet("rating_until", None)]
            dispatcher.utter_message(response="utter_rating_order_not_found")
            return [SlotSet("rating_order", None), SlotSet("rating_until", None)]
        except GatewayError:
            dispatcher.utter_message(response="utter_rating_busy")
            return []
        if rating == "不满意":
            return [SlotSet("rating_order", order_no), SlotSet("rating_reason", None),
                    FollowupAction("feedback_reason_form")]
        dispatcher.utter_message(response="utter_rating_thanks", rating=rating, order_no=order_no)
        return [SlotSet("rating_order", None), SlotSet("rating_until", None)]


class ValidateFeedbackReasonForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_feedback_reason_form"

    def validate_rating_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: Dict[Text, Any]) -> Dict[Text, Any]:
        text = re.sub(r"\s+", " ", str(value or "")).strip()
        if len(text) < 2:
            dispatcher.utter_message(response="utter_rating_what_unsolved")
            return {"rating_reason": None}
        return {"rating_reason": text[:500]}


class ActionSubmitRatingReason(Action):
    def name(self) -> Text:
        return "action_submit_rating_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        order_no = tracker.get_slot("rating_order")
        reason = tracker.get_slot("rating_reason")
        done = [SlotSet("rating_order", None), SlotSet("rating_until", None), SlotSet("rating_reason", None)]
        if not order_no or not reason:
            return done
        body: Dict[str, Any] = {"kind": "citizen_reopen", "reason": reason}
        if source_of(tracker):
            body["source"] = source_of(tracker)
        try:
            order = await post_event(order_no, tracker.sender_id, body)
        except GatewayRejected as error:
            if error.status_code == 409:
                dispatcher.utter_message(response="utter_rating_comment_in_progress", order_no=order_no)
            else:
                dispatcher.utter_message(response="utter_rating_comment_noted")
            return done
        except GatewayError:
            dispatcher.utter_message(response="utter_rating_comment_failed")
            return done[:2]
        if order.get("status") == "dispatched":
            unit = order.get("lead_unit") or "原承办单位"
            dispatcher.utter_message(response="utter_rating_reopened", order_no=order_no, unit=unit)
        else:
            dispatcher.utter_message(response="utter_rating_to_supervisor", order_no=order_no)
        return done

"""Escalation to a human agent (issue 7).

The citizen asks for a person, the bot fails to understand twice in a row, or the
citizen is dissatisfied twice: the action server posts the conversation to the
gateway (`POST /api/v1/handoffs`), where agents see it in the console queue, and
tells the citizen what happens next — from the gateway's `staffed` answer.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import vocabulary.channels
from bot.actions import order_fields as f
from bot.actions.gateway_client import GatewayClient, GatewayError
from bot.actions.tracker_utils import latest_intent, latest_text
from bot.screening.order_type_words import named_order_type

logger = logging.getLogger(__name__)

CITIZEN_ASKED = "citizen_asked"
NOT_UNDERSTOOD = "not_understood"
DISSATISFIED = "dissatisfied"

# Slots worth showing an agent (the order form's details plus what the bot was doing).
SUMMARY_SLOTS = f.FORM_SLOTS[:-1] + ("order_type", "consult_question", "last_order_no", "pending_offer")
MAX_LAST_TEXT = 2000

_BOT_COMPLAINT = re.compile(
    r"(机器人|智能|客服|你).{0,8}(太笨|真笨|好笨|没用|不行|听不懂|看不懂|不懂|答非所问|废物|垃圾)|"
    r"(听不懂人话|说了半天|跟你说不清|你到底懂不懂)"
)

DEFAULT_HOURS = "每天 08:00–20:00"


def says_dissatisfied(text: Any) -> bool:
    """'没解决' / '答非所问' after an answer, or a complaint about the bot itself."""
    text = f.clean(text)
    return f.says_not_solved(text) or bool(_BOT_COMPLAINT.search(text))


def _session_user_events(tracker: Tracker) -> List[Dict[str, Any]]:
    """The citizen's messages of the current session, oldest first."""
    found: List[Dict[str, Any]] = []
    for event in reversed(list(tracker.events)):
        name = event.get("event")
        if name in ("session_started", "restart"):
            break
        if name == "user":
            found.append(event)
    found.reverse()
    return found


def _intent(event: Dict[str, Any]) -> str:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the latest messages in a row the NLU did not understand."""
    count = 0
    for event in reversed(_session_user_events(tracker)):
        if _intent(event) != "nlu_fallback":
            break
        count += 1
    return count


def dissatisfaction_count(tracker: Tracker) -> int:
    """How often in this session the citizen said an answer did not help or complained about the bot."""
    return sum(1 for event in _session_user_events(tracker) if says_dissatisfied(event.get("text")))


def handoff_summary(tracker: Tracker) -> Dict[str, Any]:
    summary: Dict[str, Any] = {}
    for slot in SUMMARY_SLOTS:
        value = tracker.get_slot(slot)
        if value not in (None, "", []):
            summary[slot] = value
    return summary


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> Optional[Dict[str, Any]]:
    """Posts the handoff and tells the citizen what happens; returns the gateway's answer (None: unreachable)."""
    body = {
        "sender_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel() or vocabulary.channels.REST,
        "reason": reason,
        "summary": handoff_summary(tracker),
        "last_text": f.clean(latest_text(tracker))[:MAX_LAST_TEXT],
    }
    try:
        answer = await GatewayClient().request_handoff(body)
    except GatewayError as error:
        logger.warning("handoff of %s not recorded: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_handoff_unreachable")
        return None
    hours = answer.get("staffed_hours") or DEFAULT_HOURS
    if answer.get("staffed"):
        dispatcher.utter_message(response="utter_handoff_staffed")
    elif tracker.active_loop.get("name") == "order_form":
        dispatcher.utter_message(response="utter_handoff_unstaffed_in_form", hours=hours)
    else:
        dispatcher.utter_message(response="utter_handoff_unstaffed", hours=hours)
    return answer


class ActionHumanHandoff(Action):
    """The citizen asks for a person (intent human_handoff), also inside the order form."""

    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        await hand_off(dispatcher, tracker, CITIZEN_ASKED)
        return [SlotSet("pending_offer", None)]


class ActionHandleFallback(Action):
    """The NLU did not understand. Once: ask to rephrase. Twice in a row, or a second
    sign of dissatisfaction: hand the conversation to a person."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if says_dissatisfied(latest_text(tracker)) and dissatisfaction_count(tracker) >= 2:
            await hand_off(dispatcher, tracker, DISSATISFIED)
            return [SlotSet("pending_offer", None)]
        said = f.clean(latest_text(tracker))
        if tracker.get_slot("pending_offer") == "consult_order" and (
                (len(said) <= 8 and named_order_type(said)) or f.leaves_it_to_the_hotline(said)):
            # "求助" typed in reply to "需要登记吗？": the offer accepted, as that kind of order
            from bot.actions.order_start import start_order_form  # order_start imports this module

            return await start_order_form(dispatcher, tracker, domain)
        if tracker.get_slot("pending_offer") == "consult_order" and f.says_not_solved(latest_text(tracker)):
            # "没解决，答非所问" right after an answer or an offer: the answer did not help, the
            # 咨询 order it offered is what the citizen needs (never "没太明白")
            from bot.actions.order_start import start_order_form  # order_start imports this module

            if await hand_off_if_dissatisfied(dispatcher, tracker):
                return [SlotSet("pending_offer", None), SlotSet("consult_question", None)]
            return await start_order_form(dispatcher, tracker, domain)
        if fallbacks_in_a_row(tracker) >= 2:
            await hand_off(dispatcher, tracker, NOT_UNDERSTOOD)
            return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(response="utter_please_rephrase")
        return []


async def hand_off_if_dissatisfied(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """For actions that see '没解决': the second time in a session goes to a person."""
    if latest_intent(tracker) == "human_handoff" or not says_dissatisfied(latest_text(tracker)):
        return False
    if dissatisfaction_count(tracker) < 2:
        return False
    await hand_off(dispatcher, tracker, DISSATISFIED)
    return True


__all__ = ["ActionHumanHandoff", "ActionHandleFallback", "hand_off_if_dissatisfied"]

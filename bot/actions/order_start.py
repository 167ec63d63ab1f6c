"""Starting and cancelling a work order."""
from __future__ import annotations

import re
import uuid
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import order_fields as f
from bot.actions.email_form import in_email_mode
from bot.screening.evidence import is_substantive
from bot.screening.names import signed_name
from bot.screening.addresses import opening_address
from bot.screening.districts import find_district
from bot.screening.times import opening_time, specific_time
from bot.screening.order_type_words import asks_for_information, complaint_evidence, named_order_type
from bot.actions.tracker_utils import (events_before_latest_message, first_entity, latest_confidence, latest_intent,
                                      latest_text, reset_order_events)

SELF_NAMED = re.compile(r"(我叫|我是|我姓|本人|额叫|额是|俺叫|免贵姓|联系人)")

# below this the classifier's reading of the kind of matter is asked, not taken
# (measured on the 340 scripted conversations: under 0.5, 6 of 22 inferred types were wrong; from 0.5
# to 0.7, 2 of 17; above, 3 of 70)
TYPE_FROM_INTENT_CONFIDENCE = 0.5
# a wish for a reply is read from a first message that tells a matter, not from "要回复" alone
MIN_CHARS_FOR_REPLY_WISH = 12
# entity → slot, for details given in the very message that starts the order
ENTITY_SLOTS = {
    "district": "district",
    "address": "address",
    "time": "occurred_at",
    "person_name": "contact_name",
    "phone": "contact_phone",
}


class ActionStartOrder(Action):
    """Sets the order type, a fresh form run id, and whatever the first message already says."""

    def name(self) -> Text:
        return "action_start_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        text = f.clean(latest_text(tracker))
        keep: Dict[str, Any] = {}
        # "咨询" / "登记个咨询" typed in reply to "需要登记吗？" accepts the offer too
        accepted = (intent == "affirm" or f.says_not_solved(text) or f.leaves_it_to_the_hotline(text)
                    or (len(text) <= 8 and named_order_type(text) is not None))
        if tracker.get_slot("pending_offer") == "consult_order" and accepted:
            typed = named_order_type(text) if len(text) <= 8 else None
            keep["order_type"] = typed if typed and typed != "咨询" else "咨询"  # "求助" typed: that kind
            keep["description"] = tracker.get_slot("consult_question")
        else:
            # the type the citizen names (我要投诉 is 投诉) wins over the classifier; with
            # neither, the form asks (order_type stays empty)
            named, by_intent = named_order_type(text), f.INTENT_TO_ORDER_TYPE.get(intent)
            # "想咨询一下…" opens every kind of request: a stronger type from the intent stays
            tentative = by_intent if named == "咨询" and by_intent else (named or by_intent)
            if named is None and tentative in ("求助", "举报") and asks_for_information(text):
                tentative = "咨询"  # "问一下…是真的不，啥时候动工": asks to be told, nothing to be done
            elif named is None and tentative == "求助" and complaint_evidence(text):
                tentative = "投诉"  # "交了两千多暖气费 屋里才十三四度": a grievance, not only a need
            keep["order_type"] = tentative
            if (tentative and tentative != named and latest_confidence(tracker) < TYPE_FROM_INTENT_CONFIDENCE
                    and not in_email_mode(tracker)):  # a mail asks no type: the best reading stands
                # only the classifier says which kind, and it is unsure (危房改造补贴啥时候能发 read
                # as 求助 at 0.31): the form asks, with the six kinds as buttons
                keep["order_type"] = None
            matter = f.matter_text(text)
            if f.has_substance(matter) and not f.thin_matter(matter, tentative):
                keep["description"] = matter[: f.MAX_DESCRIPTION_CHARS]
            elif core := f.opening_core(matter):
                keep["opening_matter"] = core[:200]  # asked to tell more; the answer is added to it
            if f.anonymity_wish(text) and tentative in f.ANONYMITY_ALLOWED:
                keep["anonymous"] = True  # "…但是不想让人知道是我说的": asked for in the first message
            wish = f.parse_reply_wish(text) if len(text) > MIN_CHARS_FOR_REPLY_WISH else None
            if wish is not None and (tentative is None or tentative in f.ASKS_REPLY):
                keep["reply_required"] = wish  # "…修好了给我回个电话", "希望能给个答复": not asked again
        for entity, slot in ENTITY_SLOTS.items():
            value = first_entity(tracker, entity)
            if entity == "person_name" and not (SELF_NAMED.search(text) or signed_name(text) == value):
                continue  # "表扬王大夫": a name in the matter is not the contact person
            if entity == "time" and specific_time(text) is None:
                continue  # "晚上偷偷挖沙", "十一二点" say not when: the form asks where it needs a time
            if (entity == "time" and keep.get("order_type") not in f.NO_TIME_TYPES and opening_time(text) is None
                    and not in_email_mode(tracker)):
                continue  # "屋里没水三天咧", "上周": the form asks the day, the rough time is its fallback
            if value:
                keep[slot] = value
        if not keep.get("address"):
            place = opening_address(text)
            if place:
                keep["address"] = place[:200]  # "山阳县城关镇东关村二组，…": not asked again
                keep.setdefault("district", find_district(place))
        keep["form_run_id"] = uuid.uuid4().hex
        events = reset_order_events(keep)
        events += [SlotSet("pending_offer", None), SlotSet("consult_question", None)]
        return events


async def start_order_form(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """Starts the order form from inside another action (no rule predicts it there)."""
    events = await ActionStartOrder().run(dispatcher, tracker, domain)
    return events + [FollowupAction("order_form")]


class ActionCancelOrderForm(Action):
    """Cancels what the bot offered or was collecting, with the fitting words."""

    def name(self) -> Text:
        return "action_cancel_order_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        offer = tracker.get_slot("pending_offer")
        if offer == "consult_order" and f.says_not_solved(latest_text(tracker)):
            from bot.actions.handoff import hand_off_if_dissatisfied  # handoff imports this module

            if await hand_off_if_dissatisfied(dispatcher, tracker):
                # the second "没解决" in this session: a person takes over
                return [SlotSet("pending_offer", None), SlotSet("consult_question", None)]
            # "没解决" is read as a "no", but it means the answer did not help: offer accepted
            return await start_order_form(dispatcher, tracker, domain)
        if offer == "consult_order":
            dispatcher.utter_message(response="utter_consult_declined")
        elif offer == "withdraw":
            dispatcher.utter_message(response="utter_withdraw_cancelled")
        else:
            dispatcher.utter_message(response="utter_order_cancelled")
        events = [SlotSet("pending_offer", None), SlotSet("consult_question", None), SlotSet("withdraw_order_no", None)]
        if offer is None:
            events += reset_order_events()
            events.append(SlotSet("requested_slot", None))
        return events


def _without_entities(tracker: Tracker) -> str:
    """The latest text with its entity spans (names, phones, places) cut out."""
    text = latest_text(tracker)
    spans = sorted(
        (e.get("start"), e.get("end"))
        for e in (tracker.latest_message or {}).get("entities", [])
        if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    )
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


class ActionHandleInform(Action):
    """A detail given outside any form. When the message also describes a problem
    ("小区停水两天了，我叫刘芳，电话…"), it is a request: the order form starts, keeping
    every detail, and asks which type of matter it is unless the citizen said so. Otherwise the bot asks what the matter is."""

    def name(self) -> Text:
        return "action_handle_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # (the other actions run inside this one: no rule follows a FollowupAction here, and the
        # policies would add a fallback after it)
        if tracker.get_slot("last_order_no") and f.says_solved_since(latest_text(tracker)):
            from bot.actions.order_status import ActionPrepareWithdraw  # imports nothing of this module

            return await ActionPrepareWithdraw().run(dispatcher, tracker, domain)  # solved since: withdraw it?
        if tracker.get_slot("last_order_no") and f.asks_when_the_result_comes(latest_text(tracker)):
            from bot.actions.order_status import ActionOrderStatus  # "大概多久能有结果？" about the order just placed

            return await ActionOrderStatus().run(dispatcher, tracker, domain)
        if tracker.get_slot("pending_offer") == "consult_order" and f.leaves_it_to_the_hotline(latest_text(tracker)):
            return await start_order_form(dispatcher, tracker, domain)  # "你看着弄" to "需要登记吗？"
        if not f.has_substance(_without_entities(tracker), minimum=6):
            dispatcher.utter_message(response="utter_ask_what_matter")
            return []
        if pushes_back_on_refusal(tracker):
            # "你们12345能不能先让公司把补偿给我？" right after the 第七条 refusal: the same matter
            dispatcher.utter_message(response="utter_refusal_followup")
            return []
        if asks_for_information(f.clean(latest_text(tracker))):
            # "你们这个12345晚上有没有人": a question the knowledge base may answer; its 咨询 order on offer
            from bot.actions.consult import ActionAnswerConsult  # consult imports this module lazily too

            return await ActionAnswerConsult().run(dispatcher, tracker, domain)
        return await start_order_form(dispatcher, tracker, domain)


_NEW_MATTER = re.compile(r"另外|还有个|还有一个|还有件|别的事|其他事|另一个|另一件|再问|换个|顺便")
_PUSH_BACK = re.compile(r"你们|12345|热线|政府|那(个|件)事|这(个|件)事|重新|再给|再帮|先(出面|让|帮|给)|给我(改|办|处理|解决|要)|帮我(要|改|办)|能不能|可不可以|行不行")


def pushes_back_on_refusal(tracker: Tracker) -> bool:
    """Whether the latest message, right after a 第七条 refusal, asks the hotline to act on
    the same matter after all (no new matter of its own told)."""
    previous = next((e.get("name") for e in reversed(events_before_latest_message(tracker))
                     if e.get("event") == "action" and e.get("name") not in ("action_listen", None)), None)
    if previous != "action_refuse_out_of_scope":
        return False  # said once; a citizen who insists again gets the order (无差别受理)
    text = latest_text(tracker)
    if _NEW_MATTER.search(text):
        return False  # "另外还有个事…": a new request
    return bool(_PUSH_BACK.search(text)) and not is_substantive(text, minimum=30)

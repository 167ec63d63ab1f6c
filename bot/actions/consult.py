"""Consultations (咨询): answered from the knowledge base when it can, otherwise a 咨询 order is offered."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import kb_client
from bot.actions.gateway_client import GatewayClient
from bot.actions import order_fields as f
from bot.actions.tracker_utils import latest_text
from bot.screening.order_type_words import named_order_type

OFFER_BUTTONS = [{"title": "需要登记", "payload": "/affirm"}, {"title": "解决了", "payload": "/deny"}]
MAX_SUGGESTIONS = 3


def _with_entries_shown(question: str, hits: List[kb_client.KBHit], answered: bool = True) -> str:
    """The question of a later 咨询 order, with the knowledge-base entries already shown as
    readable titles (their standard questions; internal ids mean nothing to the department)."""
    titles: List[str] = []
    for h in hits:
        title = f"“{h.question}”" + (f"（{h.department}）" if h.department else "")
        if title not in titles:
            titles.append(title)
    shown = "；".join(titles)
    note = "已向市民提供的知识库答复" if answered else "已向市民提示的知识库条目（未选）"
    text = f"{question}\n（{note}：{shown}）" if shown else question
    return text[: f.MAX_DESCRIPTION_CHARS]


class ActionAnswerConsult(Action):
    """Answers from the knowledge-base service (KB_URL): a confident entry is given with
    its department; close candidates are offered as "您是不是想问"; either way a 咨询
    order stays on offer. With no good entry, or no service, the consultation is
    honestly declined and offered as a 咨询 order (第十一条(一))."""

    def name(self) -> Text:
        return "action_answer_consult"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        question = f.clean(latest_text(tracker))[: f.MAX_DESCRIPTION_CHARS]
        if tracker.get_slot("pending_offer") == "consult_order" and len(question) <= 8 and named_order_type(question):
            # "咨询" / "登记个咨询" in reply to "需要登记吗？": the offer accepted, not a new question
            from bot.actions.order_start import start_order_form  # order_start imports nothing of this module

            return await start_order_form(dispatcher, tracker, domain)
        if tracker.get_slot("pending_offer") == "consult_order" and len(question) <= 16 and f.says_not_solved(question):
            # "没解决" / "答非所问" right after an answer, read as a new consultation: the answer did
            # not help, so the 咨询 order it offered (or, the second time, a person) — never a refusal
            from bot.actions.handoff import hand_off_if_dissatisfied  # handoff imports nothing of this module
            from bot.actions.order_start import start_order_form

            if await hand_off_if_dissatisfied(dispatcher, tracker):
                return [SlotSet("pending_offer", None), SlotSet("consult_question", None)]
            return await start_order_form(dispatcher, tracker, domain)
        if tracker.get_slot("last_order_no") and f.asks_when_the_result_comes(question):
            # "大概多久能有结果？" right after an order: its deadline, not the knowledge base
            from bot.actions.order_status import ActionOrderStatus

            return await ActionOrderStatus().run(dispatcher, tracker, domain)
        days = f.deadline_days("咨询")
        result = await kb_client.search(question, k=MAX_SUGGESTIONS, channel=tracker.get_latest_input_channel() or "")

        if result is not None and result.zone == "answer":
            best = result.hits[0]
            if best.department:
                dispatcher.utter_message(response="utter_kb_answer", answer=best.answer, department=best.department)
            else:
                dispatcher.utter_message(text=best.answer)
            dispatcher.utter_message(
                response="utter_consult_answer_helped", days=days,
                buttons=OFFER_BUTTONS,
            )
            await GatewayClient().record_direct_answer(
                f.channel_of(tracker.get_latest_input_channel()), tracker.sender_id, best.id)
            return [SlotSet("pending_offer", "consult_order"),
                    SlotSet("consult_question", _with_entries_shown(question, [best]))]

        if result is not None and result.zone == "suggest":
            candidates = result.hits[:MAX_SUGGESTIONS]
            dispatcher.utter_message(
                response="utter_consult_did_you_mean",
                buttons=[{"title": h.question, "payload": h.question} for h in candidates],
            )
            dispatcher.utter_message(
                response="utter_consult_none_of_these", days=days,
                buttons=[OFFER_BUTTONS[0], {"title": "不用了", "payload": "/deny"}],
            )
            return [SlotSet("pending_offer", "consult_order"),
                    SlotSet("consult_question", _with_entries_shown(question, candidates, answered=False))]

        dispatcher.utter_message(
            response="utter_consult_no_answer", days=days,
            buttons=[{"title": "需要登记", "payload": "/affirm"}, {"title": "不用了", "payload": "/deny"}],
        )
        return [SlotSet("pending_offer", "consult_order"), SlotSet("consult_question", question)]

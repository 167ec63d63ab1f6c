"""Consultations (咨询): answered from the knowledge base when it can, otherwise a 咨询 order is offered."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import order_fields as f
from bot.actions.tracker_utils import latest_text


class ActionAnswerConsult(Action):
    """Until the knowledge-base service is configured (KB_URL), every consultation is
    honestly declined and offered as a 咨询 order (第十一条(一))."""

    def name(self) -> Text:
        return "action_answer_consult"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        question = f.clean(latest_text(tracker))[: f.MAX_DESCRIPTION_CHARS]
        dispatcher.utter_message(
            text=(
                "这个问题我暂时没法给您准确的答复。可以为您登记一个咨询工单，"
                f"由承办单位在{f.deadline_days('咨询')}个工作日内答复您，需要登记吗？"
            ),
            buttons=[{"title": "需要登记", "payload": "/affirm"}, {"title": "不用了", "payload": "/deny"}],
        )
        return [SlotSet("pending_offer", "consult_order"), SlotSet("consult_question", question)]

"""Submitting the confirmed order to the gateway, exactly once."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import attachments
from bot.actions import order_fields as f
from bot.actions.gateway_client import GatewayClient, GatewayRejected, GatewayUnavailable
from bot.actions.tracker_utils import reset_order_events

logger = logging.getLogger(__name__)


def idempotency_key(sender_id: str, form_run_id: str) -> str:
    """Same conversation and same run of the form → same key → same order."""
    return hashlib.sha256(f"{sender_id}:{form_run_id}".encode("utf-8")).hexdigest()[:40]


def format_due(due_at: str) -> str:
    try:
        due = datetime.fromisoformat(due_at)
    except (TypeError, ValueError):
        return str(due_at)
    return f"{due.year}年{due.month}月{due.day}日"


def confirmation_text(order: Dict[str, Any], evidence: str = "") -> str:
    """`evidence` describes the attached files ("2张图片"), empty for none."""
    order_type = order.get("type", "")
    days = f.deadline_days(order_type)
    attached = f"您发送的{evidence}已作为附件一并提交。" if evidence else ""
    text = (
        f"已为您提交工单，工单编号：{order['order_no']}。{attached}"
        f"按规定，{order_type}类工单在{days}个工作日内办结，最迟{format_due(order.get('due_at'))}前办结。"
    )
    if order.get("reply_required") and order.get("anonymous"):
        text += "办理结果由热线回复您，您的姓名和电话不会提供给承办单位。"  # what the anonymity question promised
    elif order.get("reply_required"):
        text += "办理后承办单位会联系您回复结果。"
    return text + "想了解进度可以随时发“查询工单”。"


# fields of POST /api/v1/orders → the slot the form asks for them
_PAYLOAD_SLOTS = {
    "description": "description", "district": "district", "address": "address", "occurred_at": "occurred_at",
    "contact_name": "contact_name", "contact_phone": "contact_phone", "anonymous": "anonymous", "type": "order_type",
}


def refused_fields(error: GatewayRejected) -> List[str]:
    """The slots behind the fields a 422 names (FastAPI's `detail[*].loc`), in form order."""
    if error.status_code != 422 or not isinstance(error.detail, list):
        return []
    found: List[str] = []
    for item in error.detail:
        loc = item.get("loc") if isinstance(item, dict) else None
        for part in loc or ():
            slot = _PAYLOAD_SLOTS.get(part) if isinstance(part, str) else None
            if slot and slot not in found:
                found.append(slot)
    return found


class ActionSubmitOrder(Action):
    def name(self) -> Text:
        return "action_submit_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        run_id = tracker.get_slot("form_run_id")
        # the summary the citizen confirmed reads 求助 when no type was ever set: the same here
        order_type = tracker.get_slot("order_type") or (f.DEFAULT_ORDER_TYPE if run_id else None)
        if not order_type or not run_id or tracker.get_slot("order_confirmed") is not True:
            dispatcher.utter_message(response="utter_submit_nothing_pending")
            return [SlotSet("order_pending", False)]
        payload = f.order_payload(
            order_type,
            tracker.slots,
            sender_id=tracker.sender_id,
            channel=f.channel_of(tracker.get_latest_input_channel()),
            conversation_id=tracker.sender_id,
        )
        files = attachments.collect(tracker.events, run_id)
        if files:
            payload["attachment_ids"] = [a["id"] for a in files]
        try:
            order = await self._create(payload, idempotency_key(tracker.sender_id, run_id))
        except GatewayUnavailable:
            logger.exception("order gateway unavailable for %s", tracker.sender_id)
            dispatcher.utter_message(
                response="utter_submit_busy",
                buttons=[{"title": "重新提交", "payload": "/affirm"}],
            )
            return [SlotSet("order_pending", True)]
        except GatewayRejected as error:
            logger.warning("gateway rejected order of %s: %s", tracker.sender_id, error)
            fields = refused_fields(error)
            if fields:
                # the refused detail is asked again (the form's question for it), not the summary
                dispatcher.utter_message(response="utter_submit_invalid_field", reason=error.message)
                return [SlotSet("order_pending", False), SlotSet("order_confirmed", None),
                        *[SlotSet(slot, None) for slot in fields], FollowupAction("order_form")]
            dispatcher.utter_message(response="utter_submit_invalid_at_summary", reason=error.message)
            # back into the form: it shows the summary again and takes the correction
            return [SlotSet("order_pending", False), SlotSet("order_confirmed", None), FollowupAction("order_form")]
        # the gateway links a repeat of the same open matter to the earlier order (第七条(七))
        linked = {a.get("id") for a in order.get("attachment_files") or []}
        evidence = attachments.describe([a for a in files if a["id"] in linked])
        dispatcher.utter_message(text=order.get("notice") or confirmation_text(order, evidence))
        return reset_order_events() + [SlotSet("last_order_no", order["order_no"])]

    @staticmethod
    async def _create(payload: Dict[str, Any], key: str) -> Dict[str, Any]:
        """Creates the order; attachments the gateway will not link (expired, another sender's)
        never block the order itself: it is then submitted without them. A 409 naming the
        order this form's key already created (the first answer was lost, the citizen then
        changed a detail and confirmed again) is that order: the submission succeeded."""
        client = GatewayClient()
        try:
            try:
                return await client.create_order(payload, key)
            except GatewayRejected as error:
                if not payload.get("attachment_ids") or error.status_code != 422 or "附件" not in error.message:
                    raise
                logger.warning("gateway refused the attachments %s: %s; submitting without them",
                               payload["attachment_ids"], error.message)
                return await client.create_order({k: v for k, v in payload.items() if k != "attachment_ids"}, key)
        except GatewayRejected as error:
            if error.stored_order is None:
                raise
            logger.info("order of this form already stored as %s", error.stored_order["order_no"])
            return error.stored_order

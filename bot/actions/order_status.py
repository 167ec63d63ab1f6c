"""Order status queries and withdrawals (撤单, 第十八条) on the citizen's own orders."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import order_fields as f
from bot.actions.gateway_client import GatewayClient, GatewayError, GatewayRejected
from bot.actions.order_submit import format_due
from bot.actions.tracker_utils import first_entity, latest_text

BUSY = "工单系统暂时繁忙，请稍后再试，或拨打12345热线电话查询。"
# statuses in which the citizen may still withdraw (第十八条): not yet replied, completed or withdrawn
OPEN_STATUSES = {"received", "dispatched", "handling", "return_requested", "extension_requested"}


def _excerpt(text: Optional[str], limit: int = 24) -> str:
    text = f.clean(text)
    return text if len(text) <= limit else text[:limit] + "…"


def describe(order: Dict[str, Any]) -> str:
    line = f"工单{order['order_no']}（{order.get('type', '')}，{_excerpt(order.get('description'))}）：{order.get('status_label') or order.get('status')}"
    if order.get("status") in OPEN_STATUSES and order.get("due_at"):
        line += f"，最迟{format_due(order['due_at'])}前办结"
    return line + "。"


async def own_order(client: GatewayClient, order_no: str, sender_id: str) -> Optional[Dict[str, Any]]:
    """The order if it belongs to this sender; nobody learns about other people's orders."""
    order = await client.get_order(order_no, sender_id=sender_id)
    if order is None or order.get("sender_id") != sender_id:
        return None
    return order


# a number the citizen names as the order's that is not in our format (a phone call's, a typo)
_NAMED_NUMBER = re.compile(r"(?:编号|单号|工单号|受理号)\s*(?:是|为|：|:)?\s*([A-Za-z]{0,4}[0-9][0-9\-]{5,24})")


class ActionOrderStatus(Action):
    def name(self) -> Text:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=await self.answer(tracker))
        return [SlotSet("pending_offer", None)]  # a question in between ends any pending offer

    async def answer(self, tracker: Tracker) -> str:
        client = GatewayClient()
        order_no = first_entity(tracker, "order_no")
        try:
            if order_no:
                order = await own_order(client, str(order_no).upper(), tracker.sender_id)
                if order is None:
                    return f"没有查到您提交的工单{order_no}。请核对编号；只能查询本人在这个渠道提交的工单。"
                return describe(order)
            orders = await client.list_orders(tracker.sender_id, limit=3)
        except GatewayError:
            return BUSY
        if not orders:
            named = _NAMED_NUMBER.search(f.clean(latest_text(tracker)))
            if named:
                return (f"没有查到编号为{named.group(1)}的工单。在这里提交的工单编号以SL开头（比如SL20261201000001），"
                        "只能查询本人在这个渠道提交的工单；如果是打电话反映的，请拨打12345热线查询。")
            return "没有查到您在这个渠道提交过的工单。如果是打电话反映的，请拨打12345热线查询。"
        header = "您最近的工单：\n" if len(orders) > 1 else ""
        return header + "\n".join(describe(o) for o in orders)


_CONFIRM_WITHDRAWAL = re.compile(r"^(确定|确认|对|是|嗯|好|行|要)[的吧啊呀，,\s]*(要)?(撤销|撤回|撤了|撤吧|撤|取消)(掉|了|吧)?[。！!]*$"
                                 r"|^(撤销|撤回|撤)(吧|了|掉)?[。！!]*$")


def confirms_withdrawal(text: str) -> bool:
    """"确认撤销", "对，撤了", "撤吧": a yes to "确定要撤销…吗" in the citizen's words."""
    return bool(_CONFIRM_WITHDRAWAL.search(f.clean(text)))


class ActionPrepareWithdraw(Action):
    """Finds the order to withdraw and asks the citizen to confirm."""

    def name(self) -> Text:
        return "action_prepare_withdraw"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        order_no = first_entity(tracker, "order_no")
        pending = tracker.get_slot("withdraw_order_no")
        if (tracker.get_slot("pending_offer") == "withdraw" and pending and (not order_no or order_no.upper() == pending)
                and confirms_withdrawal(latest_text(tracker))):
            # the button's own words typed ("确定撤销", "对，撤了") confirm the question just asked
            return await ActionWithdrawOrder().run(dispatcher, tracker, domain)
        if not order_no and tracker.get_slot("pending_offer") == "consult_order" and f.says_solved(latest_text(tracker)):
            # "解决了" right after a knowledge-base answer is no withdrawal: the answer helped
            dispatcher.utter_message(response="utter_glad_it_helped")
            return [SlotSet("pending_offer", None), SlotSet("consult_question", None)]
        client = GatewayClient()
        try:
            if order_no:
                order = await own_order(client, str(order_no).upper(), tracker.sender_id)
                candidates = [order] if order else []
            else:
                candidates = await client.list_orders(tracker.sender_id, limit=10)
        except GatewayError:
            dispatcher.utter_message(response="utter_order_system_busy")
            return []
        open_orders = [o for o in candidates if o.get("status") in OPEN_STATUSES]
        if not open_orders:
            if candidates:
                dispatcher.utter_message(response="utter_withdraw_not_possible", order_described=describe(candidates[0]))
            else:
                dispatcher.utter_message(response="utter_withdraw_none_found")
            return [SlotSet("pending_offer", None)]
        if len(open_orders) > 1:
            dispatcher.utter_message(
                response="utter_withdraw_which",
                buttons=[
                    {"title": f"{o['order_no']} {_excerpt(o.get('description'), 12)}", "payload": f'/withdraw_order{{"order_no":"{o["order_no"]}"}}'}
                    for o in open_orders
                ],
            )
            return [SlotSet("pending_offer", None)]
        order = open_orders[0]
        dispatcher.utter_message(
            response="utter_withdraw_confirm", order_described=describe(order)[:-1],
            buttons=[{"title": "确定撤销", "payload": "/affirm"}, {"title": "不撤了", "payload": "/deny"}],
        )
        return [SlotSet("withdraw_order_no", order["order_no"]), SlotSet("pending_offer", "withdraw")]


class ActionWithdrawOrder(Action):
    def name(self) -> Text:
        return "action_withdraw_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        order_no = tracker.get_slot("withdraw_order_no")
        done = [SlotSet("pending_offer", None), SlotSet("withdraw_order_no", None)]
        if not order_no:
            dispatcher.utter_message(response="utter_withdraw_which_first")
            return done
        channel = f.channel_of(tracker.get_latest_input_channel())
        try:
            order = await GatewayClient().withdraw_order(order_no, tracker.sender_id, f"服务对象通过{channel}渠道主动撤单")
        except GatewayRejected as error:
            if error.status_code == 409:
                dispatcher.utter_message(response="utter_withdraw_already", order_no=order_no)
            else:
                dispatcher.utter_message(response="utter_withdraw_failed", order_no=order_no, reason=error.message)
            return done
        except GatewayError:
            dispatcher.utter_message(response="utter_order_system_busy")
            return done
        dispatcher.utter_message(response="utter_withdraw_done", order_no=order['order_no'])
        return done

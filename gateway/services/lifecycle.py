"""Order lifecycle (第十二条–第二十二条): one function applies one event.

Every change is a conditional ``UPDATE … WHERE id = :id AND status = :read``
plus an ``order_events`` row in the same transaction, so of concurrent events
on one order exactly one wins; the others get ``TransitionConflict``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.core.security import ROLE_LABELS, Principal, Role
from gateway.core.workdays import WorkdayCalendar, deadline_workdays
from gateway.domain import (
    EVENT_LABELS,
    RETURN_REFUSAL_CASES,
    WITHDRAWABLE_STATUSES,
    EventKind,
    OrderStatus,
    Timeliness,
)
from gateway.models import Order, OrderEvent
from gateway.schemas import (
    CitizenReopenEvent,
    DispatchEvent,
    ExtensionApproveEvent,
    ExtensionRejectEvent,
    ExtensionRequestEvent,
    FeedbackEvent,
    ReopenEvent,
    ReplyEvent,
    ReturnApproveEvent,
    ReturnRejectEvent,
    ReturnRequestEvent,
    ReviewApproveEvent,
    ReviewRejectEvent,
    SignEvent,
    WithdrawEvent,
)
from gateway.services import notifications
from gateway.services.orders import OrderNotFound, get_order, order_concerns_unit
from gateway.services.routing import RoutingTable

SIGN_WITHIN = dt.timedelta(hours=24)  # 第十二条: 24 小时内接收
URGENT_RETURN_WITHIN = dt.timedelta(minutes=30)  # 第十四条: 紧急求助类 30 分钟内申请退回
RETURN_WITHIN_WORKDAYS = 1  # 第十四条: 1 个工作日内申请退回

S = OrderStatus
_PLATFORM = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[OrderStatus]
    roles: tuple[Role, ...]
    lead_unit_only: bool = False  # a unit caller must be the order's 主办 unit


RULES: dict[EventKind, Rule] = {
    EventKind.DISPATCH: Rule(frozenset({S.RECEIVED}), (Role.AGENT, Role.ADMIN)),
    EventKind.SIGN: Rule(frozenset({S.DISPATCHED}), (Role.UNIT, Role.ADMIN), True),
    EventKind.RETURN_REQUEST: Rule(frozenset({S.DISPATCHED, S.HANDLING}), (Role.UNIT, Role.ADMIN), True),
    EventKind.RETURN_APPROVE: Rule(frozenset({S.RETURN_REQUESTED}), _PLATFORM),
    EventKind.RETURN_REJECT: Rule(frozenset({S.RETURN_REQUESTED}), _PLATFORM),
    EventKind.EXTENSION_REQUEST: Rule(frozenset({S.HANDLING}), (Role.UNIT, Role.ADMIN), True),
    EventKind.EXTENSION_APPROVE: Rule(frozenset({S.EXTENSION_REQUESTED}), (Role.SUPERVISOR, Role.ADMIN)),
    EventKind.EXTENSION_REJECT: Rule(frozenset({S.EXTENSION_REQUESTED}), (Role.SUPERVISOR, Role.ADMIN)),
    EventKind.REPLY: Rule(frozenset({S.HANDLING}), (Role.UNIT, Role.ADMIN), True),
    EventKind.REVIEW_APPROVE: Rule(frozenset({S.REPLIED}), _PLATFORM),
    EventKind.REVIEW_REJECT: Rule(frozenset({S.REPLIED}), _PLATFORM),
    EventKind.WITHDRAWN: Rule(WITHDRAWABLE_STATUSES, (Role.BOT, Role.AGENT, Role.ADMIN)),
    EventKind.REOPEN: Rule(frozenset({S.COMPLETED}), _PLATFORM),
    EventKind.FEEDBACK: Rule(frozenset({S.COMPLETED}), (Role.BOT, Role.AGENT, Role.ADMIN)),
    EventKind.CITIZEN_REOPEN: Rule(frozenset({S.COMPLETED}), (Role.BOT, Role.AGENT, Role.ADMIN)),
}

REOPEN_LIMIT = 1  # 重办 once per order by the citizen's 不满意; later ones go to a supervisor

_REQUEST_KINDS = {"withdraw": EventKind.WITHDRAWN}


class LifecycleError(Exception):
    """Base of the refusals below; ``message`` is user-facing Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RoleNotAllowed(LifecycleError):
    pass


class NotLeadUnit(LifecycleError):
    pass


class TransitionConflict(LifecycleError):
    """The event is not allowed in the order's current state (HTTP 409)."""


class EventInvalid(LifecycleError):
    """The event contradicts the order's data (HTTP 422)."""


def event_kind(kind: str) -> EventKind:
    return _REQUEST_KINDS.get(kind) or EventKind(kind)


# -- deadlines -------------------------------------------------------------------
def return_due_at(order: Order, calendar: WorkdayCalendar, tz: dt.tzinfo) -> dt.datetime | None:
    """Latest time for a return request: 1 working day after dispatch, urgent 30 minutes."""
    if order.dispatched_at is None:
        return None
    if order.urgent:
        return order.dispatched_at + URGENT_RETURN_WITHIN
    return calendar.due_at(order.dispatched_at, RETURN_WITHIN_WORKDAYS, tz)


def timeliness(order: Order, now: dt.datetime) -> Timeliness | None:
    """按期办结 / 逾期办结 / 逾期未办 / pending, for dispatched orders; None otherwise.

    The finish time is when the accepted result was submitted (``replied_at``);
    ``due_at`` is inclusive. Withdrawn and never-dispatched orders have none.
    """
    if order.dispatched_at is None or order.status == S.WITHDRAWN:
        return None
    if order.status == S.COMPLETED:
        finished = order.replied_at or order.completed_at
        assert finished is not None
        return Timeliness.ON_TIME if finished <= order.due_at else Timeliness.LATE
    if order.status == S.REPLIED and order.replied_at is not None and order.replied_at <= order.due_at:
        return Timeliness.PENDING
    return Timeliness.OVERDUE if now > order.due_at else Timeliness.PENDING


def _dispatch_values(order: Order, now: dt.datetime, calendar: WorkdayCalendar, tz: dt.tzinfo) -> dict[str, Any]:
    return {
        "dispatched_at": now,
        "accept_due_at": now + SIGN_WITHIN,
        "due_at": calendar.due_at(now, deadline_workdays(order.type), tz),
        "signed_at": None,
        "replied_at": None,
        "completed_at": None,
        "reply": None,
        "pending_request": None,
        "resume_status": None,
    }


# -- apply -------------------------------------------------------------------------
def apply_event(
    session: Session,
    order_no: str,
    event: Any,
    *,
    principal: Principal,
    calendar: WorkdayCalendar,
    tz: dt.tzinfo,
    now: dt.datetime,
    routing: RoutingTable,
) -> Order:
    kind = event_kind(event.kind)
    label = EVENT_LABELS[kind]
    rule = RULES[kind]
    order = get_order(session, order_no)
    if order is None or (principal.role is Role.UNIT and not order_concerns_unit(order, principal.unit or "")):
        session.rollback()
        raise OrderNotFound(order_no)
    if principal.role not in rule.roles:
        session.rollback()
        raise RoleNotAllowed(f"当前账号（{ROLE_LABELS[principal.role]}）无权执行“{label}”操作")
    if rule.lead_unit_only and principal.role is Role.UNIT and order.lead_unit != principal.unit:
        session.rollback()
        raise NotLeadUnit(f"只有主办单位可以执行“{label}”操作")
    current = S(order.status)
    if current not in rule.from_statuses:
        session.rollback()
        raise TransitionConflict(f"工单当前状态为“{current.label}”，不能执行“{label}”操作")

    try:
        values, payload = _plan(order, kind, event, calendar=calendar, tz=tz, now=now, routing=routing)
    except LifecycleError:
        session.rollback()
        raise
    values["status"] = values.get("status", current.value)
    values["updated_at"] = now
    result = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == current.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise TransitionConflict("工单状态已被他人更新，请刷新后重试")
    session.add(
        OrderEvent(
            order_id=order.id,
            kind=kind.value,
            at=now,
            actor=principal.actor,
            payload={"from": current.value, "to": values["status"], **payload},
        )
    )
    if kind is EventKind.REVIEW_APPROVE:
        # 双反馈 (第十三条): the accepted result goes to the citizen's channel, in this same transaction
        notifications.enqueue(session, order, tz, now)
    session.commit()
    session.refresh(order)
    session.commit()
    return order


def _citizen_reopen_refusal(order: Order) -> str | None:
    """Why a citizen's 不满意 cannot reopen the order by itself (then a supervisor decides), or None."""
    if (order.reopen_count or 0) >= REOPEN_LIMIT:
        return "该工单已重办过一次"
    if (order.reply or {}).get("written_explanation"):
        return "承办单位已出具书面履责意见并向群众说明（第二十二条（三））"
    return None


def _check_known_units(routing: RoutingTable, units: list[str]) -> None:
    unknown = [u for u in units if u not in routing.names]
    if unknown:
        raise EventInvalid(f"未知承办单位：{'、'.join(unknown)}；请使用派单表中的单位名称")


def _plan(
    order: Order,
    kind: EventKind,
    event: Any,
    *,
    calendar: WorkdayCalendar,
    tz: dt.tzinfo,
    now: dt.datetime,
    routing: RoutingTable,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Column values and event payload of one event (the status check is done)."""
    data = event.model_dump(mode="json", exclude={"kind"}, exclude_none=True)
    if isinstance(event, DispatchEvent):
        if event.lead_unit is not None:
            lead, co, source = event.lead_unit, list(event.co_units or []), "manual"
            if lead == order.route_unit and co == list(order.route_co_units or []):
                source = "suggested"
        elif order.route_unit is not None:
            lead, co, source = order.route_unit, list(order.route_co_units or []), "suggested"
        else:
            raise EventInvalid("该工单未匹配到承办单位（人工派单队列），请指定主办单位（lead_unit）")
        _check_known_units(routing, [lead, *co])
        values = _dispatch_values(order, now, calendar, tz)
        values.update(status=S.DISPATCHED.value, lead_unit=lead, co_units=co or None)
        if event.category is not None:
            values["category"] = event.category.value
        if event.urgent is not None:
            values["urgent"] = event.urgent
        payload = {**data, "lead_unit": lead, "co_units": co, "source": source, "route_reason": order.route_reason}
        return values, {**payload, "due_at": values["due_at"].isoformat()}
    if isinstance(event, SignEvent):
        late = order.accept_due_at is not None and now > order.accept_due_at
        return {"status": S.HANDLING.value, "signed_at": now}, {**data, "signed_late": late}
    if isinstance(event, ReturnRequestEvent):
        due = return_due_at(order, calendar, tz)
        if due is not None and now > due:
            limit = "30 分钟" if order.urgent else "1 个工作日"
            raise TransitionConflict(f"已超过退单申请时限（派单后{limit}内），请继续办理或申请延期")
        request = {"kind": "return", **data, "requested_at": now.isoformat()}
        return {"status": S.RETURN_REQUESTED.value, "resume_status": order.status, "pending_request": request}, data
    if isinstance(event, ReturnApproveEvent):
        _check_known_units(routing, [event.lead_unit, *event.co_units])
        values = _dispatch_values(order, now, calendar, tz)
        values.update(
            status=S.DISPATCHED.value,
            lead_unit=event.lead_unit,
            co_units=event.co_units or None,
            return_count=order.return_count + 1,
        )
        return values, {**data, "previous_lead_unit": order.lead_unit, "due_at": values["due_at"].isoformat()}
    if isinstance(event, ReturnRejectEvent):
        case = RETURN_REFUSAL_CASES[event.refusal_case]
        values = {"status": order.resume_status or S.HANDLING.value, "resume_status": None, "pending_request": None}
        return values, {**data, "refusal_case_text": case}
    if isinstance(event, ExtensionRequestEvent):
        if order.urgent:
            raise TransitionConflict("紧急突发类工单不能申请延期（第十六条）")
        if now > order.due_at:
            raise TransitionConflict("已超过办结期限，不能再申请延期；延期须在办结期限前提出")
        if event.requested_due_date <= order.due_at.astimezone(tz).date():
            raise EventInvalid("申请延期至的日期须晚于当前办结期限")
        request = {"kind": "extension", **data, "requested_at": now.isoformat()}
        return {"status": S.EXTENSION_REQUESTED.value, "resume_status": order.status, "pending_request": request}, data
    if isinstance(event, ExtensionApproveEvent):
        requested = dt.date.fromisoformat((order.pending_request or {})["requested_due_date"])
        due_date = event.due_date or requested
        if due_date <= order.due_at.astimezone(tz).date():
            raise EventInvalid("批准的办结日期须晚于当前办结期限")
        new_due = dt.datetime.combine(due_date, dt.time(23, 59, 59), tzinfo=tz)
        values = {
            "status": S.HANDLING.value,
            "resume_status": None,
            "pending_request": None,
            "due_at": new_due,
            "extension_count": order.extension_count + 1,
        }
        return values, {**data, "previous_due_at": order.due_at.isoformat(), "due_at": new_due.isoformat()}
    if isinstance(event, ExtensionRejectEvent):
        return {"status": S.HANDLING.value, "resume_status": None, "pending_request": None}, data
    if isinstance(event, ReplyEvent):
        if order.reply_required and event.citizen_reply is None and event.no_reply_note is None:
            raise EventInvalid("该工单需要回复服务对象：请填写回复服务对象情况（citizen_reply），或在 no_reply_note 中说明无法回复的情况")
        return {"status": S.REPLIED.value, "replied_at": now, "reply": data}, data
    if isinstance(event, ReviewApproveEvent):
        # a new round is rated afresh (an earlier round's 不满意 led to this one)
        return {"status": S.COMPLETED.value, "completed_at": now, "satisfaction": None,
                "satisfaction_comment": None}, data
    if isinstance(event, ReviewRejectEvent):
        return {"status": S.HANDLING.value, "replied_at": None}, data
    if isinstance(event, WithdrawEvent):
        return {"status": S.WITHDRAWN.value, "withdrawn_at": now, "withdraw_reason": event.reason}, {
            "previous_status": order.status,
            "reason": event.reason,
        }
    if isinstance(event, ReopenEvent):
        values = _dispatch_values(order, now, calendar, tz)
        values.update(
            status=S.DISPATCHED.value,
            reopen_count=order.reopen_count + 1,
            satisfaction=None,
            satisfaction_comment=None,
            supervisor_queue_at=None,
            supervisor_queue_reason=None,
        )
        return values, {**data, "due_at": values["due_at"].isoformat()}
    if isinstance(event, CitizenReopenEvent):
        refusal = _citizen_reopen_refusal(order)
        if refusal is not None:
            if order.supervisor_queue_at is not None:
                raise TransitionConflict("该工单已转值班长处理，请耐心等待")
            return ({"supervisor_queue_at": now, "supervisor_queue_reason": f"{refusal}；群众意见：{event.reason}"[:500]},
                    {**data, "decision": "supervisor", "why": refusal})
        values = _dispatch_values(order, now, calendar, tz)
        values.update(status=S.DISPATCHED.value, reopen_count=order.reopen_count + 1)  # 同一承办单位, keeps the rating
        return values, {**data, "decision": "reopened", "lead_unit": order.lead_unit,
                        "due_at": values["due_at"].isoformat()}
    if isinstance(event, FeedbackEvent):
        if order.satisfaction is not None:
            raise TransitionConflict("该工单已评价，不能重复评价")
        return {"satisfaction": event.satisfaction.value, "satisfaction_comment": event.comment}, data
    raise AssertionError(f"unhandled event {kind}")  # pragma: no cover

"""POST /api/v1/orders/{order_no}/events: the order lifecycle (role-checked)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from gateway.api.deps import CalendarDep, NowDep, PrincipalDep, RoutingDep, SessionDep, TzDep
from gateway.api.routes.orders import _errors, _query_sender_id, publish
from gateway.core.security import Role
from gateway.domain import ORDER_NO_PATTERN
from gateway.schemas import ErrorResponse, OrderEventRequest, OrderOut
from gateway.services import lifecycle
from gateway.services.orders import OrderNotFound, get_order

router = APIRouter(prefix="/orders", tags=["lifecycle"])

_ORDER_NOT_FOUND = "工单不存在"


@router.post(
    "/{order_no}/events",
    response_model=OrderOut,
    summary="工单流转：派单、签收、退单、延期、办结、审核、撤单、重办、评价",
    responses={
        404: {"model": ErrorResponse, "description": "工单不存在（或不属于本单位）"},
        409: {"model": ErrorResponse, "description": "当前状态不允许该操作"},
        **_errors,
    },
)
def post_event(
    order_no: str,
    event: OrderEventRequest,
    session: SessionDep,
    calendar: CalendarDep,
    tz: TzDep,
    principal: PrincipalDep,
    now: NowDep,
    routing: RoutingDep,
    sender_id: Annotated[str | None, Query(max_length=128, description="智能客服账号必填：工单提交人")] = None,
) -> OrderOut:
    if not ORDER_NO_PATTERN.fullmatch(order_no):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    if principal.role is Role.BOT:
        # the bot acts for one citizen (withdraw, feedback): it must name them, and only their order
        sender_id = _query_sender_id(sender_id)
        if sender_id is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="智能客服账号只能为工单提交人（sender_id）办理")
        order = get_order(session, order_no)
        session.commit()
        if order is None or order.sender_id != sender_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    try:
        order = lifecycle.apply_event(
            session, order_no, event, principal=principal, calendar=calendar, tz=tz, now=now,
            routing=routing,
        )
    except OrderNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND) from None
    except (lifecycle.RoleNotAllowed, lifecycle.NotLeadUnit) as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=exc.message) from None
    except lifecycle.TransitionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=exc.message) from None
    except lifecycle.EventInvalid as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{exc.message}") from None
    (out,) = publish(session, principal, [order], tz, now, f"event:{event.kind}")
    return out

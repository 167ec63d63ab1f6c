"""/api/v1/orders: create (idempotent), read, list, withdraw."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic_core import PydanticCustomError

from gateway.api.deps import CalendarDep, SessionDep, TzDep
from gateway.domain import ORDER_NO_PATTERN, Channel, OrderStatus, OrderType
from gateway.models import Order
from gateway.schemas import (
    ErrorResponse,
    OrderCreate,
    OrderList,
    OrderOut,
    WithdrawRequest,
    clean_text,
)
from gateway.services import orders as service

router = APIRouter(prefix="/orders", tags=["orders"])

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")
_ORDER_NOT_FOUND = "工单不存在"

_errors = {
    401: {"model": ErrorResponse, "description": "缺少或无效的访问令牌"},
    413: {"model": ErrorResponse, "description": "请求体过大"},
    422: {"model": ErrorResponse, "description": "参数校验失败"},
}


def to_out(order: Order, tz: dt.tzinfo) -> OrderOut:
    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(tz).replace(microsecond=0) if value is not None else None

    order_status = OrderStatus(order.status)
    return OrderOut(
        order_no=order.order_no,
        type=OrderType(order.type),
        status=order_status,
        status_label=order_status.label,
        channel=Channel(order.channel),
        sender_id=order.sender_id,
        district=order.district,
        address=order.address,
        occurred_at=order.occurred_at,
        contact_name=order.contact_name,
        contact_phone=order.contact_phone,
        anonymous=order.anonymous,
        reply_required=order.reply_required,
        description=order.description,
        conversation_id=order.conversation_id,
        created_at=local(order.created_at),  # type: ignore[arg-type]
        due_at=local(order.due_at),  # type: ignore[arg-type]
        withdrawn_at=local(order.withdrawn_at),
        withdraw_reason=order.withdraw_reason,
    )


def _query_sender_id(value: str | None) -> str | None:
    """Normalise a sender_id query parameter exactly like stored sender ids."""
    if value is None:
        return None
    try:
        return clean_text(value, "提交人标识（sender_id）")
    except PydanticCustomError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{exc}") from None


def _order_location(order_no: str) -> str:
    return f"/api/v1/orders/{order_no}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    summary="创建工单（支持 Idempotency-Key 幂等重试）",
    responses={
        200: {"model": OrderOut, "description": "同一 Idempotency-Key 的重放，返回已创建的工单"},
        409: {"model": ErrorResponse, "description": "Idempotency-Key 已用于不同的请求内容"},
        **_errors,
    },
)
def create_order(
    payload: OrderCreate,
    response: Response,
    session: SessionDep,
    calendar: CalendarDep,
    tz: TzDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="1–128 个可见 ASCII 字符；相同键 + 相同内容只创建一张工单"),
    ] = None,
) -> OrderOut:
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="Idempotency-Key 格式不正确：须为 1–128 个可见 ASCII 字符（不含空格）",
        )
    try:
        result = service.create_order(
            session, payload, idempotency_key=idempotency_key, calendar=calendar, tz=tz
        )
    except service.IdempotencyConflict:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="该 Idempotency-Key 已用于内容不同的请求，请使用新的 Idempotency-Key",
        ) from None
    response.headers["Location"] = _order_location(result.order.order_no)
    if result.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return to_out(result.order, tz)


@router.get(
    "",
    response_model=OrderList,
    summary="查询工单列表（按创建时间倒序）",
    responses=_errors,
)
def list_orders(
    session: SessionDep,
    tz: TzDep,
    sender_id: Annotated[str | None, Query(max_length=128, description="只看该提交人的工单")] = None,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OrderList:
    items, total = service.list_orders(
        session, sender_id=_query_sender_id(sender_id), status=order_status, limit=limit, offset=offset
    )
    return OrderList(items=[to_out(order, tz) for order in items], total=total)


@router.get(
    "/{order_no}",
    response_model=OrderOut,
    summary="查询单个工单",
    responses={404: {"model": ErrorResponse, "description": "工单不存在"}, **_errors},
)
def get_order(
    order_no: str,
    session: SessionDep,
    tz: TzDep,
    sender_id: Annotated[
        str | None,
        Query(max_length=128, description="若提供，则工单提交人不一致时同样返回 404（防止他人查询）"),
    ] = None,
) -> OrderOut:
    sender_id = _query_sender_id(sender_id)
    order = service.get_order(session, order_no) if ORDER_NO_PATTERN.fullmatch(order_no) else None
    if order is None or (sender_id is not None and order.sender_id != sender_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    return to_out(order, tz)


@router.post(
    "/{order_no}/withdraw",
    response_model=OrderOut,
    summary="撤单（第十八条）",
    responses={
        403: {"model": ErrorResponse, "description": "提交人不一致"},
        404: {"model": ErrorResponse, "description": "工单不存在"},
        409: {"model": ErrorResponse, "description": "工单已撤单或已办结"},
        **_errors,
    },
)
def withdraw_order(order_no: str, body: WithdrawRequest, session: SessionDep, tz: TzDep) -> OrderOut:
    if not ORDER_NO_PATTERN.fullmatch(order_no):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    try:
        order = service.withdraw_order(session, order_no, sender_id=body.sender_id, reason=body.reason)
    except service.OrderNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND) from None
    except service.NotOrderOwner:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="只有工单提交人本人可以撤单") from None
    except service.OrderNotWithdrawable as exc:
        if exc.status == OrderStatus.WITHDRAWN:
            detail = "该工单已撤单，无需重复操作"
        else:
            detail = "该工单当前状态不允许撤单"
        raise HTTPException(status.HTTP_409_CONFLICT, detail=detail) from None
    return to_out(order, tz)

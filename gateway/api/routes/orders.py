"""/api/v1/orders: create (idempotent), read, list, withdraw."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from gateway.api.deps import (
    CalendarDep,
    NowDep,
    PrincipalDep,
    RoutingDep,
    SessionDep,
    SettingsDep,
    TzDep,
    require_roles,
)
from gateway.core.security import Principal, Role
from gateway.domain import ORDER_NO_PATTERN, Category, Channel, OrderStatus, OrderType, Satisfaction
from gateway.models import Order
from gateway.schemas import (
    Attachment,
    AttachmentOut,
    ConversationTurn,
    ErrorResponse,
    IdempotencyConflictOut,
    KnowledgeItem,
    OrderCreate,
    OrderList,
    OrderOut,
    WithdrawRequest,
    clean_text,
)
from gateway.services import attachments as attachment_service
from gateway.services import orders as service
from gateway.services.lifecycle import timeliness
from gateway.services.orders import utcnow
from gateway.services.privacy import audit_reads, present

router = APIRouter(prefix="/orders", tags=["orders"])

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")
_ORDER_NOT_FOUND = "工单不存在"
IDEMPOTENCY_CONFLICT = "该 Idempotency-Key 已用于内容不同的请求，请使用新的 Idempotency-Key"

# Intake roles: may create orders and withdraw them on the citizen's behalf.
INTAKE_ROLES = (Role.BOT, Role.AGENT, Role.ADMIN)
IntakeDep = Annotated[Principal, Depends(require_roles(*INTAKE_ROLES))]

_errors = {
    401: {"model": ErrorResponse, "description": "缺少或无效的访问令牌"},
    403: {"model": ErrorResponse, "description": "当前角色无权执行此操作"},
    413: {"model": ErrorResponse, "description": "请求体过大"},
    422: {"model": ErrorResponse, "description": "参数校验失败"},
}


ATTACHMENT_DOWNLOAD_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.UNIT})


def to_out(
    order: Order, tz: dt.tzinfo, now: dt.datetime | None = None, files: list[AttachmentOut] | None = None
) -> OrderOut:
    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(tz).replace(microsecond=0) if value is not None else None

    order_status = OrderStatus(order.status)
    standing = timeliness(order, now or utcnow())
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
        category=Category(order.category) if order.category else None,
        urgent=bool(order.urgent),
        lead_unit=order.lead_unit,
        co_units=list(order.co_units or []),
        accept_due_at=local(order.accept_due_at),
        attachments=[Attachment.model_validate(a) for a in order.attachments or []],
        attachment_files=files or [],
        source_conversation=[ConversationTurn.model_validate(t) for t in order.source_conversation or []],
        knowledge_items=[KnowledgeItem.model_validate(k) for k in order.knowledge_items or []],
        dispatched_at=local(order.dispatched_at),
        signed_at=local(order.signed_at),
        replied_at=local(order.replied_at),
        completed_at=local(order.completed_at),
        timeliness=standing,
        timeliness_label=standing.label if standing else None,
        pending_request=order.pending_request,
        reply=order.reply,
        satisfaction=Satisfaction(order.satisfaction) if order.satisfaction else None,
        satisfaction_comment=order.satisfaction_comment,
        extension_count=order.extension_count or 0,
        return_count=order.return_count or 0,
        reopen_count=order.reopen_count or 0,
        supervisor_queue_at=local(order.supervisor_queue_at),
        supervisor_queue_reason=order.supervisor_queue_reason,
        route_rule=order.route_rule,
        route_unit=order.route_unit,
        route_co_units=list(order.route_co_units or []),
        route_reason=order.route_reason,
    )


def publish(
    session: Session,
    principal: Principal,
    orders: list[Order],
    tz: dt.tzinfo,
    now: dt.datetime,
    action: str,
) -> list[OrderOut]:
    """Orders as this principal may see them; audited when personal data is shown."""
    views, shown = [], []
    files = attachment_service.for_orders(session, [order.id for order in orders])
    downloadable = principal.role in ATTACHMENT_DOWNLOAD_ROLES
    for order in orders:
        outs = [
            attachment_service.to_schema(
                row, tz, download_url=f"/api/v1/attachments/{row.id}/content" if downloadable else None
            )
            for row in files.get(order.id, [])
        ]
        view, personal = present(to_out(order, tz, now, outs), order, principal)
        views.append(view)
        if personal:
            shown.append(order.order_no)
    audit_reads(session, principal, shown, action, now)
    return views


def _query_sender_id(value: str | None) -> str | None:
    """Normalise a sender_id query parameter exactly like stored sender ids."""
    if value is None:
        return None
    try:
        return clean_text(value, "提交人标识（sender_id）")
    except PydanticCustomError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{exc}") from None


SENDER_REQUIRED = "智能客服账号只能按提交人（sender_id）查询工单"


def require_sender_for_bot(principal: Principal, sender_id: str | None) -> None:
    """The bot token (held by Rasa, the action server and the email worker) reads orders
    only on a citizen's behalf: it must name the sender. Listing or reading by number
    without it is for agent roles and above (403 otherwise)."""
    if principal.role is Role.BOT and sender_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=SENDER_REQUIRED)


def _order_location(order_no: str) -> str:
    return f"/api/v1/orders/{order_no}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    summary="创建工单（支持 Idempotency-Key 幂等重试）",
    responses={
        200: {"model": OrderOut, "description": "同一 Idempotency-Key 的重放，返回已创建的工单"},
        409: {"model": IdempotencyConflictOut,
              "description": "Idempotency-Key 已用于不同的请求内容；同一提交人时附带已创建的工单（order_no、order）"},
        **_errors,
    },
)
def create_order(
    payload: OrderCreate,
    response: Response,
    principal: IntakeDep,
    session: SessionDep,
    calendar: CalendarDep,
    tz: TzDep,
    now: NowDep,
    routing: RoutingDep,
    settings: SettingsDep,
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
            session, payload, idempotency_key=idempotency_key, calendar=calendar, tz=tz, now=now,
            routing=routing,
            check_duplicates=settings.duplicate_check,
        )
    except service.IdempotencyConflict as conflict:
        if conflict.order is None:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=IDEMPOTENCY_CONFLICT) from None
        # The same form (same key, same sender) came back changed, typically after the
        # answer to the first submission was lost: the order exists, say which one.
        (stored,) = publish(session, principal, [conflict.order], tz, now, "create")
        return JSONResponse(  # type: ignore[return-value]
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": IDEMPOTENCY_CONFLICT, "order_no": stored.order_no,
                     "order": stored.model_dump(mode="json")},
            headers={"Location": _order_location(stored.order_no)},
        )
    except attachment_service.AttachmentNotLinkable as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{exc.message}") from None
    response.headers["Location"] = _order_location(result.order.order_no)
    if result.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    (out,) = publish(session, principal, [result.order], tz, now, "create")
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
        response.headers["Duplicate-Of"] = result.order.order_no
        out.notice = (
            f"您反映的问题已有工单在办理中（工单编号：{out.order_no}，当前状态：{out.status_label}），"
            "本次反映已并入该工单，无需重复提交。"
        )
    return out


@router.get(
    "",
    response_model=OrderList,
    summary="查询工单列表（按创建时间倒序；智能客服账号须带 sender_id）",
    responses=_errors,
)
def list_orders(
    session: SessionDep,
    tz: TzDep,
    principal: PrincipalDep,
    now: NowDep,
    sender_id: Annotated[str | None, Query(max_length=128, description="只看该提交人的工单")] = None,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OrderList:
    sender_id = _query_sender_id(sender_id)
    require_sender_for_bot(principal, sender_id)
    items, total = service.list_orders(
        session,
        sender_id=sender_id,
        status=order_status,
        unit=principal.unit if principal.role is Role.UNIT else None,
        limit=limit,
        offset=offset,
    )
    return OrderList(items=publish(session, principal, items, tz, now, "list"), total=total)


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
    principal: PrincipalDep,
    now: NowDep,
    sender_id: Annotated[
        str | None,
        Query(max_length=128, description="若提供，则工单提交人不一致时同样返回 404（防止他人查询）"),
    ] = None,
) -> OrderOut:
    sender_id = _query_sender_id(sender_id)
    require_sender_for_bot(principal, sender_id)
    order = service.get_order(session, order_no) if ORDER_NO_PATTERN.fullmatch(order_no) else None
    if order is None or (sender_id is not None and order.sender_id != sender_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    # A unit sees only the orders it handles (主办 or 会办); others answer 404, not 403,
    # so that order numbers of other units cannot be probed.
    if principal.role is Role.UNIT and not service.order_concerns_unit(order, principal.unit or ""):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    (out,) = publish(session, principal, [order], tz, now, "get")
    return out


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
def withdraw_order(
    order_no: str, body: WithdrawRequest, session: SessionDep, tz: TzDep, principal: IntakeDep, now: NowDep
) -> OrderOut:
    if not ORDER_NO_PATTERN.fullmatch(order_no):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    try:
        order = service.withdraw_order(
            session, order_no, sender_id=body.sender_id, reason=body.reason, now=now
        )
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
    (out,) = publish(session, principal, [order], tz, now, "withdraw")
    return out

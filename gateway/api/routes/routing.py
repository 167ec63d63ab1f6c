"""Routing table (第十一条), route preview and the manual dispatch queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from gateway.api.deps import NowDep, RoutingDep, SessionDep, TzDep, require_roles
from gateway.api.routes.orders import _errors, publish
from gateway.core.security import Principal, Role
from gateway.domain import OrderStatus
from gateway.models import Order, PersonalDataRead
from gateway.schemas import OrderList, RouteDecisionOut, RoutePreviewRequest
from gateway.services.routing import RouteRule, route

router = APIRouter(tags=["routing"])

StaffDep = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))]


@router.get("/routing", summary="当前派单表（县区单位与市级单位、关键词）", responses=_errors)
def get_routing_table(routing: RoutingDep, _principal: StaffDep) -> dict[str, Any]:
    return routing.as_dict()


@router.post(
    "/routing/preview", response_model=RouteDecisionOut, summary="派单预览（不保存）", responses=_errors
)
def preview_route(body: RoutePreviewRequest, routing: RoutingDep, _principal: StaffDep) -> RouteDecisionOut:
    decision = route(routing, body.description, body.district)
    return RouteDecisionOut(
        rule=decision.rule.value,
        lead_unit=decision.lead_unit,
        co_units=list(decision.co_units),
        reason=decision.reason,
        matched=decision.matched,
    )


@router.get(
    "/dispatch-queue",
    response_model=OrderList,
    summary="人工派单队列：未匹配到承办单位、等待派单的工单（最早的在前）",
    responses=_errors,
)
def dispatch_queue(
    session: SessionDep,
    tz: TzDep,
    now: NowDep,
    principal: StaffDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OrderList:
    conditions = (Order.status == OrderStatus.RECEIVED.value, Order.route_rule == RouteRule.MANUAL.value)
    total = session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0
    rows = session.scalars(
        select(Order).where(*conditions).order_by(Order.created_at, Order.id).limit(limit).offset(offset)
    ).all()
    return OrderList(items=publish(session, principal, list(rows), tz, now, "dispatch-queue"), total=total)


@router.get("/audit/personal-data", summary="个人信息查阅记录（仅管理员）", responses=_errors)
def personal_data_reads(
    session: SessionDep,
    tz: TzDep,
    _principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
    order_no: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    conditions = [PersonalDataRead.order_no == order_no] if order_no else []
    total = session.scalar(select(func.count()).select_from(PersonalDataRead).where(*conditions)) or 0
    rows = session.scalars(
        select(PersonalDataRead)
        .where(*conditions)
        .order_by(PersonalDataRead.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "items": [
            {"at": r.at.astimezone(tz).isoformat(), "actor": r.actor, "order_no": r.order_no, "action": r.action}
            for r in rows
        ],
        "total": total,
    }

"""GET /api/v1/reports (monthly figures) and POST /api/v1/direct-answers (直接解答)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from gateway.api.deps import NowDep, RoutingDep, SessionDep, TzDep, require_roles
from gateway.api.routes.orders import _errors
from gateway.core.security import Principal, Role
from gateway.models import DirectAnswer
from gateway.schemas import DirectAnswerCreate, DirectAnswerOut
from gateway.services.reports import build_report

router = APIRouter(tags=["reports"])

ReportRoles = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))]
AnswerRoles = Annotated[Principal, Depends(require_roles(Role.BOT, Role.AGENT, Role.ADMIN))]
MAX_REPORT_DAYS = 366


@router.get("/reports", summary="运行情况统计（月报口径）", responses=_errors)
def get_report(
    session: SessionDep,
    tz: TzDep,
    routing: RoutingDep,
    now: NowDep,
    _principal: ReportRoles,
    start: Annotated[dt.date, Query(alias="from", description="起始日期（含），如 2025-01-01")],
    end: Annotated[dt.date, Query(alias="to", description="截止日期（含），如 2025-01-31")],
) -> dict[str, Any]:
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="请求参数有误：截止日期不能早于起始日期")
    if (end - start).days >= MAX_REPORT_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="请求参数有误：统计区间最长 366 天")
    return build_report(session, start=start, end=end, tz=tz, routing=routing, now=now)


@router.post(
    "/direct-answers",
    status_code=status.HTTP_201_CREATED,
    response_model=DirectAnswerOut,
    summary="登记一次直接解答（知识库答复或话务员当场解答，不生成工单）",
    responses=_errors,
)
def record_direct_answer(
    body: DirectAnswerCreate, session: SessionDep, tz: TzDep, now: NowDep, principal: AnswerRoles
) -> DirectAnswerOut:
    answer = DirectAnswer(
        at=now,
        channel=body.channel.value,
        type=body.type.value,
        category=body.category.value if body.category else None,
        knowledge_item_id=body.knowledge_item_id,
        conversation_id=body.conversation_id,
        actor=principal.actor,
    )
    session.add(answer)
    session.commit()
    return DirectAnswerOut(id=answer.id, at=now.astimezone(tz).replace(microsecond=0))

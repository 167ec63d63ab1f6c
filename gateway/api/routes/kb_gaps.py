"""GET /api/v1/kb/gaps: knowledge gaps from the KB service, with deadlines (supervisor, admin)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response

from gateway.api.deps import CalendarDep, NowDep, SettingsDep, TzDep, require_roles
from gateway.api.routes.orders import _errors
from gateway.core.security import Principal, Role
from gateway.schemas import ErrorResponse
from gateway.services.kb_gaps import KBClient, KBUnavailable, to_csv, with_deadlines

logger = logging.getLogger(__name__)
router = APIRouter(tags=["knowledge base"])
GapRoles = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]


@router.get(
    "/kb/gaps",
    summary="知识库缺口（群众问到而知识库答不了的问题），含 3 个工作日的补充期限与逾期标记",
    responses={502: {"model": ErrorResponse, "description": "知识库服务无法访问"}, **_errors},
)
def list_gaps(
    _principal: GapRoles,
    settings: SettingsDep,
    calendar: CalendarDep,
    tz: TzDep,
    now: NowDep,
    since: Annotated[dt.date | None, Query(description="只看该日期（含）之后记录的缺口，如 2026-11-01")] = None,
    overdue: Annotated[bool | None, Query(description="true 只看已逾期的，false 只看未逾期的")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
    format: Annotated[Literal["json", "csv"], Query(description="json 或 csv（导出）")] = "json",
) -> Any:
    client = KBClient(settings.kb_url, settings.kb_token.get_secret_value() if settings.kb_token else None,
                      settings.kb_timeout_s)
    try:
        items = client.gaps(since, limit)
    except KBUnavailable as exc:
        logger.warning("knowledge gaps not available from %s: %s", settings.kb_url, exc)
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail="知识库服务暂时无法访问，请稍后再试") from None
    gaps = with_deadlines(items, calendar, tz, now)
    if overdue is not None:
        gaps = [g for g in gaps if g["overdue"] is overdue]
    if format == "csv":
        filename = f"kb_gaps_{now.astimezone(tz):%Y%m%d}.csv"
        return Response(to_csv(gaps), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return {"items": gaps, "count": len(gaps), "overdue": sum(1 for g in gaps if g["overdue"])}

"""Results on their way to the citizen (issue 14): the channel's report, and per order what was sent."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.deps import NowDep, SessionDep, TzDep, require_roles
from gateway.core.security import Principal, Role
from gateway.domain import ORDER_NO_PATTERN
from gateway.models import Notification
from gateway.services import notifications as svc
from gateway.services.orders import get_order, order_concerns_unit

router = APIRouter(tags=["notifications"])

ChannelRoles = Annotated[Principal, Depends(require_roles(Role.BOT, Role.ADMIN))]
ReadRoles = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.UNIT))]


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notification: str = Field(min_length=18, max_length=100, pattern=r"^SL\d{14}:[a-z]+:\d+$")
    outcome: Literal["delivered", "template", "pushed", "stored", "undelivered", "failed"]
    detail: str | None = Field(default=None, max_length=500)


def describe(row: Notification, tz: dt.tzinfo) -> dict[str, Any]:
    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(tz).replace(microsecond=0).isoformat() if value is not None else None

    return {
        "order_no": row.order_no, "event": row.event_key, "channel": row.channel, "text": row.payload.get("text"),
        "created_at": local(row.created_at), "sent_at": local(row.sent_at), "attempts": row.attempts,
        "last_error": row.last_error, "dead": row.dead_at is not None, "outcome": row.outcome,
        "outcome_label": svc.OUTCOMES.get(row.outcome or "", "等待发送" if row.sent_at is None else "已交智能助手发送"),
        "outcome_at": local(row.outcome_at), "outcome_detail": row.outcome_detail,
    }


@router.post("/notifications/outcome", summary="渠道回报办理结果通知的送达情况（智能客服账号）")
def report_outcome(body: OutcomeBody, session: SessionDep, now: NowDep, _principal: ChannelRoles) -> dict[str, str]:
    if not svc.record_outcome(session, body.notification, body.outcome, body.detail, now):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="通知不存在")
    return {"status": "ok"}


@router.get("/orders/{order_no}/notifications", summary="该工单发给群众的办理结果通知")
def order_notifications(order_no: str, session: SessionDep, tz: TzDep, principal: ReadRoles) -> dict[str, Any]:
    order = get_order(session, order_no) if ORDER_NO_PATTERN.fullmatch(order_no) else None
    if order is None or (principal.role is Role.UNIT and not order_concerns_unit(order, principal.unit or "")):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="工单不存在")
    items = [describe(row, tz) for row in svc.for_order(session, order_no)]
    session.commit()
    return {"items": items, "satisfaction": order.satisfaction, "reopen_count": order.reopen_count}

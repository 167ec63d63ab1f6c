"""POST /api/v1/handoffs: the bot (action server, role bot) puts a conversation into the agents' queue.

The queue itself belongs to the agent console (gateway/console/handoffs.py); this is its bot-facing door,
under the gateway's bearer tokens like the rest of /api/v1.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.api.deps import ConsoleSettingsDep, NowDep, SessionDep, TzDep, require_roles
from gateway.console import handoffs as svc
from gateway.console.settings import is_staffed
from gateway.core.security import Principal, Role
from gateway.schemas import clean_text

router = APIRouter(prefix="/handoffs", tags=["handoffs"])
BotDep = Annotated[Principal, Depends(require_roles(Role.BOT, Role.ADMIN))]
MAX_SUMMARY_KEYS = 30


class HandoffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: str = Field(min_length=1, max_length=255)
    channel: str = Field(default="rest", min_length=1, max_length=32)
    reason: Literal["citizen_asked", "not_understood", "dissatisfied"]
    summary: dict[str, Any] = Field(default_factory=dict)
    last_text: str | None = Field(default=None, max_length=4000)

    @field_validator("sender_id", "channel", "last_text")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return clean_text(value, "内容") if value is not None else None

    @field_validator("summary")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_SUMMARY_KEYS:
            raise ValueError("summary 字段过多")
        return {str(k)[:64]: (v[:2000] if isinstance(v, str) else v) for k, v in value.items()
                if isinstance(v, (str, int, float, bool)) or v is None}


class HandoffAnswer(BaseModel):
    sender_id: str
    status: str
    staffed: bool
    staffed_hours: str
    waiting: int


@router.post("", response_model=HandoffAnswer, summary="转人工：把会话放入坐席工作台的等待队列")
def request_handoff(body: HandoffRequest, principal: BotDep, session: SessionDep, now: NowDep, tz: TzDep,
                    console: ConsoleSettingsDep) -> HandoffAnswer:
    if not body.sender_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="会话标识不能为空")
    row = svc.record_escalation(session, sender_id=body.sender_id, channel=body.channel, reason=body.reason,
                                summary=body.summary, last_text=body.last_text, now=now)
    waiting = sum(1 for r in svc.open_rows(session) if r.status == svc.WAITING)
    return HandoffAnswer(sender_id=row.sender_id, status=row.status, staffed=is_staffed(console, now, tz),
                         staffed_hours=console.hours_label, waiting=waiting)

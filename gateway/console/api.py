"""JSON API of the console (the pages' JavaScript calls it): queue, conversation, actions.

Every route needs a login; every state-changing one also the session's CSRF token
(header X-CSRF-Token). Routes are plain ``def``: FastAPI runs them in its thread
pool, so database and Rasa calls never block the event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from gateway.console import audit
from gateway.console import handoffs as svc
from gateway.console.deps import ApiAgent, CsrfAgent, Now, Settings
from gateway.console.events_store import Conversation
from gateway.console.models import ConsoleUser, Handoff
from gateway.console.rasa_client import RasaClient, RasaUnavailable
from gateway.console.sessions import Agent
from gateway.console.users import ROLE_LABELS, ConsoleRole
from gateway.domain import OrderType
from gateway.schemas import OrderCreate, clean_text
from gateway.services import orders as order_service
from gateway.services import outbox
from gateway.services.privacy import mask_identifier, mask_name
from vocabulary import SLOT_LABELS, canonical_channel, channel_label, mask_phone, mask_phones_in_text
from vocabulary.channels import AGENT, REST

router = APIRouter(prefix="/console/api", include_in_schema=False)
logger = logging.getLogger("gateway.console")

MAX_REPLY_CHARS = 2000
HANDBACK_NOTICE = "人工客服已结束本次服务，接下来由智能助手继续为您服务。如还有其他问题，请直接告诉我。"
TAKEOVER_UNCONFIRMED = "智能助手服务暂时无法确认会话状态，接管未完成，该会话已放回等待队列，请稍后重试"
PERSONAL_SLOTS = {"contact_name": mask_name, "contact_phone": mask_phone}


class SenderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sender_id: str = Field(min_length=1, max_length=255)


class ReplyBody(SenderBody):
    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS * 2)


class TransferBody(SenderBody):
    to: str = Field(min_length=1, max_length=50)


class OrderBody(SenderBody):
    type: str
    description: str = Field(max_length=4000)
    district: str | None = None
    address: str | None = None
    occurred_at: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    anonymous: bool = False
    reply_required: bool = True


def _db(request: Request) -> Any:
    return request.app.state.database.sessionmaker()


def _rasa(request: Request) -> RasaClient:
    return request.app.state.rasa_client


def _fail(error: svc.ConsoleError) -> HTTPException:
    return HTTPException(error.status_code, detail=error.message)


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value else None


def _mask_text(text: str, agent: Agent) -> str:
    return text if agent.personal_data else mask_phones_in_text(text)


def _handoff_json(row: Handoff, agent: Agent) -> dict[str, Any]:
    return {
        "sender_id": row.sender_id, "channel": row.channel,
        "channel_label": channel_label(row.channel), "reason": row.reason,
        "reason_label": svc.REASONS.get(row.reason, row.reason), "status": row.status,
        "status_label": svc.STATUS_LABELS.get(row.status, row.status), "holder": row.holder,
        "requested_at": _epoch(row.requested_at), "taken_at": _epoch(row.taken_at),
        "last_text": _mask_text((row.last_text or "")[:200], agent), "order_no": row.order_no,
        "mine": row.holder == agent.name,
    }


@router.get("/me")
def me(agent: ApiAgent) -> dict[str, Any]:
    return {"name": agent.name, "role": agent.role, "role_label": ROLE_LABELS[ConsoleRole(agent.role)]}


@router.get("/queue")
def queue(request: Request, agent: ApiAgent, settings: Settings, now: Now) -> dict[str, Any]:
    with _db(request) as session:
        rows = svc.open_rows(session)
        users = [u.name for u in session.scalars(
            select(ConsoleUser).where(ConsoleUser.active.is_(True)).order_by(ConsoleUser.name))]
    open_ids = {row.sender_id for row in rows}
    live = [
        {"sender_id": c.sender_id, "channel": c.channel, "channel_label": channel_label(c.channel),
         "last_at": c.last_at, "last_text": _mask_text(c.last_text, agent)}
        for c in request.app.state.events_store.live(settings.live_minutes) if c.sender_id not in open_ids
    ]
    return {
        "now": now.timestamp(), "staffed_hours": settings.hours_label,
        "waiting": [_handoff_json(r, agent) for r in rows if r.status == svc.WAITING],
        "held": [_handoff_json(r, agent) for r in rows if r.status == svc.HELD],
        "live": live, "agents": users, "me": agent.name,
    }


def _slots_view(conv: Conversation, agent: Agent) -> list[dict[str, Any]]:
    shown = []
    for slot, label in SLOT_LABELS.items():
        value = conv.slots.get(slot)
        if value in (None, "", []):
            continue
        if not agent.personal_data and slot in PERSONAL_SLOTS:
            value = PERSONAL_SLOTS[slot](str(value))
        elif isinstance(value, bool):
            value = "是" if value else "否"
        shown.append({"slot": slot, "label": label, "value": _mask_text(str(value), agent)})
    return shown


@router.get("/conversation")
def conversation(request: Request, agent: ApiAgent, now: Now, sender_id: str) -> dict[str, Any]:
    if not 1 <= len(sender_id) <= 255:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="会话标识不正确")
    conv = request.app.state.events_store.conversation(sender_id)
    with _db(request) as session:
        row = svc.get(session, sender_id)
        if not conv.turns and row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="会话不存在")
        audit.record_view(session, agent.actor, sender_id, now, personal_data=agent.personal_data)
    return {
        "sender_id": sender_id,
        "channel": conv.channel or (row.channel if row else ""),
        "handoff": _handoff_json(row, agent) if row else None,
        "paused": conv.paused,
        "turns": [{"id": t.id, "kind": t.kind, "text": _mask_text(t.text, agent), "at": t.at, "agent": t.agent}
                  for t in conv.turns],
        "slots": _slots_view(conv, agent),
        "order_draft": _order_draft(conv, agent),
        "last_id": conv.last_id,
    }


def _order_draft(conv: Conversation, agent: Agent) -> dict[str, Any]:
    s = conv.slots
    draft = {k: s.get(k) for k in ("description", "district", "address", "occurred_at", "contact_name", "contact_phone")}
    draft["type"] = s.get("order_type") or OrderType.HELP.value
    draft["anonymous"] = bool(s.get("anonymous"))
    draft["reply_required"] = s.get("reply_required") is not False
    if not agent.personal_data:
        draft["contact_name"] = mask_name(draft["contact_name"])
        draft["contact_phone"] = mask_phone(draft["contact_phone"])
    return draft


@router.post("/takeover")
def take_over(request: Request, body: SenderBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    channel = request.app.state.events_store.conversation(body.sender_id).channel or REST
    with _db(request) as session:
        try:
            before = svc.get(session, body.sender_id)
            previous = (before.status, before.holder) if before else None
            row = svc.take_over(session, body.sender_id, agent, channel, now)
        except svc.ConsoleError as error:
            raise _fail(error) from None
        try:
            _rasa(request).pause(body.sender_id)  # from here on the bot says nothing to this citizen (retried)
        except RasaUnavailable as error:
            if previous is not None and previous[0] == svc.HELD:  # already held (and paused) by this agent
                audit.record(session, agent.actor, "take_over_failed", body.sender_id, now)
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=error.message) from None
            # Compensate: the pause may have reached Rasa although no answer came back. Resume it;
            # if that cannot be confirmed either, the citizen may be paused — put the conversation in
            # the waiting queue, where every agent sees it, never "paused with nobody holding it".
            # (Every attempt refused outright: nothing was paused, the row simply goes back.)
            resumed = not error.uncertain
            if error.uncertain:
                try:
                    _rasa(request).resume(body.sender_id)
                    resumed = True
                except RasaUnavailable:
                    resumed = False
            row.status = (previous[0] if previous else svc.CLOSED) if resumed else svc.WAITING
            row.holder, row.updated_at, row.version = None, now, row.version + 1
            session.commit()
            audit.record(session, agent.actor, "take_over_failed", body.sender_id, now, resumed=resumed)
            detail = error.message if resumed else TAKEOVER_UNCONFIRMED
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=detail) from None
        return _handoff_json(row, agent)


@router.post("/reply")
def reply(request: Request, body: ReplyBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    text = clean_text(body.text, "回复内容")
    if not text:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="回复内容不能为空")
    if len(text) > MAX_REPLY_CHARS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"回复内容最多{MAX_REPLY_CHARS}个字")
    with _db(request) as session:
        try:
            svc.require_holder(session, body.sender_id, agent)
        except svc.ConsoleError as error:
            raise _fail(error) from None
        try:
            _rasa(request).say(body.sender_id, text, agent.name)
        except RasaUnavailable as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=error.message) from None
        audit.record(session, agent.actor, "reply", body.sender_id, now, chars=len(text))
    return {"ok": True}


@router.post("/transfer")
def transfer(request: Request, body: TransferBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    with _db(request) as session:
        try:
            row = svc.transfer(session, body.sender_id, agent, body.to.strip(), now)
        except svc.ConsoleError as error:
            raise _fail(error) from None
        return _handoff_json(row, agent)


@router.post("/handback")
def hand_back(request: Request, body: SenderBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    with _db(request) as session:
        row = svc.get(session, body.sender_id)
        if row is None or row.status != svc.HELD:
            raise _fail(svc.NotHeld("该会话当前没有人工接管"))
        if row.holder != agent.name and not agent.is_supervisor:
            raise _fail(svc.HeldByOther(f"该会话正由“{row.holder}”处理，需由对方转交后才能操作"))
        rasa = _rasa(request)
        try:
            rasa.resume(body.sender_id)  # retried: a lost answer is resent until Rasa confirms
        except RasaUnavailable as error:
            # still held: the agent keeps the conversation and may try again
            audit.record(session, agent.actor, "hand_back_failed", body.sender_id, now)
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=error.message) from None
        try:
            row = svc.release(session, body.sender_id, agent, now)
        except svc.ConsoleError as error:
            try:  # changed meanwhile (a transfer): whoever holds it now holds a paused conversation
                rasa.pause(body.sender_id)
            except RasaUnavailable:
                logger.warning("hand back refused and Rasa could not be paused again for a held conversation")
            raise _fail(error) from None
        try:
            rasa.say_notice(body.sender_id, HANDBACK_NOTICE)
        except RasaUnavailable:  # the bot is back either way; the notice is a courtesy
            audit.record(session, agent.actor, "hand_back_notice_failed", body.sender_id, now)
        return _handoff_json(row, agent)


def _idempotency_key(row: Handoff) -> str:
    """One order per escalation: the same conversation and request time give the same key."""
    seed = f"{row.sender_id}\n{row.requested_at.isoformat()}"
    return "console-" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:48]


@router.post("/order", status_code=201)
def create_order(request: Request, body: OrderBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    app = request.app
    with _db(request) as session:
        try:
            row = svc.require_holder(session, body.sender_id, agent)
        except svc.ConsoleError as error:
            raise _fail(error) from None
        data = body.model_dump(exclude={"sender_id"})
        channel = canonical_channel(row.channel) or AGENT  # socketio is the web chat; no known channel: an agent's
        data.update(channel=channel, sender_id=row.sender_id, conversation_id=row.sender_id[:128])
        data = {k: (v.strip() or None) if isinstance(v, str) and k not in ("type", "description") else v
                for k, v in data.items()}
        try:
            payload = OrderCreate.model_validate(data)
        except ValidationError as error:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from None
        settings = app.state.settings
        try:
            result = order_service.create_order(
                session, payload, idempotency_key=_idempotency_key(row), calendar=app.state.calendar,
                tz=settings.tz, now=now, routing=app.state.routing.current(), check_duplicates=settings.duplicate_check,
            )
        except order_service.IdempotencyConflict:
            raise HTTPException(status.HTTP_409_CONFLICT,
                                detail=f"本次转人工已登记过工单（{row.order_no or '已登记'}），内容不同的新工单请在交还后重新发起") from None
        order = result.order
        row = svc.get(session, body.sender_id)
        svc.set_order(session, row, order.order_no, now)
        audit.record(session, agent.actor, "create_order", body.sender_id, now, order_no=order.order_no,
                     replayed=result.replayed, duplicate=result.duplicate)
        return {"order_no": order.order_no, "status": order.status, "replayed": result.replayed,
                "duplicate": result.duplicate, "due_at": order.due_at.isoformat()}


WECHAT_ERRORS = {45015: "超过48小时客服消息窗口，需回电或等群众再次发消息", 45047: "客服消息条数超限"}


@router.get("/undelivered")
def undelivered_wechat(agent: ApiAgent, settings: Settings) -> dict[str, Any]:
    """WeChat messages the channel could not deliver (recorded in Redis by channels/wechat)."""
    from gateway.console.undelivered import RedisUnavailable, undelivered

    if not settings.redis_url:
        return {"available": False, "items": [], "detail": "未配置 REDIS_URL，无法读取微信未送达消息"}
    try:
        items = undelivered(settings.redis_url, settings.wechat_prefix)
    except RedisUnavailable:
        return {"available": False, "items": [], "detail": "暂时无法读取微信未送达消息"}
    shown = []
    for item in items:
        sender = str(item.get("sender") or "")
        code = item.get("errcode")
        shown.append({
            "sender_id": sender if agent.personal_data else mask_identifier(sender),
            "text": _mask_text(str(item.get("text") or ""), agent)[:500],
            "at": item.get("at"), "errcode": code,
            "reason": WECHAT_ERRORS.get(code, str(item.get("errmsg") or "发送失败"))[:200],
        })
    return {"available": True, "items": shown}


@router.get("/audit")
def audit_log(request: Request, agent: ApiAgent, sender_id: str | None = None) -> dict[str, Any]:
    if not agent.is_supervisor:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="仅值班长可查看审计日志")
    with _db(request) as session:
        rows = audit.entries(session, sender_id)
    return {"items": [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "sender_id": r.sender_id,
                       "detail": r.detail} for r in rows]}


# -- orders the upstream platform never took (outbox dead letters, supervisors) --------------
class OrderNoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_no: str = Field(min_length=1, max_length=32)


def _supervisor(agent: Agent) -> None:
    if not agent.is_supervisor:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="仅值班长可处理上报失败的工单")


@router.get("/outbox/dead")
def outbox_dead_letters(request: Request, agent: ApiAgent) -> dict[str, Any]:
    """Orders whose hand-off upstream failed GATEWAY_OUTBOX_MAX_ATTEMPTS times (no personal data)."""
    _supervisor(agent)
    with _db(request) as session:
        rows, total = outbox.dead_letters(session)
    return {"total": total, "items": [
        {"order_no": r.order_no, "attempts": r.attempts, "last_error": r.last_error, "dead_at": _epoch(r.dead_at),
         "created_at": _epoch(r.created_at)} for r in rows]}


@router.post("/outbox/retry")
def outbox_retry(request: Request, body: OrderNoBody, agent: CsrfAgent, now: Now) -> dict[str, Any]:
    """Makes a dead-lettered order due again with a fresh attempt budget; the outbox workers send it."""
    _supervisor(agent)
    with _db(request) as session:
        if not outbox.retry_dead_letter(session, body.order_no, now):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="该工单不在上报失败列表中")
        audit.record(session, agent.actor, "outbox_retry", None, now, order_no=body.order_no)
    return {"order_no": body.order_no, "queued": True}


# -- results sent to citizens (issue 14): what was sent, when, where, delivered, the rating -------
@router.get("/results")
def results(request: Request, agent: ApiAgent, now: Now) -> dict[str, Any]:
    """The latest result notifications with their outcome and rating; the undelivered ones with the
    citizen's number for 电话回访 (masked for supervisors); orders a citizen's 不满意 sent to a supervisor."""
    from gateway.models import Notification, Order, PersonalDataRead
    from gateway.services import notifications as results_svc

    def local(value: dt.datetime | None) -> float | None:
        return _epoch(value)

    with _db(request) as session:
        rows = session.execute(
            select(Notification, Order).join(Order, Order.order_no == Notification.order_no)
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)
        ).all()
        queue = session.scalars(select(Order).where(Order.supervisor_queue_at.is_not(None))
                                .order_by(Order.supervisor_queue_at).limit(100)).all()
        items, shown = [], []
        for note, order in rows:
            callback = note.outcome in ("undelivered", "failed")
            phone = order.contact_phone if agent.personal_data else mask_phone(order.contact_phone)
            name = order.contact_name if agent.personal_data else mask_name(order.contact_name)
            if callback and agent.personal_data and order.contact_phone:
                shown.append(order.order_no)
            items.append({
                "order_no": note.order_no, "channel": note.channel,
                "channel_label": channel_label(note.channel),
                "created_at": local(note.created_at), "sent_at": local(note.sent_at),
                "outcome": note.outcome,
                "outcome_label": results_svc.OUTCOMES.get(note.outcome or "",
                                                          "等待发送" if note.sent_at is None else "已交智能助手发送"),
                "satisfaction": order.satisfaction, "reopen_count": order.reopen_count,
                "callback": callback,
                "contact_name": name if callback else None, "contact_phone": phone if callback else None,
            })
        supervisor = [{"order_no": o.order_no, "lead_unit": o.lead_unit, "at": local(o.supervisor_queue_at),
                       "reason": o.supervisor_queue_reason} for o in queue] if agent.is_supervisor else []
        if shown:  # an agent saw citizens' numbers to phone them: the personal-data audit (第二十四条)
            session.add_all(PersonalDataRead(at=now, actor=agent.actor, order_no=no, action="console:callback")
                            for no in shown)
        session.commit()
    return {"items": items, "supervisor_queue": supervisor}

"""/api/v1/attachments: upload (bot and intake roles), metadata, download; an order's attachments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from gateway.api.deps import NowDep, PrincipalDep, SessionDep, SettingsDep, TzDep, require_roles
from gateway.api.routes.orders import (
    ATTACHMENT_DOWNLOAD_ROLES,
    _ORDER_NOT_FOUND,
    _errors,
    _query_sender_id,
    require_sender_for_bot,
)
from gateway.core.security import Principal, Role
from gateway.domain import ORDER_NO_PATTERN, Channel
from gateway.models import Order, PersonalDataRead, StoredAttachment
from gateway.schemas import AttachmentOut, ErrorResponse, clean_text
from gateway.services import attachments as service
from gateway.services import orders as order_service

router = APIRouter(tags=["attachments"])

UPLOAD_PATH = "/api/v1/attachments"
# Who may upload on a citizen's behalf (the bot's channels, agents, admins).
UploadRoles = Annotated[Principal, Depends(require_roles(Role.BOT, Role.AGENT, Role.ADMIN))]
# Who may download the bytes; a unit only for orders it handles.
DOWNLOAD_ROLES = ATTACHMENT_DOWNLOAD_ROLES
_NOT_FOUND = "附件不存在"
# The bot must name the citizen (sender_id) to read attachment metadata; others may.
SenderQuery = Annotated[str | None, Query(max_length=128, description="提交人；智能客服账号必填")]


def store_of(request: Request) -> service.AttachmentStore:
    return request.app.state.attachment_store


StoreDep = Annotated[service.AttachmentStore, Depends(store_of)]


def may_download(principal: Principal) -> bool:
    return principal.role in DOWNLOAD_ROLES


def to_out(row: StoredAttachment, tz: dt.tzinfo, *, downloadable: bool) -> AttachmentOut:
    return service.to_schema(row, tz, download_url=f"{UPLOAD_PATH}/{row.id}/content" if downloadable else None)


def _form_text(value: str, label: str, max_len: int) -> str:
    try:
        value = clean_text(value, label)
    except PydanticCustomError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{exc}") from None
    if not value or len(value) > max_len:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"请求参数有误：{label}须为 1–{max_len} 个字符"
        )
    return value


@router.post(
    "/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentOut,
    summary="上传附件（图片、PDF、Office 文档、TXT；multipart: file + sender_id + channel）",
    responses={
        200: {"model": AttachmentOut, "description": "同一提交人重复上传同一文件（尚未关联工单），返回原附件"},
        415: {"model": ErrorResponse, "description": "不支持的文件类型"},
        **_errors,
    },
)
def upload_attachment(
    response: Response,
    principal: UploadRoles,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
    tz: TzDep,
    now: NowDep,
    file: Annotated[UploadFile, File(description="文件，最大 GATEWAY_ATTACHMENT_MAX_BYTES（默认 10 MB）")],
    sender_id: Annotated[str, Form(description="渠道内的提交人标识，与建单时的 sender_id 一致")],
    channel: Annotated[str, Form(description="受理渠道：rest、wechat、webchat、email、phone、agent")],
) -> AttachmentOut:
    sender = _form_text(sender_id, "提交人标识（sender_id）", 128)
    try:
        channel_value = Channel(channel.strip()).value
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"请求参数有误：渠道（channel）须为 {'、'.join(Channel)} 之一",
        ) from None
    limit = settings.attachment_max_bytes
    data = file.file.read(limit + 1)
    try:
        upload = service.save_upload(
            session, store, data=data, filename=file.filename, sender_id=sender, channel=channel_value,
            uploaded_by=principal.actor, max_bytes=limit, now=now,
        )
    except service.AttachmentTooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=exc.message) from None
    except service.UnsupportedType as exc:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=exc.message) from None
    except service.EmptyAttachment as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=exc.message) from None
    response.headers["Location"] = f"{UPLOAD_PATH}/{upload.attachment.id}"
    if not upload.created:
        response.status_code = status.HTTP_200_OK
    return to_out(upload.attachment, tz, downloadable=may_download(principal))


def _visible(session: Session, principal: Principal, attachment_id: str) -> tuple[StoredAttachment, Order | None]:
    """The attachment if this caller may see it (404 otherwise, so ids cannot be probed)."""
    row = session.get(StoredAttachment, attachment_id) if attachment_id.startswith("att_") else None
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND)
    order = session.get(Order, row.order_id) if row.order_id is not None else None
    if principal.role is Role.UNIT and (
        order is None or not order_service.order_concerns_unit(order, principal.unit or "")
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND)
    return row, order


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut, summary="附件信息", responses=_errors)
def get_attachment(
    attachment_id: str, session: SessionDep, principal: PrincipalDep, tz: TzDep, sender_id: SenderQuery = None
) -> AttachmentOut:
    sender_id = _query_sender_id(sender_id)
    require_sender_for_bot(principal, sender_id)
    row, _order = _visible(session, principal, attachment_id)
    if sender_id is not None and row.sender_id != sender_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND)
    return to_out(row, tz, downloadable=may_download(principal))


@router.get(
    "/attachments/{attachment_id}/content",
    summary="下载附件（话务员、督办、管理员；承办单位仅限本单位工单）",
    response_class=FileResponse,
    responses={404: {"model": ErrorResponse, "description": "附件不存在"}, **_errors},
)
def download_attachment(
    attachment_id: str, session: SessionDep, principal: PrincipalDep, store: StoreDep, now: NowDep
) -> FileResponse:
    if not may_download(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="当前账号无权下载附件")
    row, order = _visible(session, principal, attachment_id)
    path = store.path(row.sha256)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="附件文件已丢失，请联系管理员")
    if order is not None:  # evidence may show the citizen: every download is audited
        session.add(PersonalDataRead(at=now, actor=principal.actor, order_no=order.order_no, action=f"attachment:{row.id}"))
        session.commit()
    return FileResponse(
        path,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/orders/{order_no}/attachments",
    response_model=list[AttachmentOut],
    summary="工单的附件列表",
    responses={404: {"model": ErrorResponse, "description": "工单不存在"}, **_errors},
)
def list_order_attachments(
    order_no: str, session: SessionDep, principal: PrincipalDep, tz: TzDep, sender_id: SenderQuery = None
) -> list[AttachmentOut]:
    sender_id = _query_sender_id(sender_id)
    require_sender_for_bot(principal, sender_id)
    order = order_service.get_order(session, order_no) if ORDER_NO_PATTERN.fullmatch(order_no) else None
    if order is None or (sender_id is not None and order.sender_id != sender_id) or (
        principal.role is Role.UNIT and not order_service.order_concerns_unit(order, principal.unit or "")
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_ORDER_NOT_FOUND)
    rows = service.for_orders(session, [order.id])[order.id]
    return [to_out(row, tz, downloadable=may_download(principal)) for row in rows]

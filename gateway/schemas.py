"""Pydantic 2 request/response models. User-facing messages are Chinese."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gateway.domain import (
    Category,
    Channel,
    OrderStatus,
    OrderType,
    Satisfaction,
    Speaker,
    Timeliness,
)
from vocabulary import DISTRICTS, FIELD_LABELS, WITHDRAWAL_REASON_LABEL, normalise_district
from vocabulary import normalise_phone as _kept_phone

# Control characters (Unicode Cc) except TAB and LF are removed from stored text.
_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")

def clean_text(value: str, label: str) -> str:
    """Reject NUL and unencodable text, strip other control characters and edges."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "{label}不能包含空字符（NUL）", {"label": label})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "invalid_unicode", "{label}包含无法识别的字符", {"label": label}
        ) from None
    return _CONTROL_CHARS.sub("", value).strip()


def _text(label: str, *, min_len: int, max_len: int, optional: bool) -> Any:
    """Build an ``AfterValidator`` enforcing Chinese-worded length rules after cleaning."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        value = clean_text(value, label)
        if not value:
            if optional:
                return None
            raise PydanticCustomError("text_empty", "{label}不能为空", {"label": label})
        if len(value) < min_len:
            raise PydanticCustomError(
                "text_too_short", "{label}至少需要{min}个字", {"label": label, "min": min_len}
            )
        if len(value) > max_len:
            raise PydanticCustomError(
                "text_too_long", "{label}最多{max}个字", {"label": label, "max": max_len}
            )
        return value

    return AfterValidator(check)


def _limits(min_len: int, max_len: int) -> dict[str, Any]:
    return {"json_schema_extra": {"minLength": min_len, "maxLength": max_len}}


SenderId = Annotated[str, _text(FIELD_LABELS["sender_id"], min_len=1, max_len=128, optional=False), Field(**_limits(1, 128))]
Description = Annotated[str, _text(FIELD_LABELS["description"], min_len=5, max_len=2000, optional=False), Field(**_limits(5, 2000))]
Address = Annotated[str | None, _text(FIELD_LABELS["address"], min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))]
OccurredAt = Annotated[str | None, _text(FIELD_LABELS["occurred_at"], min_len=1, max_len=100, optional=True), Field(**_limits(1, 100))]
ContactName = Annotated[str | None, _text(FIELD_LABELS["contact_name"], min_len=1, max_len=50, optional=True), Field(**_limits(1, 50))]
ConversationId = Annotated[str | None, _text(FIELD_LABELS["conversation_id"], min_len=1, max_len=128, optional=True), Field(**_limits(1, 128))]
Reason = Annotated[str | None, _text(WITHDRAWAL_REASON_LABEL, min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))]


def _district(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value, FIELD_LABELS["district"])
    if not value:
        return None
    canonical = normalise_district(value)
    if canonical is None:
        raise PydanticCustomError(
            "district_unknown",
            "区县无法识别，请填写商洛市下辖区县之一：{choices}",
            {"choices": "、".join(DISTRICTS)},
        )
    return canonical


def normalise_phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value, FIELD_LABELS["contact_phone"])
    if not value:
        return None
    kept = _kept_phone(value)
    if kept is not None:
        return kept
    raise PydanticCustomError(
        "phone_invalid",
        "电话号码格式不正确，请填写11位手机号（如13800000000）或带区号的固定电话（如0914-2030566）",
    )


District = Annotated[
    str | None,
    AfterValidator(_district),
    Field(description="区县；接受简称（如 商州、高新区）并规范为全称", examples=["商州区"]),
]
ContactPhone = Annotated[
    str | None,
    AfterValidator(normalise_phone),
    Field(description="手机号 1[3-9]xxxxxxxxx 或固话 0xxx-xxxxxxx", examples=["13800000000"]),
]


def _http_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s]+", value, flags=re.IGNORECASE):
        raise PydanticCustomError("url_invalid", "附件链接须为 http:// 或 https:// 开头的地址")
    return value


class Attachment(BaseModel):
    """附件（存放在别处的文件；网关只保存其链接与说明）。"""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, _text("附件名称", min_len=1, max_len=200, optional=False), Field(**_limits(1, 200))]
    url: Annotated[
        str, _text("附件链接", min_len=1, max_len=500, optional=False), AfterValidator(_http_url),
        Field(**_limits(1, 500)),
    ]
    content_type: Annotated[
        str | None, _text("文件类型", min_len=1, max_len=100, optional=True), Field(**_limits(1, 100))
    ] = None
    size: Annotated[int | None, Field(ge=0, le=100 * 1024 * 1024, strict=True)] = None


class ConversationTurn(BaseModel):
    """来源对话中的一轮发言。"""

    model_config = ConfigDict(extra="forbid")

    speaker: Speaker
    text: Annotated[str, _text("对话内容", min_len=1, max_len=2000, optional=False), Field(**_limits(1, 2000))]
    at: dt.datetime | None = None


class KnowledgeItem(BaseModel):
    """建单前已向群众展示的知识库条目。"""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, _text("知识条目标识", min_len=1, max_len=128, optional=False), Field(**_limits(1, 128))]
    title: Annotated[
        str | None, _text("知识条目标题", min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))
    ] = None


MAX_ATTACHMENTS = 10
MAX_TURNS = 100
_ATTACHMENT_ID = re.compile(r"att_[0-9a-f]{24}")


def _attachment_id(value: str) -> str:
    if not _ATTACHMENT_ID.fullmatch(value):
        raise PydanticCustomError("attachment_id_invalid", "附件标识格式不正确（应为上传附件时返回的 id）")
    return value


AttachmentId = Annotated[str, AfterValidator(_attachment_id), Field(examples=["att_0123456789abcdef01234567"])]


class AttachmentOut(BaseModel):
    """已上传的附件（POST /api/v1/attachments 的返回；工单中的 attachment_files）。"""

    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime | None = None
    download_url: str | None = Field(default=None, description="下载地址（话务员、督办、管理员；承办单位仅限本单位工单）")
MAX_KNOWLEDGE_ITEMS = 20


class OrderCreate(BaseModel):
    """工单创建请求。"""

    model_config = ConfigDict(extra="forbid")

    type: OrderType = Field(description="诉求类型")
    channel: Channel = Field(default=Channel.REST, description="受理渠道")
    sender_id: SenderId = Field(description="渠道内的提交人标识（如微信 openid、会话 sender_id）")
    description: Description = Field(description="诉求内容（5–2000 字）")
    district: District = None
    address: Address = None
    occurred_at: OccurredAt = Field(default=None, description="发生时间（自由文本，如“昨天晚上十点”）")
    contact_name: ContactName = None
    contact_phone: ContactPhone = None
    anonymous: StrictBool = False
    reply_required: StrictBool = True
    conversation_id: ConversationId = None
    category: Category | None = Field(default=None, description="热点分类；可留空，由派单时确定")
    urgent: StrictBool = Field(default=False, description="重大、紧急突发事项（第十二条（三））")
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    attachment_ids: list[AttachmentId] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description="POST /api/v1/attachments 返回的附件 id；须为同一提交人（sender_id）上传、尚未关联工单的附件",
    )
    source_conversation: list[ConversationTurn] = Field(
        default_factory=list, max_length=MAX_TURNS, description="建单前的对话记录（可选）"
    )
    knowledge_items: list[KnowledgeItem] = Field(
        default_factory=list, max_length=MAX_KNOWLEDGE_ITEMS, description="建单前已展示的知识库条目"
    )

    @model_validator(mode="after")
    def _phone_required_unless_anonymous(self) -> OrderCreate:
        if not self.anonymous and not self.contact_phone:
            raise PydanticCustomError(
                "contact_phone_required",
                "实名反映诉求须提供联系电话（contact_phone）；如需匿名反映，请将 anonymous 设为 true",
            )
        return self


class WithdrawRequest(BaseModel):
    """撤单请求（第十八条）。"""

    model_config = ConfigDict(extra="forbid")

    sender_id: SenderId = Field(description="必须与工单提交人一致")
    reason: Reason = Field(default=None, description="撤单原因（可选，最多 200 字）")


class OrderOut(BaseModel):
    """工单。时间均为 ISO 8601，带 +08:00 时区。"""

    order_no: str = Field(examples=["SL20261125000001"])
    type: OrderType
    status: OrderStatus
    status_label: str = Field(examples=["已受理"])
    channel: Channel
    sender_id: str
    district: str | None
    address: str | None
    occurred_at: str | None
    contact_name: str | None
    contact_phone: str | None
    anonymous: bool
    reply_required: bool
    description: str
    conversation_id: str | None
    created_at: dt.datetime
    due_at: dt.datetime = Field(description="办结期限（第十二条），当日 23:59:59")
    withdrawn_at: dt.datetime | None
    withdraw_reason: str | None
    category: Category | None = None
    urgent: bool = False
    lead_unit: str | None = Field(default=None, description="主办单位（派单后）")
    co_units: list[str] = Field(default_factory=list, description="会办单位（派单后）")
    accept_due_at: dt.datetime | None = Field(default=None, description="签收期限（派单后 24 小时）")
    attachments: list[Attachment] = Field(default_factory=list)
    attachment_files: list[AttachmentOut] = Field(default_factory=list, description="群众上传的附件（元数据）")
    source_conversation: list[ConversationTurn] = Field(default_factory=list)
    knowledge_items: list[KnowledgeItem] = Field(default_factory=list)
    dispatched_at: dt.datetime | None = None
    signed_at: dt.datetime | None = None
    replied_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    timeliness: Timeliness | None = Field(default=None, description="按期办结 / 逾期办结 / 逾期未办 / 办理中")
    timeliness_label: str | None = None
    pending_request: dict[str, Any] | None = Field(default=None, description="待审核的退单或延期申请")
    reply: dict[str, Any] | None = Field(default=None, description="办理结果（第二十条）")
    satisfaction: Satisfaction | None = None
    satisfaction_comment: str | None = None
    extension_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    supervisor_queue_at: dt.datetime | None = Field(default=None, description="群众不满意、未能自动重办，转值班长的时间")
    supervisor_queue_reason: str | None = None
    route_rule: str | None = Field(default=None, description="派单规则：vertical / district / department / manual")
    route_unit: str | None = Field(default=None, description="建议主办单位（manual 时为空，进入人工派单队列）")
    route_co_units: list[str] = Field(default_factory=list)
    route_reason: str | None = Field(default=None, description="派单依据")
    notice: str | None = Field(default=None, description="给群众的提示（如重复诉求已并入原工单）")


class OrderList(BaseModel):
    items: list[OrderOut]
    total: int


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])


class ErrorItem(BaseModel):
    field: str | None
    message: str


class ErrorResponse(BaseModel):
    detail: str
    errors: list[ErrorItem] | None = None


class IdempotencyConflictOut(BaseModel):
    """409 of POST /api/v1/orders: the key was used for another body. When it was the same
    sender's (the same form, changed after a lost answer) the stored order comes with it."""

    detail: str
    order_no: str | None = None
    order: OrderOut | None = None


# -- lifecycle events (POST /api/v1/orders/{order_no}/events) ------------------
UnitName = Annotated[str, _text("单位名称", min_len=1, max_len=64, optional=False), Field(**_limits(1, 64))]
Note = Annotated[str | None, _text("备注", min_len=1, max_len=500, optional=True), Field(**_limits(1, 500))]
RequiredReason = Annotated[str, _text("理由", min_len=2, max_len=500, optional=False), Field(**_limits(2, 500))]
MAX_CO_UNITS = 10


def _check_units(lead_unit: str, co_units: list[str]) -> None:
    if lead_unit in co_units:
        raise PydanticCustomError("units_overlap", "主办单位不能同时作为会办单位")
    if len(set(co_units)) != len(co_units):
        raise PydanticCustomError("units_duplicate", "会办单位不能重复")


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DispatchEvent(_Event):
    """派单：指定主办单位（及会办单位），自派单时起计算期限。"""

    kind: Literal["dispatch"]
    lead_unit: UnitName | None = Field(default=None, description="留空则采用受理时的派单建议")
    co_units: list[UnitName] | None = Field(default=None, max_length=MAX_CO_UNITS)
    category: Category | None = None
    urgent: StrictBool | None = None
    note: Note = None

    @model_validator(mode="after")
    def _units(self) -> DispatchEvent:
        if self.lead_unit is None and self.co_units:
            raise PydanticCustomError("units_without_lead", "指定会办单位时须同时指定主办单位（lead_unit）")
        if self.lead_unit is not None:
            _check_units(self.lead_unit, self.co_units or [])
        return self


class SignEvent(_Event):
    """签收（派单后 24 小时内）。"""

    kind: Literal["sign"]
    note: Note = None


class ReturnRequestEvent(_Event):
    """申请退单（第十四条）：须说明理由与依据，可建议转办单位。"""

    kind: Literal["return_request"]
    reason: RequiredReason
    legal_basis: Annotated[str, _text("退单依据", min_len=2, max_len=500, optional=False), Field(**_limits(2, 500))]
    suggested_unit: Annotated[
        str | None, _text("建议承办单位", min_len=1, max_len=64, optional=True), Field(**_limits(1, 64))
    ] = None


class ReturnApproveEvent(_Event):
    """同意退单并重新派单。"""

    kind: Literal["return_approve"]
    lead_unit: UnitName
    co_units: list[UnitName] = Field(default_factory=list, max_length=MAX_CO_UNITS)
    note: Note = None

    @model_validator(mode="after")
    def _units(self) -> ReturnApproveEvent:
        _check_units(self.lead_unit, self.co_units)
        return self


class ReturnRejectEvent(_Event):
    """不同意退单：注明第十四条所列情形（1–8），工单仍由原承办单位办理。"""

    kind: Literal["return_reject"]
    refusal_case: Annotated[int, Field(ge=1, le=8, strict=True)]
    note: Note = None


class ExtensionRequestEvent(_Event):
    """申请延期（第十六条）：须经服务对象同意，说明具体原因。"""

    kind: Literal["extension_request"]
    reason: RequiredReason
    requested_due_date: dt.date
    citizen_consent: StrictBool

    @model_validator(mode="after")
    def _consent(self) -> ExtensionRequestEvent:
        if not self.citizen_consent:
            raise PydanticCustomError("consent_required", "申请延期须先征得服务对象同意（citizen_consent 为 true）")
        return self


class ExtensionApproveEvent(_Event):
    kind: Literal["extension_approve"]
    due_date: dt.date | None = Field(default=None, description="批准的办结日期；默认为申请的日期")
    note: Note = None


class ExtensionRejectEvent(_Event):
    kind: Literal["extension_reject"]
    reason: RequiredReason


class CitizenReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replied_at: dt.datetime
    content: Annotated[str, _text("回复内容", min_len=2, max_len=1000, optional=False), Field(**_limits(2, 1000))]


class ReplyEvent(_Event):
    """提交办理结果、申请办结（第二十条）。"""

    kind: Literal["reply"]
    handled_on: dt.date = Field(description="办理时间（具体到日）")
    handling_unit: UnitName = Field(description="具体办理事项单位（最后一级承办单位）")
    handler: Annotated[str, _text("具体经办人", min_len=1, max_len=50, optional=False), Field(**_limits(1, 50))]
    result: Annotated[str, _text("办理结果", min_len=5, max_len=2000, optional=False), Field(**_limits(5, 2000))]
    citizen_reply: CitizenReply | None = None
    no_reply_note: Annotated[
        str | None, _text("未回复说明", min_len=2, max_len=200, optional=True), Field(**_limits(2, 200))
    ] = None
    recovered_loss: Annotated[
        str | None, _text("挽回损失情况", min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))
    ] = None
    written_explanation: bool = Field(
        default=False,
        description="已上传书面履责意见并向服务对象说明（第二十二条（三））：群众不满意时不自动重办，转值班长",
    )


class ReviewApproveEvent(_Event):
    kind: Literal["review_approve"]
    note: Note = None


class ReviewRejectEvent(_Event):
    kind: Literal["review_reject"]
    reason: RequiredReason


class WithdrawEvent(_Event):
    """撤单（第十八条），由话务员根据服务对象来电办理。"""

    kind: Literal["withdraw"]
    reason: Reason = None


class ReopenEvent(_Event):
    """重办（第二十二条）。"""

    kind: Literal["reopen"]
    reason: RequiredReason


class FeedbackEvent(_Event):
    """满意度回访。"""

    kind: Literal["feedback"]
    satisfaction: Satisfaction
    comment: Annotated[str | None, _text("评价内容", min_len=1, max_len=500, optional=True), Field(**_limits(1, 500))] = None
    source: Channel | None = Field(default=None, description="评价来源渠道（群众在微信、网页、邮件中评价时）")


class CitizenReopenEvent(_Event):
    """群众对办理结果不满意、申请重办（第二十二条）：一次为限，第二十二条（三）事项转值班长。"""

    kind: Literal["citizen_reopen"]
    reason: Annotated[str, _text("仍未解决的问题", min_len=2, max_len=500, optional=False), Field(**_limits(2, 500))]
    source: Channel | None = Field(default=None, description="来源渠道")


OrderEventRequest = Annotated[
    DispatchEvent
    | SignEvent
    | ReturnRequestEvent
    | ReturnApproveEvent
    | ReturnRejectEvent
    | ExtensionRequestEvent
    | ExtensionApproveEvent
    | ExtensionRejectEvent
    | ReplyEvent
    | ReviewApproveEvent
    | ReviewRejectEvent
    | WithdrawEvent
    | ReopenEvent
    | FeedbackEvent
    | CitizenReopenEvent,
    Field(discriminator="kind"),
]


class RoutePreviewRequest(BaseModel):
    """派单预览：按当前派单表计算，不保存。"""

    model_config = ConfigDict(extra="forbid")

    description: Description
    district: District = None


class RouteDecisionOut(BaseModel):
    rule: str
    lead_unit: str | None
    co_units: list[str]
    reason: str
    matched: dict[str, list[str]]


class DirectAnswerCreate(BaseModel):
    """直接解答：诉求已当场答复（知识库或话务员），不生成工单；计入月报“直接解答”。"""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = Channel.REST
    type: OrderType = OrderType.CONSULT
    category: Category | None = None
    knowledge_item_id: Annotated[
        str | None, _text("知识条目标识", min_len=1, max_len=128, optional=True), Field(**_limits(1, 128))
    ] = None
    conversation_id: ConversationId = None


class DirectAnswerOut(BaseModel):
    id: int
    at: dt.datetime

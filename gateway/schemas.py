"""Pydantic 2 request/response models. User-facing messages are Chinese."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gateway.domain import DISTRICTS, Channel, OrderStatus, OrderType, normalise_district

# Control characters (Unicode Cc) except TAB and LF are removed from stored text.
_CONTROL_CHARS = re.compile(r"[\x01-\x08\x0b-\x1f\x7f-\x9f]")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—()（）]")

FIELD_LABELS: dict[str, str] = {
    "type": "诉求类型",
    "channel": "渠道",
    "sender_id": "提交人标识",
    "description": "诉求内容",
    "district": "区县",
    "address": "地址",
    "occurred_at": "发生时间",
    "contact_name": "联系人姓名",
    "contact_phone": "联系电话",
    "anonymous": "是否匿名",
    "reply_required": "是否需要回复",
    "conversation_id": "会话标识",
    "reason": "撤单原因",
    "status": "状态",
    "limit": "每页数量",
    "offset": "偏移量",
}


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


SenderId = Annotated[str, _text("提交人标识", min_len=1, max_len=128, optional=False), Field(**_limits(1, 128))]
Description = Annotated[str, _text("诉求内容", min_len=5, max_len=2000, optional=False), Field(**_limits(5, 2000))]
Address = Annotated[str | None, _text("地址", min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))]
OccurredAt = Annotated[str | None, _text("发生时间", min_len=1, max_len=100, optional=True), Field(**_limits(1, 100))]
ContactName = Annotated[str | None, _text("联系人姓名", min_len=1, max_len=50, optional=True), Field(**_limits(1, 50))]
ConversationId = Annotated[str | None, _text("会话标识", min_len=1, max_len=128, optional=True), Field(**_limits(1, 128))]
Reason = Annotated[str | None, _text("撤单原因", min_len=1, max_len=200, optional=True), Field(**_limits(1, 200))]


def _district(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value, "区县")
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
    value = clean_text(value, "联系电话")
    if not value:
        return None
    value = unicodedata.normalize("NFKC", value)  # full-width digits → ASCII
    compact = _PHONE_SEPARATORS.sub("", value)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    landline = re.sub(r"\s+", "", value).replace("—", "-")
    if _LANDLINE.fullmatch(landline):
        return landline
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

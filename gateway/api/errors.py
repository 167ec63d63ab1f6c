"""Exception handlers: every error is JSON ``{"detail": ...}`` in Chinese."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.domain import Category, Channel, OrderStatus, OrderType, Satisfaction, Speaker
from vocabulary import FIELD_LABELS

logger = logging.getLogger(__name__)

# Error types raised by our own validators already carry a Chinese message.
_OWN_TYPES = {
    "nul_character",
    "invalid_unicode",
    "text_empty",
    "text_too_short",
    "text_too_long",
    "district_unknown",
    "phone_invalid",
    "contact_phone_required",
    "url_invalid",
    "units_overlap",
    "units_duplicate",
    "consent_required",
    "units_without_lead",
    "attachment_id_invalid",
}
_LOCATION_ROOTS = {"body", "query", "path", "header", "cookie"}
_MODEL_LEVEL_FIELDS = {"contact_phone_required": "contact_phone"}
_CHOICES = {
    "type": "、".join(OrderType),
    "channel": "、".join(Channel),
    "status": "、".join(OrderStatus),
    "category": "、".join(Category),
    "speaker": "、".join(Speaker),
    "satisfaction": "、".join(Satisfaction),
}

_EVENT_KINDS = (
    "dispatch、sign、return_request、return_approve、return_reject、extension_request、"
    "extension_approve、extension_reject、reply、review_approve、review_reject、withdraw、reopen、feedback"
)

_FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"
_HTTP_DEFAULTS = {
    400: "请求格式不正确",
    401: "未授权",
    403: "无权访问",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
    413: "请求体过大",
    415: "不支持的内容类型，请使用 application/json",
    429: "请求过于频繁，请稍后再试",
}


def _field_of(error: dict[str, Any]) -> str | None:
    if error.get("type") in _MODEL_LEVEL_FIELDS:
        return _MODEL_LEVEL_FIELDS[error["type"]]
    names = [p for p in error.get("loc", ()) if isinstance(p, str) and p not in _LOCATION_ROOTS]
    return names[-1] if names else None


def _translate(error: dict[str, Any], field: str | None) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _OWN_TYPES:
        return str(error.get("msg", "参数不正确"))
    label = FIELD_LABELS.get(field or "", field or "")
    named = f"{label}（{field}）" if field and label != field else (field or "")
    if kind == "json_invalid":
        return "请求体不是合法的 JSON"
    if kind == "missing":
        return f"缺少必填字段：{named}" if field else "缺少请求体（JSON 对象）"
    if kind == "extra_forbidden":
        return f"不支持的字段：{field}"
    if kind in {"model_attributes_type", "model_type", "dict_type"} and not field:
        return "请求体必须是 JSON 对象，并使用 Content-Type: application/json"
    if kind in {"enum", "literal_error"}:
        choices = _CHOICES.get(field or "") or str(ctx.get("expected", ""))
        return f"{named}取值无效，可选值：{choices}"
    if kind in {"string_type", "string_unicode"}:
        return f"{named}必须是字符串"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{named}必须是布尔值 true 或 false"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{named}必须是整数"
    if kind == "greater_than_equal":
        return f"{named}不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{named}不能大于 {ctx.get('le')}"
    if kind == "string_too_short":
        return f"{named}至少需要 {ctx.get('min_length')} 个字符"
    if kind == "union_tag_not_found":
        return f"缺少操作类型（kind），可选值：{_EVENT_KINDS}"
    if kind == "union_tag_invalid":
        return f"操作类型（kind）取值无效，可选值：{_EVENT_KINDS}"
    if kind.startswith("date_"):
        return f"{named}必须是日期（如 2026-01-05）"
    if kind == "too_long":
        return f"{named}最多 {ctx.get('max_length')} 项"
    if kind == "list_type":
        return f"{named}必须是数组"
    if kind.startswith("datetime"):
        return f"{named}必须是 ISO 8601 时间（如 2026-01-05T09:30:00+08:00）"
    if kind == "string_too_long":
        return f"{named}最多 {ctx.get('max_length')} 个字符"
    return f"{named or '请求'}格式不正确"


def validation_error_body(errors: Sequence[Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    for error in errors:
        field = _field_of(error)
        message = _translate(error, field)
        if (field, message) not in seen:
            seen.add((field, message))
            items.append({"field": field, "message": message})
    detail = "请求参数有误：" + "；".join(item["message"] for item in items)
    return {"detail": detail, "errors": items}


async def _on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # The offending input is deliberately not echoed back.
    return JSONResponse(validation_error_body(exc.errors()), status_code=422)


async def _on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_PARSE_ERROR:
        # e.g. bytes that are not UTF-8: treat like any other malformed JSON.
        message = "请求体不是合法的 JSON（须为 UTF-8 编码）"
        return JSONResponse(
            {"detail": f"请求参数有误：{message}", "errors": [{"field": None, "message": message}]},
            status_code=422,
        )
    detail = exc.detail
    if not isinstance(detail, str) or not _contains_cjk(detail):
        detail = _HTTP_DEFAULTS.get(exc.status_code, detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def _on_db_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
    logger.error("database unavailable: %s", exc.orig if exc.orig is not None else exc)
    return JSONResponse(
        {"detail": "数据库暂时不可用，请稍后重试"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        {"detail": "服务器内部错误，请稍后重试"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _contains_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _on_db_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)

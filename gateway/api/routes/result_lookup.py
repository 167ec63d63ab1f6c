"""POST /api/portal/result-lookup: 查询办理结果 by order number + the contact phone's last four digits (issue 14).

Public (no token; nginx passes exactly this path, deploy/nginx.conf.template), called by the
chat widget's form. The rules — what the answer shows, the same answer for every miss, the
failure counters per order number and per address — are in services/result_lookup.py; the
limits are the settings ``GATEWAY_RESULT_LOOKUP_*``. Portal pages on other origins need their
origin in ``GATEWAY_RESULT_LOOKUP_ORIGINS`` (CORS); the gateway's own demo page needs nothing.

The client address is ``request.client``: behind the proxy, uvicorn's proxy headers (on by
default, trusting 127.0.0.1 and ::1; ``FORWARDED_ALLOW_IPS`` for a proxy elsewhere) make it
the address nginx put into X-Forwarded-For, which nginx replaces, never appends.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gateway.core.config import Settings
from gateway.services import result_lookup as svc

PATH = "/api/portal/result-lookup"
MAX_FIELD = 64

router = APIRouter(tags=["portal"])


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin and origin in settings.result_lookup_origin_set:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _answer(request: Request, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> JSONResponse:
    settings: Settings = request.app.state.settings
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **_cors(request, settings),
               **(extra or {})}
    return JSONResponse(body, status_code=status, headers=headers)


def _minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)


def _fields(raw: bytes) -> tuple[str, str] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    order_no, last4 = data.get("order_no"), data.get("phone_last4")
    if not isinstance(order_no, str) or not isinstance(last4, str):
        return None
    if len(order_no) > MAX_FIELD or len(last4) > MAX_FIELD:
        return None
    return order_no, last4


@router.options(PATH, include_in_schema=False)
def lookup_preflight(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    origin = request.headers.get("origin")
    if not origin or origin not in settings.result_lookup_origin_set:
        return JSONResponse({"detail": "该网页无权调用办理结果查询"}, status_code=403, headers={"Vary": "Origin"})
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": origin, "Vary": "Origin", "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600",
    })


@router.post(PATH, summary="群众查询办理结果：工单编号 + 联系电话后四位（公开，限制失败次数）",
             responses={404: {"description": svc.NOT_FOUND}, 429: {"description": "失败次数过多，暂停查询"}})
async def result_lookup(request: Request) -> JSONResponse:
    """Body: ``{"order_no": "SL20261125000001", "phone_last4": "0000"}`` (full-width digits and spaces are fine)."""
    fields = _fields(await request.body())
    if fields is None:
        return _answer(request, 422, {"detail": "请填写工单编号和联系电话后四位。"})
    order_no, last4 = svc.normalise_order_no(fields[0]), svc.normalise_last4(fields[1])
    if order_no is None:
        return _answer(request, 422, {"detail": svc.BAD_ORDER_NO})
    if last4 is None:
        return _answer(request, 422, {"detail": svc.BAD_LAST4})

    app = request.app
    settings: Settings = app.state.settings
    limits = svc.Limits.of(settings)
    address = svc.address_key(request.client.host if request.client else None)
    keys = {"ip": address, "order": svc.order_key(order_no)}
    now = app.state.clock()

    def work() -> tuple[int, dict[str, Any], dict[str, str]]:
        with app.state.database.sessionmaker() as session:
            refused = svc.locked(session, keys, limits, now)
            if refused is not None:
                session.rollback()
                minutes = _minutes(refused.retry_after_s)
                if refused.scope == "ip":
                    text = f"查询失败次数过多，请 {minutes} 分钟后再试，或拨打 12345 热线查询。"
                else:
                    text = f"该工单编号查询失败次数过多，已暂停在网上查询，请 {minutes} 分钟后再试，或拨打 12345 热线查询。"
                return 429, {"detail": text}, {"Retry-After": str(refused.retry_after_s)}
            order = svc.matching_order(session, order_no, last4)
            if order is None:
                svc.record_failure(session, keys, limits, now)
                return 404, {"detail": svc.NOT_FOUND}, {}
            body = svc.view(session, order, settings.tz, settings.notify_rating_hours, now)
            svc.clear_order(session, order_no)
            svc.audit(session, order_no, address.removeprefix("ip:"), now)
            session.commit()
            return 200, body, {}

    status, body, extra = await anyio.to_thread.run_sync(work)
    return _answer(request, status, body, extra)

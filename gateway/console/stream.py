"""Server-sent events: the console pages learn that the queue or a transcript changed.

The stream sends ``event: update`` with ``{"events": <max Rasa event id>, "handoffs": <marker>}``
whenever either changes (polling the shared databases, so it works across gateway
replicas), a comment line as keep-alive, and ends after CONSOLE_SSE_MAX_S — the
browser's EventSource reconnects by itself (``retry``) and the login is checked again.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gateway.console import handoffs as svc
from gateway.console.deps import ApiAgent, Settings, _agent

router = APIRouter(prefix="/console/api", include_in_schema=False)
KEEPALIVE_S = 15.0


def format_event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@router.get("/stream")
async def stream(request: Request, agent: ApiAgent, settings: Settings) -> StreamingResponse:
    app = request.app

    def snapshot() -> dict:
        with app.state.database.sessionmaker() as session:
            marker = svc.change_marker(session)
        return {"events": app.state.events_store.max_id(), "handoffs": "|".join(str(v) for v in marker)}

    async def events() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        last: dict | None = None
        started = last_sent = last_auth = time.monotonic()
        while time.monotonic() - started < settings.sse_max_s:
            if await request.is_disconnected():
                return
            if time.monotonic() - last_auth > 30:
                if await anyio.to_thread.run_sync(_agent, request) is None:
                    yield format_event("logout", {"detail": "登录已过期，请重新登录"})
                    return
                last_auth = time.monotonic()
            current = await anyio.to_thread.run_sync(snapshot)
            if current != last:
                last = current
                last_sent = time.monotonic()
                yield format_event("update", current)
            elif time.monotonic() - last_sent > KEEPALIVE_S:
                last_sent = time.monotonic()
                yield ": keep-alive\n\n"
            await anyio.sleep(settings.sse_interval_s)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

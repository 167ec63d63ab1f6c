"""ASGI middleware limiting the request body size (GATEWAY_MAX_BODY_BYTES)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimitMiddleware:
    """Reject bodies larger than ``max_bytes`` with 413 and a Chinese message.

    A declared Content-Length over the limit is refused before reading. Other
    bodies (chunked, or a lying Content-Length) are buffered up to the limit and
    then replayed to the application; the limit is small (64 KiB by default).
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # exact path -> (limit, Chinese message), e.g. the attachment upload
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        max_bytes, too_large = self.path_limits.get(
            scope.get("path", ""), (self.max_bytes, f"请求体过大：最大允许 {self.max_bytes} 字节")
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await self._reply(scope, receive, send, 400, "Content-Length 请求头无效")
                return
            if int(declared) > max_bytes:
                await self._reply(scope, receive, send, 413, too_large)
                return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > max_bytes:
                await self._reply(scope, receive, send, 413, too_large)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reply(scope: Scope, receive: Receive, send: Send, code: int, detail: str) -> None:
        response = JSONResponse({"detail": detail}, status_code=code, headers={"Connection": "close"})
        await response(scope, receive, send)

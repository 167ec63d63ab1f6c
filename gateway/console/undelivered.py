"""WeChat messages the channel could not deliver (e.g. 45015: outside the 48-hour
customer-service window), recorded by channels/wechat/stores.py in the Redis list
``{WECHAT_REDIS_PREFIX}:undelivered`` — listed in the console so an agent can call back.

The gateway's venv has no Redis client, so this speaks the few lines of RESP that
``LRANGE`` needs over a plain socket (called from the thread pool, never the event loop).
"""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import unquote, urlparse

MAX_ITEMS = 200


class RedisUnavailable(Exception):
    pass


def _command(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")

    def line(self) -> bytes:
        data = self.file.readline()
        if not data.endswith(b"\r\n"):
            raise RedisUnavailable("connection closed")
        return data[:-2]

    def reply(self) -> Any:
        head = self.line()
        kind, rest = head[:1], head[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisUnavailable(rest.decode(errors="replace")[:200])
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.reply() for _ in range(count)]
        raise RedisUnavailable("unexpected reply")


def redis_call(url: str, *commands: tuple[str, ...], timeout: float = 3.0) -> list[Any]:
    """Runs the commands (after AUTH/SELECT from the URL) and returns their replies."""
    parsed = urlparse(url)
    if parsed.scheme != "redis":
        raise RedisUnavailable("only redis:// URLs are supported here")
    prefix: list[tuple[str, ...]] = []
    if parsed.password:
        user = unquote(parsed.username) if parsed.username else None
        prefix.append(("AUTH", user, unquote(parsed.password)) if user else ("AUTH", unquote(parsed.password)))
    db = (parsed.path or "/0").lstrip("/") or "0"
    if db != "0":
        prefix.append(("SELECT", db))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout) as sock:
            sock.sendall(b"".join(_command(*c) for c in (*prefix, *commands)))
            reader = _Reader(sock)
            replies = [reader.reply() for _ in (*prefix, *commands)]
    except OSError as error:
        raise RedisUnavailable(type(error).__name__) from None
    return replies[len(prefix):]


def undelivered(redis_url: str, prefix: str) -> list[dict[str, Any]]:
    """The undelivered WeChat messages, the latest first."""
    [items] = redis_call(redis_url, ("LRANGE", f"{prefix}:undelivered", str(-MAX_ITEMS), "-1"))
    found = []
    for raw in reversed(items or []):
        try:
            item = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if isinstance(item, dict):
            found.append(item)
    return found

"""WeChat messages the channel could not deliver (e.g. 45015: outside the 48-hour
customer-service window), recorded by channels/wechat/stores.py in the Redis list
``{WECHAT_REDIS_PREFIX}:undelivered`` — listed in the console so an agent can call back.

Blocking redis-py calls: the caller runs this in the thread pool, never on the event loop.
"""

from __future__ import annotations

import json
from typing import Any

import redis

MAX_ITEMS = 200


class RedisUnavailable(Exception):
    pass


def undelivered(redis_url: str, prefix: str, timeout: float = 3.0) -> list[dict[str, Any]]:
    """The undelivered WeChat messages, the latest first."""
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            items = client.lrange(f"{prefix}:undelivered", -MAX_ITEMS, -1)
        finally:
            client.close()
    except (redis.RedisError, ValueError) as error:
        raise RedisUnavailable(type(error).__name__) from None
    found = []
    for raw in reversed(items or []):
        try:
            item = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if isinstance(item, dict):
            found.append(item)
    return found

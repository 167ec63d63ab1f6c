"""Undelivered WeChat messages in the console, read from the real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from gateway.console import configure_console
from gateway.console.undelivered import RedisUnavailable, undelivered

REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS = redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def prefix():
    name = f"test-console-{uuid.uuid4().hex[:8]}:wechat"
    yield name
    REDIS.delete(f"{name}:undelivered")


def push(prefix: str, **item) -> None:
    REDIS.rpush(f"{prefix}:undelivered", json.dumps(item, ensure_ascii=False))


def test_reads_the_list_the_wechat_channel_writes(prefix):
    push(prefix, sender="oABC123456", text="您好，我是话务员", errcode=45015, errmsg="out of time", at=1)
    push(prefix, sender="oDEF", text="第二条", errcode=None, errmsg="timeout", at=2)
    items = undelivered(REDIS_URL, prefix)
    assert [i["text"] for i in items] == ["第二条", "您好，我是话务员"]  # latest first
    with pytest.raises(RedisUnavailable):
        undelivered("redis://127.0.0.1:1/0", prefix, timeout=0.5)


def test_console_lists_them_with_a_chinese_reason(agents, console_app, console_settings, prefix):
    configure_console(console_app, console_settings.model_copy(update={"redis_url": REDIS_URL,
                                                                      "wechat_redis_prefix": prefix}))
    push(prefix, sender="oABC123456", text="请拨打13912345678联系我们", errcode=45015, errmsg="x", at=1)
    agent_view = agents["王芳"].get("/console/api/undelivered").json()
    assert agent_view["available"] is True
    [item] = agent_view["items"]
    assert item["sender_id"] == "oABC123456" and "48小时" in item["reason"]
    boss = agents["张主任"].get("/console/api/undelivered").json()["items"][0]
    assert boss["sender_id"] == "oAB****" and "13912345678" not in boss["text"]


def test_without_redis_the_console_says_so(agents):
    data = agents["王芳"].get("/console/api/undelivered").json()
    assert data["available"] is False and "REDIS_URL" in data["detail"]

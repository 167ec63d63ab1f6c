"""Order fields of revision 0002: category, urgent, attachments, source conversation,
knowledge items shown; lead/co units and sign deadline stay empty until dispatch."""

from __future__ import annotations

import json

import pytest

from gateway.schemas import OrderCreate
from gateway.services.orders import request_hash

FULL = {
    "category": "住房城乡建设",
    "urgent": True,
    "attachments": [
        {"name": "现场照片.jpg", "url": "https://files.example.cn/a/1.jpg", "content_type": "image/jpeg", "size": 20480},
        {"name": "说明.pdf", "url": "http://files.example.cn/a/2.pdf"},
    ],
    "source_conversation": [
        {"speaker": "citizen", "text": "我们小区停水两天了", "at": "2026-01-05T09:30:00+08:00"},
        {"speaker": "bot", "text": "请问您在哪个区县？"},
    ],
    "knowledge_items": [{"id": "kb-water-001", "title": "停水报修渠道"}],
}


def test_new_fields_are_stored_and_returned(client, order_payload):
    response = client.post("/api/v1/orders", json=order_payload(**FULL))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["category"] == "住房城乡建设"
    assert body["urgent"] is True
    assert body["attachments"] == [
        {"name": "现场照片.jpg", "url": "https://files.example.cn/a/1.jpg", "content_type": "image/jpeg", "size": 20480},
        {"name": "说明.pdf", "url": "http://files.example.cn/a/2.pdf", "content_type": None, "size": None},
    ]
    assert body["source_conversation"][0]["at"] == "2026-01-05T09:30:00+08:00"
    assert body["source_conversation"][1] == {"speaker": "bot", "text": "请问您在哪个区县？", "at": None}
    assert body["knowledge_items"] == [{"id": "kb-water-001", "title": "停水报修渠道"}]
    # Set by dispatch, not by intake.
    assert (body["lead_unit"], body["co_units"], body["accept_due_at"]) == (None, [], None)
    assert client.get(f"/api/v1/orders/{body['order_no']}", params={"sender_id": body["sender_id"]}).json() == body


def test_defaults_when_the_new_fields_are_left_out(client, order_payload):
    body = client.post("/api/v1/orders", json=order_payload()).json()
    assert body["category"] is None and body["urgent"] is False
    assert body["attachments"] == body["source_conversation"] == body["knowledge_items"] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"category": "天气"}, "热点分类（category）取值无效，可选值：住房城乡建设、人资社保"),
        ({"urgent": "yes"}, "是否紧急（urgent）必须是布尔值"),
        ({"attachments": [{"name": "a", "url": "javascript:alert(1)"}]}, "附件链接须为 http:// 或 https:// 开头的地址"),
        ({"attachments": [{"name": "a", "url": "https://x.cn/1"}] * 11}, "附件（attachments）最多 10 项"),
        ({"attachments": [{"name": "a", "url": "https://x.cn/1", "size": -1}]}, "不能小于 0"),
        ({"attachments": [{"name": "a", "url": "https://x.cn/1", "owner": "x"}]}, "不支持的字段：owner"),
        ({"attachments": {"name": "a"}}, "附件（attachments）必须是数组"),
        ({"source_conversation": [{"speaker": "robot", "text": "你好"}]}, "发言方（speaker）取值无效，可选值：citizen、bot、agent"),
        ({"source_conversation": [{"speaker": "bot", "text": "长" * 2001}]}, "对话内容最多2000个字"),
        ({"source_conversation": [{"speaker": "bot", "text": "好", "at": "昨天"}]}, "时间（at）必须是 ISO 8601 时间"),
        ({"knowledge_items": [{"id": ""}]}, "知识条目标识不能为空"),
        ({"knowledge_items": [{"id": "k"}] * 21}, "最多 20 项"),
    ],
)
def test_bad_new_fields_are_422_and_nothing_is_stored(client, order_payload, db_rows, extra, message):
    response = client.post("/api/v1/orders", json=order_payload(**extra))
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert db_rows("orders") == []


def test_replay_with_the_new_fields(client, order_payload):
    headers = {"Idempotency-Key": "conv-9-form-1"}
    first = client.post("/api/v1/orders", json=order_payload(**FULL), headers=headers)
    again = client.post("/api/v1/orders", json=order_payload(**FULL), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    changed = client.post("/api/v1/orders", json=order_payload(**{**FULL, "urgent": False}), headers=headers)
    assert changed.status_code == 409


def test_request_hash_of_a_foundation_body_is_unchanged(order_payload):
    """Keys stored before revision 0002 must still match their replays."""
    import hashlib

    payload = OrderCreate.model_validate(order_payload())
    foundation_fields = {
        "type", "channel", "sender_id", "description", "district", "address", "occurred_at",
        "contact_name", "contact_phone", "anonymous", "reply_required", "conversation_id",
    }
    old = json.dumps(
        payload.model_dump(mode="json", include=foundation_fields),
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    assert request_hash(payload) == hashlib.sha256(old.encode("utf-8")).hexdigest()
    assert request_hash(OrderCreate.model_validate(order_payload(urgent=True))) != request_hash(payload)

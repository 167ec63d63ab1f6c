"""Duplicates (第七条（七）): a repeated open matter of the same sender is linked to the
earlier order; the citizen is told its number and status."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.services.duplicates import similarity

from .conftest import AUTH, TOKEN


@pytest.fixture
def dup_client(db_url):
    settings = Settings(database_url=db_url, api_token=TOKEN, auto_migrate=False, duplicate_check=True)
    with TestClient(create_app(settings), headers=AUTH) as client:
        yield client


def test_similarity():
    assert similarity("小区停水两天了，没人管", "小区停水两天了没人管！") == 1.0
    assert similarity("小区停水两天了没人管", "我们小区已经停水两天了，一直没人管") >= 0.7
    assert similarity("小区停水两天了没人管", "路灯坏了一个星期") < 0.2
    assert similarity("", "abc") == 0.0


def test_repeated_matter_is_linked_to_the_open_order(dup_client, order_payload, db_rows):
    first = dup_client.post("/api/v1/orders", json=order_payload(description="我们小区停水两天了，一直没人管"))
    assert first.status_code == 201 and first.json()["notice"] is None
    order_no = first.json()["order_no"]
    again = dup_client.post(
        "/api/v1/orders",
        json=order_payload(description="小区停水两天了没人管！", channel="wechat"),
        headers={"Idempotency-Key": "dup-1"},
    )
    assert again.status_code == 200
    assert again.headers["duplicate-of"] == order_no
    body = again.json()
    assert body["order_no"] == order_no
    assert body["notice"] == (
        f"您反映的问题已有工单在办理中（工单编号：{order_no}，当前状态：已受理），本次反映已并入该工单，无需重复提交。"
    )
    assert len(db_rows("orders")) == 1
    events = db_rows("order_events")
    assert [e["kind"] for e in events] == ["created", "duplicate"]
    # the key now points to the earlier order: a retry replays it
    replay = dup_client.post("/api/v1/orders", json=order_payload(description="小区停水两天了没人管！", channel="wechat"),
                             headers={"Idempotency-Key": "dup-1"})
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["order_no"] == order_no and len(db_rows("order_events")) == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"sender_id": "someone-else"},  # another contact
        {"type": "咨询"},  # another kind of request
        {"district": "洛南县"},  # another place
        {"description": "楼道里的路灯坏了一个星期，晚上很黑"},  # another matter
    ],
)
def test_different_requests_are_new_orders(dup_client, order_payload, overrides):
    first = dup_client.post("/api/v1/orders", json=order_payload(description="我们小区停水两天了，一直没人管"))
    second = dup_client.post("/api/v1/orders", json=order_payload(**{"description": "我们小区停水两天了，一直没人管", **overrides}))
    assert second.status_code == 201
    assert second.json()["order_no"] != first.json()["order_no"]


def test_closed_orders_are_not_duplicates(dup_client, order_payload):
    first = dup_client.post("/api/v1/orders", json=order_payload()).json()["order_no"]
    dup_client.post(f"/api/v1/orders/{first}/withdraw", json={"sender_id": "user-001"})
    second = dup_client.post("/api/v1/orders", json=order_payload())
    assert second.status_code == 201 and second.json()["order_no"] != first

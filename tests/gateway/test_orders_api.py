"""Create / read / list orders through the HTTP API (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

ORDER_FIELDS = {
    "order_no", "type", "status", "status_label", "channel", "sender_id", "district",
    "address", "occurred_at", "contact_name", "contact_phone", "anonymous",
    "reply_required", "description", "conversation_id", "created_at", "due_at",
    "withdrawn_at", "withdraw_reason",
    # revision 0002
    "category", "urgent", "lead_unit", "co_units", "accept_due_at", "attachments", "attachment_files",
    "source_conversation", "knowledge_items",
    # revision 0003
    "dispatched_at", "signed_at", "replied_at", "completed_at", "timeliness", "timeliness_label",
    "pending_request", "reply", "satisfaction", "satisfaction_comment", "extension_count",
    "return_count", "reopen_count",
    # revision 0012
    "supervisor_queue_at", "supervisor_queue_reason",
    # revision 0004
    "route_rule", "route_unit", "route_co_units", "route_reason",
    "notice",
}
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_health_needs_no_token(raw_client):
    response = raw_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_docs_are_served(raw_client):
    assert raw_client.get("/docs").status_code == 200
    spec = raw_client.get("/openapi.json").json()
    assert "/api/v1/orders" in spec["paths"]
    assert "/api/v1/orders/{order_no}/withdraw" in spec["paths"]


def test_create_order_returns_201_with_all_fields(client, order_payload, db_rows):
    response = client.post("/api/v1/orders", json=order_payload())
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == ORDER_FIELDS
    assert re.fullmatch(r"SL\d{8}\d{6}", body["order_no"])
    assert response.headers["location"] == f"/api/v1/orders/{body['order_no']}"
    assert "idempotent-replayed" not in response.headers
    assert body["status"] == "received"
    assert body["status_label"] == "已受理"
    assert body["type"] == "投诉"
    assert body["district"] == "商州区"
    assert body["contact_phone"] == "13800000000"
    assert body["withdrawn_at"] is None and body["withdraw_reason"] is None

    created = dt.datetime.fromisoformat(body["created_at"])
    due = dt.datetime.fromisoformat(body["due_at"])
    assert body["created_at"].endswith("+08:00") and body["due_at"].endswith("+08:00")
    assert body["order_no"][2:10] == created.astimezone(SHANGHAI).strftime("%Y%m%d")
    assert due.time() == dt.time(23, 59, 59)
    assert due.date() > created.date()

    events = db_rows("order_events")
    assert len(events) == 1
    assert events[0]["kind"] == "created"
    assert events[0]["actor"] == "citizen:user-001"
    assert len(db_rows("orders")) == 1


def test_order_numbers_are_sequential_and_unique(client, order_payload):
    numbers = [
        client.post("/api/v1/orders", json=order_payload(sender_id=f"u{i}")).json()["order_no"]
        for i in range(3)
    ]
    assert len(set(numbers)) == 3
    sequences = [int(n[-6:]) for n in numbers]
    assert sequences == sorted(sequences)
    assert sequences[1] == sequences[0] + 1


def test_defaults_and_aliases(client, order_payload):
    payload = order_payload(district="高新区", channel=..., anonymous=..., reply_required=...)
    body = client.post("/api/v1/orders", json=payload).json()
    assert body["district"] == "商洛高新区（商丹园区）"
    assert body["channel"] == "rest"
    assert body["anonymous"] is False
    assert body["reply_required"] is True


def test_anonymous_order_needs_no_contact(client, order_payload):
    payload = order_payload(anonymous=True, contact_phone=..., contact_name=..., district=None)
    response = client.post("/api/v1/orders", json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["contact_phone"] is None
    assert response.json()["district"] is None


def test_consultation_deadline_is_shorter(client, order_payload):
    consult = client.post("/api/v1/orders", json=order_payload(type="咨询")).json()
    complaint = client.post("/api/v1/orders", json=order_payload(type="投诉")).json()
    assert consult["due_at"] < complaint["due_at"]


def test_get_order(client, order_payload):
    created = client.post("/api/v1/orders", json=order_payload()).json()
    response = client.get(f"/api/v1/orders/{created['order_no']}", params={"sender_id": "user-001"})
    assert response.status_code == 200
    assert response.json() == created


def test_bot_token_reads_and_lists_only_by_sender_id(client, order_payload):
    """The bot token (Rasa, action server, email worker) acts for one citizen at a time:
    without sender_id it may neither list every order nor read one by its (guessable) number."""
    created = client.post("/api/v1/orders", json=order_payload()).json()
    for path in ("/api/v1/orders", f"/api/v1/orders/{created['order_no']}",
                 f"/api/v1/orders/{created['order_no']}/attachments"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.json() == {"detail": "智能客服账号只能按提交人（sender_id）查询工单"}
        assert "13800000000" not in refused.text
    assert client.get("/api/v1/orders", params={"status": "received"}).status_code == 403
    mine = client.get("/api/v1/orders", params={"sender_id": "user-001"}).json()
    assert [o["order_no"] for o in mine["items"]] == [created["order_no"]]


def test_get_unknown_order_is_404_in_chinese(client):
    for order_no in ("SL20260101999999", "nonsense", "SL" + "9" * 40):
        response = client.get(f"/api/v1/orders/{order_no}", params={"sender_id": "user-001"})
        assert response.status_code == 404
        assert response.json() == {"detail": "工单不存在"}


def test_get_order_with_wrong_sender_is_404(client, order_payload):
    created = client.post("/api/v1/orders", json=order_payload(sender_id="alice")).json()
    url = f"/api/v1/orders/{created['order_no']}"
    assert client.get(url, params={"sender_id": "alice"}).status_code == 200
    assert client.get(url, params={"sender_id": "mallory"}).status_code == 404


def test_list_orders_newest_first_with_filters(client, staff_client, order_payload):
    numbers = []
    for sender in ("alice", "bob", "alice", "alice"):
        numbers.append(client.post("/api/v1/orders", json=order_payload(sender_id=sender)).json()["order_no"])
    client.post(f"/api/v1/orders/{numbers[0]}/withdraw", json={"sender_id": "alice"})

    everything = staff_client.get("/api/v1/orders").json()
    assert everything["total"] == 4
    assert [o["order_no"] for o in everything["items"]] == numbers[::-1]

    alice = client.get("/api/v1/orders", params={"sender_id": "alice", "limit": 2}).json()
    assert alice["total"] == 3
    assert [o["order_no"] for o in alice["items"]] == [numbers[3], numbers[2]]

    page2 = client.get("/api/v1/orders", params={"sender_id": "alice", "limit": 2, "offset": 2}).json()
    assert [o["order_no"] for o in page2["items"]] == [numbers[0]]

    withdrawn = staff_client.get("/api/v1/orders", params={"status": "withdrawn"}).json()
    assert withdrawn["total"] == 1 and withdrawn["items"][0]["order_no"] == numbers[0]

    received = client.get("/api/v1/orders", params={"status": "received", "sender_id": "alice"}).json()
    assert received["total"] == 2

    assert client.get("/api/v1/orders", params={"sender_id": "nobody"}).json() == {"items": [], "total": 0}


def test_list_rejects_bad_query_parameters(client):
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"status": "open"}, {"offset": -1}):
        response = client.get("/api/v1/orders", params={"sender_id": "user-001", **params})
        assert response.status_code == 422, params
        assert response.json()["detail"].startswith("请求参数有误")


def test_api_requires_bearer_token(raw_client, client, order_payload, db_rows):
    good = client.headers["Authorization"]
    calls = [
        ("get", "/api/v1/orders", None),
        ("get", "/api/v1/orders/SL20260101000001", None),
        ("post", "/api/v1/orders", order_payload()),
        ("post", "/api/v1/orders/SL20260101000001/withdraw", {"sender_id": "x"}),
    ]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwdw=="},
                    {"Authorization": good + "x"}, {"Authorization": good[len("Bearer "):]}):
        for method, url, body in calls:
            response = raw_client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (headers, url)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "令牌" in response.json()["detail"]
    assert db_rows("orders") == []


def test_unknown_route_and_method_answer_in_chinese(client):
    assert client.get("/api/v1/nothing").json() == {"detail": "请求的资源不存在"}
    response = client.delete("/api/v1/orders")
    assert response.status_code == 405
    assert response.json() == {"detail": "不支持该请求方法"}


def test_database_down_gives_503_not_500(order_payload):
    from fastapi.testclient import TestClient

    from gateway.core.config import Settings
    from gateway.main import create_app

    settings = Settings(database_url="postgresql://postgres@127.0.0.1:1/nowhere",
                        api_token="d" * 24, auto_migrate=False)
    with TestClient(create_app(settings), headers={"Authorization": "Bearer " + "d" * 24}) as client:
        assert client.get("/health").json() == {"status": "error", "database": "error"}
        assert client.get("/health").status_code == 503
        response = client.post("/api/v1/orders", json=order_payload())
        assert response.status_code == 503
        assert response.json() == {"detail": "数据库暂时不可用，请稍后重试"}

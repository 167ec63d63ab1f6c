"""Withdrawal (第十八条): owner check, state check, audit event, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor


def _create(client, order_payload, **overrides) -> str:
    response = client.post("/api/v1/orders", json=order_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["order_no"]


def test_withdraw_marks_order_and_writes_event(client, order_payload, db_rows):
    order_no = _create(client, order_payload, sender_id="alice")
    response = client.post(
        f"/api/v1/orders/{order_no}/withdraw",
        json={"sender_id": "alice", "reason": "问题已经解决了，不用办了"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["status_label"] == "已撤单"
    assert body["withdraw_reason"] == "问题已经解决了，不用办了"
    withdrawn_at = dt.datetime.fromisoformat(body["withdrawn_at"])
    assert body["withdrawn_at"].endswith("+08:00")
    assert withdrawn_at >= dt.datetime.fromisoformat(body["created_at"])

    assert client.get(f"/api/v1/orders/{order_no}", params={"sender_id": "alice"}).json() == body

    events = db_rows("order_events")
    assert [e["kind"] for e in events] == ["created", "withdrawn"]
    assert events[1]["actor"] == "citizen:alice"
    payload = events[1]["payload"]
    if isinstance(payload, str):  # SQLite JSON read through a plain text() query
        import json

        payload = json.loads(payload)
    assert payload == {"previous_status": "received", "reason": "问题已经解决了，不用办了"}


def test_reason_is_optional(client, order_payload):
    order_no = _create(client, order_payload)
    response = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    assert response.status_code == 200
    assert response.json()["withdraw_reason"] is None


def test_withdraw_by_someone_else_is_403(client, order_payload, db_rows):
    order_no = _create(client, order_payload, sender_id="alice")
    response = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "mallory"})
    assert response.status_code == 403
    assert response.json() == {"detail": "只有工单提交人本人可以撤单"}
    assert client.get(f"/api/v1/orders/{order_no}", params={"sender_id": "alice"}).json()["status"] == "received"
    assert len(db_rows("order_events")) == 1


def test_withdraw_unknown_order_is_404(client):
    for order_no in ("SL20260101000001", "not-an-order"):
        response = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "alice"})
        assert response.status_code == 404
        assert response.json() == {"detail": "工单不存在"}


def test_second_withdraw_is_409(client, order_payload, db_rows):
    order_no = _create(client, order_payload)
    first = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    second = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json() == {"detail": "该工单已撤单，无需重复操作"}
    assert [e["kind"] for e in db_rows("order_events")] == ["created", "withdrawn"]


def test_withdraw_body_is_validated(client, order_payload):
    order_no = _create(client, order_payload)
    url = f"/api/v1/orders/{order_no}/withdraw"
    for body in ({}, {"sender_id": ""}, {"sender_id": "user-001", "extra": 1},
                 {"sender_id": "user-001", "reason": "长" * 201}, {"sender_id": 42}):
        response = client.post(url, json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"].startswith("请求参数有误")
    assert client.get(f"/api/v1/orders/{order_no}", params={"sender_id": "user-001"}).json()["status"] == "received"


def test_concurrent_withdrawals_succeed_exactly_once(client, order_payload, db_rows):
    order_no = _create(client, order_payload)
    threads = 10
    barrier = threading.Barrier(threads)

    def withdraw(i: int):
        barrier.wait()
        return client.post(
            f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001", "reason": f"r{i}"}
        )

    with ThreadPoolExecutor(threads) as pool:
        codes = sorted(r.status_code for r in pool.map(withdraw, range(threads)))
    assert codes == [200] + [409] * (threads - 1)
    assert [e["kind"] for e in db_rows("order_events")] == ["created", "withdrawn"]

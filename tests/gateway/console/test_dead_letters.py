"""Orders the upstream platform never took: the supervisor's list in the console and its
retry button (issue 12.8). The upstream is a real HTTP server on loopback."""

from __future__ import annotations

import httpx

from gateway.models import OutboxMessage
from gateway.services.outbox import deliver_due
from tests.gateway.console.conftest import DAYTIME
from tests.gateway.test_outbox import Receiver


def _order(client) -> str:
    body = {"type": "投诉", "channel": "wechat", "sender_id": "oWx-dead-1", "district": "丹凤县",
            "description": "镇上的垃圾站好几天没人清运了，味道很大", "contact_name": "赵秀英", "contact_phone": "13709140002"}
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()["order_no"]


def _deliver(app, url: str, max_attempts: int) -> int:
    with httpx.Client(timeout=2) as http:
        return deliver_due(app.state.database.sessionmaker, http, url=url, token=None, clock=lambda: DAYTIME,
                           lease_s=30, base_s=2, max_s=60, max_attempts=max_attempts, jitter=lambda: 1.0)


def test_supervisor_sees_dead_letters_and_retries_one(client, agents, console_app):
    order_no = _order(client)
    down = Receiver(["fail"])
    try:
        assert _deliver(console_app, down.url, max_attempts=1) == 0
    finally:
        down.close()
    boss, wang = agents["张主任"], agents["王芳"]

    listed = boss.get("/console/api/outbox/dead").json()
    assert listed["total"] == 1
    (item,) = listed["items"]
    assert (item["order_no"], item["attempts"], item["last_error"]) == (order_no, 1, "HTTP 500")
    assert "13709140002" not in str(listed) and "赵秀英" not in str(listed)  # no personal data in the list
    assert "上报失败的工单" in boss.get("/console").text and "上报失败的工单" not in wang.get("/console").text

    # agents may neither read nor retry; a retry needs the session's CSRF token
    assert wang.get("/console/api/outbox/dead").status_code == 403
    assert wang.post("/console/api/outbox/retry", {"order_no": order_no}).status_code == 403
    assert boss.post("/console/api/outbox/retry", {"order_no": order_no}, csrf=None).status_code == 403
    assert boss.post("/console/api/outbox/retry", {"order_no": "SL20261125999999"}).status_code == 404

    assert boss.post("/console/api/outbox/retry", {"order_no": order_no}).json() == {"order_no": order_no,
                                                                                     "queued": True}
    assert boss.get("/console/api/outbox/dead").json()["total"] == 0
    up = Receiver([])
    try:
        assert _deliver(console_app, up.url, max_attempts=1) == 1
    finally:
        up.close()
    assert [r["key"] for r in up.requests] == [order_no]
    with console_app.state.database.sessionmaker() as session:
        row = session.query(OutboxMessage).one()
        assert row.sent_at is not None and row.dead_at is None
        from gateway.console import audit

        assert [e.detail for e in audit.entries(session) if e.action == "outbox_retry"] == [{"order_no": order_no}]

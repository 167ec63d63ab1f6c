"""The console's 办理结果回访 list (issue 14): per order what was sent, when, on which channel, whether it
was delivered and the rating; undelivered results with the citizen's number for agents only."""

from __future__ import annotations

import datetime as dt

from gateway.models import Notification, Order, PersonalDataRead
from tests.gateway.console.conftest import DAYTIME


def _order(client, sender: str, phone: str) -> str:
    body = {"type": "求助", "channel": "wechat", "sender_id": sender, "district": "商州区",
            "description": "北新街的路灯坏了一个星期，晚上很黑", "contact_name": "赵秀英", "contact_phone": phone}
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()["order_no"]


def test_results_with_outcome_rating_and_callbacks(client, agents, console_app):
    delivered = _order(client, "oWx-res-1", "13709140011")
    missed = _order(client, "oWx-res-2", "13709140012")
    with console_app.state.database.sessionmaker() as session:
        for order_no, sender, outcome in ((delivered, "oWx-res-1", "delivered"), (missed, "oWx-res-2", "undelivered")):
            session.add(Notification(order_no=order_no, event_key="result:0", channel="wechat", sender_id=sender,
                                     payload={"text": "…"}, created_at=DAYTIME, attempts=1, next_attempt_at=DAYTIME,
                                     sent_at=DAYTIME + dt.timedelta(seconds=2), outcome=outcome, outcome_at=DAYTIME))
        order = session.query(Order).filter_by(order_no=delivered).one()
        order.satisfaction = "不满意"
        order.supervisor_queue_at, order.supervisor_queue_reason = DAYTIME, "该工单已重办过一次；群众意见：还是不亮"
        session.commit()
    boss, wang = agents["张主任"], agents["王芳"]

    seen = wang.get("/console/api/results").json()
    by_no = {i["order_no"]: i for i in seen["items"]}
    assert by_no[delivered]["outcome_label"] == "已送达" and by_no[delivered]["satisfaction"] == "不满意"
    assert by_no[delivered]["contact_phone"] is None  # delivered: nobody needs to phone
    assert by_no[missed]["callback"] and by_no[missed]["contact_phone"] == "13709140012"
    assert seen["supervisor_queue"] == []  # the supervisors' list
    with console_app.state.database.sessionmaker() as session:
        reads = session.query(PersonalDataRead).filter_by(order_no=missed, action="console:callback").count()
    assert reads == 1

    boss_view = boss.get("/console/api/results").json()
    assert "13709140012" not in str(boss_view) and "137****0012" in str(boss_view)
    (queued,) = boss_view["supervisor_queue"]
    assert queued["order_no"] == delivered and "重办过一次" in queued["reason"]
    assert "办理结果回访" in wang.get("/console").text

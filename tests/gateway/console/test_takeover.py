"""Escalation from the bot, the queue, take over, reply, transfer (A/B 岗), hand back, orders, audit."""

from __future__ import annotations

import datetime as dt

from tests.gateway.console.conftest import DAYTIME


def escalate(client, sender="c1", reason="citizen_asked", **extra):
    body = {"sender_id": sender, "channel": "rest", "reason": reason,
            "summary": {"description": "小区停水两天了", "contact_phone": "13800001234"}, "last_text": "转人工"}
    body.update(extra)
    return client.post("/api/v1/handoffs", json=body)


def test_bot_posts_a_handoff_and_learns_whether_agents_are_on_duty(client, console_app):
    response = escalate(client)
    assert response.status_code == 200
    assert response.json() == {"sender_id": "c1", "status": "waiting", "staffed": True,
                               "staffed_hours": "每天 08:00–20:00", "waiting": 1}
    console_app.state.clock = lambda: DAYTIME + dt.timedelta(hours=13)  # 23:00 in Shangluo
    assert escalate(client, "c2", "not_understood").json()["staffed"] is False
    assert escalate(client, "c3", "bad_reason").status_code == 422
    assert client.post("/api/v1/handoffs", json={"sender_id": "c1", "reason": "citizen_asked"},
                       headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_queue_lists_waiting_conversations_with_waiting_times(client, agents, events_table):
    events_table.user("c1", "转人工")
    events_table.user("live-1", "公积金怎么提取", channel="webchat")
    escalate(client)
    data = agents["王芳"].get("/console/api/queue").json()
    assert [h["sender_id"] for h in data["waiting"]] == ["c1"]
    waiting = data["waiting"][0]
    assert waiting["reason_label"] == "群众要求转人工" and waiting["requested_at"] <= data["now"]
    assert [c["sender_id"] for c in data["live"]] == ["live-1"] and data["live"][0]["channel_label"] == "网页"
    assert set(data["agents"]) == {"王芳", "李强", "张主任"}


def test_take_over_pauses_rasa_and_only_the_holder_may_act(client, agents, fake_rasa):
    escalate(client)
    wang, li = agents["王芳"], agents["李强"]
    response = wang.post("/console/api/takeover", {"sender_id": "c1"})
    assert response.status_code == 200 and response.json()["holder"] == "王芳"
    sender, event, query = fake_rasa.received[-1]
    assert (sender, event) == ("c1", {"event": "pause"})
    assert query["execute_side_effects"] == ["true"] and query["output_channel"] == ["latest"]

    for path, body in [("takeover", {}), ("reply", {"text": "您好"}), ("handback", {}),
                       ("transfer", {"to": "李强"}), ("order", {"type": "求助", "description": "小区停水两天了"})]:
        response = li.post(f"/console/api/{path}", {"sender_id": "c1", **body})
        assert response.status_code == 409, path
        assert response.json()["detail"] == "该会话正由“王芳”处理，需由对方转交后才能操作" or path == "order"

    assert wang.post("/console/api/reply", {"sender_id": "c1", "text": "您好，我是话务员王芳"}).status_code == 200
    assert fake_rasa.received[-1][1] == {"event": "bot", "text": "您好，我是话务员王芳", "metadata": {"agent": "王芳"}}


def test_transfer_to_the_b_post_then_hand_back(client, agents, fake_rasa, console_app):
    escalate(client)
    wang, li = agents["王芳"], agents["李强"]
    wang.post("/console/api/takeover", {"sender_id": "c1"})
    assert wang.post("/console/api/transfer", {"sender_id": "c1", "to": "不存在"}).status_code == 400
    response = wang.post("/console/api/transfer", {"sender_id": "c1", "to": "李强"})
    assert response.status_code == 200 and response.json()["holder"] == "李强"
    assert wang.post("/console/api/reply", {"sender_id": "c1", "text": "还在吗"}).status_code == 409
    assert li.post("/console/api/reply", {"sender_id": "c1", "text": "我来继续为您处理"}).status_code == 200
    response = li.post("/console/api/handback", {"sender_id": "c1"})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert fake_rasa.kinds("c1") == ["pause", "bot", "resume", "bot"]
    assert "智能助手继续为您服务" in fake_rasa.received[-1][1]["text"]
    assert li.post("/console/api/reply", {"sender_id": "c1", "text": "x"}).status_code == 409

    with console_app.state.database.sessionmaker() as session:
        from gateway.console import audit

        log = [(e.actor, e.action) for e in reversed(audit.entries(session, "c1"))]
    assert log == [("bot", "escalate"), ("agent:王芳", "take_over"), ("agent:李强", "reply"),
                   ("agent:李强", "hand_back")] or ("agent:王芳", "transfer") in log
    assert ("agent:王芳", "transfer") in log and ("agent:李强", "hand_back") in log


def test_a_supervisor_may_hand_back_any_conversation(client, agents):
    escalate(client)
    agents["王芳"].post("/console/api/takeover", {"sender_id": "c1"})
    assert agents["张主任"].post("/console/api/handback", {"sender_id": "c1"}).status_code == 200


def test_an_agent_may_pick_a_live_conversation(agents, events_table, fake_rasa):
    events_table.user("live-2", "我想问问低保怎么申请", channel="wechat")
    response = agents["王芳"].post("/console/api/takeover", {"sender_id": "live-2"})
    assert response.status_code == 200
    assert response.json()["reason"] == "agent_picked" and response.json()["channel"] == "wechat"
    assert fake_rasa.kinds("live-2") == ["pause"]


def test_rasa_down_take_over_fails_cleanly(client, agents, fake_rasa):
    escalate(client)
    fake_rasa.fail = True
    response = agents["王芳"].post("/console/api/takeover", {"sender_id": "c1"})
    assert response.status_code == 503 and "智能助手服务暂时无法连接" in response.json()["detail"]
    fake_rasa.fail = False
    # nobody holds it: another agent can take it
    assert agents["李强"].post("/console/api/takeover", {"sender_id": "c1"}).status_code == 200


def test_transcript_includes_messages_sent_while_held(client, agents, events_table):
    events_table.user("c1", "我们小区停水两天了")
    escalate(client)
    wang = agents["王芳"]
    wang.post("/console/api/takeover", {"sender_id": "c1"})
    events_table.user("c1", "有人吗？")  # the citizen writes while the bot is paused
    wang.post("/console/api/reply", {"sender_id": "c1", "text": "在的，请说"})
    data = wang.get("/console/api/conversation", params={"sender_id": "c1"}).json()
    kinds = [(t["kind"], t["text"]) for t in data["turns"]]
    assert kinds == [("user", "我们小区停水两天了"), ("pause", ""), ("user", "有人吗？"), ("agent", "在的，请说")]
    assert data["paused"] is True and data["handoff"]["mine"] is True


def test_personal_data_masked_for_supervisors(agents, events_table):
    events_table.user("c9", "我的电话是13912345678")
    events_table.add("c9", {"event": "slot", "name": "contact_phone", "value": "13912345678"})
    events_table.add("c9", {"event": "slot", "name": "contact_name", "value": "刘芳芳"})
    agent_view = agents["王芳"].get("/console/api/conversation", params={"sender_id": "c9"}).json()
    boss_view = agents["张主任"].get("/console/api/conversation", params={"sender_id": "c9"}).json()
    assert {s["label"]: s["value"] for s in agent_view["slots"]}["联系电话"] == "13912345678"
    masked = {s["label"]: s["value"] for s in boss_view["slots"]}
    assert masked["联系电话"] == "139****5678" and masked["联系人"] == "刘**"
    assert "13912345678" not in str(boss_view)


def test_order_from_the_conversation_is_created_once(client, agents, events_table, db_rows):
    escalate(client)
    wang = agents["王芳"]
    wang.post("/console/api/takeover", {"sender_id": "c1"})
    order = {"sender_id": "c1", "type": "求助", "description": "小区停水两天了，没人管", "district": "商州",
             "address": "北新街 12 号", "contact_name": "刘芳", "contact_phone": "13800001234"}
    first = wang.post("/console/api/order", order)
    assert first.status_code == 201, first.text
    again = wang.post("/console/api/order", order)
    assert again.json()["order_no"] == first.json()["order_no"] and again.json()["replayed"] is True
    assert len(db_rows("orders")) == 1
    stored = db_rows("orders")[0]
    assert stored["sender_id"] == "c1" and stored["district"] == "商州区"
    queue = wang.get("/console/api/queue").json()
    assert queue["held"][0]["order_no"] == first.json()["order_no"]
    bad = wang.post("/console/api/order", {**order, "contact_phone": "12345"})
    assert bad.status_code == 422 and "电话号码格式不正确" in str(bad.json()["detail"])


def test_reply_validation(client, agents):
    escalate(client)
    wang = agents["王芳"]
    wang.post("/console/api/takeover", {"sender_id": "c1"})
    assert wang.post("/console/api/reply", {"sender_id": "c1", "text": "   "}).json()["detail"] == "回复内容不能为空"
    assert wang.post("/console/api/reply", {"sender_id": "c1", "text": "长" * 2001}).status_code == 422


def test_pages_render_text_as_text(agents):
    page = agents["王芳"].get("/console/conversation", params={"sender_id": "<script>alert(1)</script>"})
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_audit_log_is_for_supervisors(client, agents):
    escalate(client)
    agents["王芳"].post("/console/api/takeover", {"sender_id": "c1"})
    assert agents["王芳"].get("/console/api/audit").status_code == 403
    items = agents["张主任"].get("/console/api/audit", params={"sender_id": "c1"}).json()["items"]
    assert [i["action"] for i in items] == ["take_over", "escalate"]


def test_views_are_audited_once_per_ten_minutes(agents, events_table, console_app):
    import datetime as dt

    from gateway.console import audit

    events_table.user("c5", "你好")
    wang = agents["王芳"]
    for _ in range(3):
        assert wang.get("/console/api/conversation", params={"sender_id": "c5"}).status_code == 200
    console_app.state.clock = lambda: DAYTIME + dt.timedelta(minutes=11)
    assert wang.get("/console/api/conversation", params={"sender_id": "c5"}).status_code == 200
    with console_app.state.database.sessionmaker() as session:
        views = [e for e in audit.entries(session, "c5") if e.action == "view"]
    assert len(views) == 2 and views[0].actor == "agent:王芳"

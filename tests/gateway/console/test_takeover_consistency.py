"""Pause at Rasa and the holder row stay together when Rasa times out (issue 12.10).

The Rasa stand-in is a real HTTP server on loopback that applies each event (appends it to
the events table) and can answer too late for the console's timeout — the answer is lost,
the pause happened. After every call, either the conversation is held and paused, or not
held and not paused, or — when Rasa cannot confirm anything — back in the waiting queue
where every agent sees it. Never paused with nobody holding it and nobody seeing it.
"""

from __future__ import annotations

import pytest

from gateway.console import configure_console
from gateway.console.models import Handoff
from tests.gateway.console.test_takeover import escalate


@pytest.fixture
def impatient(console_app, console_settings, fake_rasa):
    """The console waits 0.3 s for Rasa; a late answer comes after 1 s."""
    configure_console(console_app, console_settings.model_copy(update={"rasa_timeout_s": 0.3}))
    fake_rasa.late_s = 1.0
    return console_app


def _row(app, sender: str) -> Handoff | None:
    with app.state.database.sessionmaker() as session:
        return session.get(Handoff, sender)


def test_a_lost_pause_answer_is_retried_and_the_takeover_holds(client, agents, fake_rasa, impatient):
    escalate(client, "oWx-late-1")
    fake_rasa.late_answers = 1  # Rasa pauses, its answer is lost
    response = agents["王芳"].post("/console/api/takeover", {"sender_id": "oWx-late-1"})
    assert response.status_code == 200, response.text
    assert fake_rasa.kinds("oWx-late-1") == ["pause", "pause"]
    row = _row(impatient, "oWx-late-1")
    assert (row.status, row.holder) == ("held", "王芳") and fake_rasa.paused("oWx-late-1")


def test_rasa_paused_then_went_down_the_citizen_goes_back_to_the_queue(client, agents, fake_rasa, impatient):
    escalate(client, "oWx-late-2")
    fake_rasa.late_answers, fake_rasa.down_after_late = 1, True
    response = agents["王芳"].post("/console/api/takeover", {"sender_id": "oWx-late-2"})
    assert response.status_code == 503 and "放回等待队列" in response.json()["detail"]
    assert fake_rasa.paused("oWx-late-2")  # the first pause did land
    row = _row(impatient, "oWx-late-2")
    assert (row.status, row.holder) == ("waiting", None)
    fake_rasa.fail = False
    queue = agents["李强"].get("/console/api/queue").json()
    assert "oWx-late-2" in [h["sender_id"] for h in queue["waiting"]]  # visible to every agent
    assert agents["李强"].post("/console/api/takeover", {"sender_id": "oWx-late-2"}).status_code == 200


def test_every_pause_times_out_the_compensating_resume_wins(client, agents, fake_rasa, impatient, events_table):
    events_table.user("web-late-3", "我想问问医保报销的事", channel="webchat")
    fake_rasa.late_answers = 3  # three pauses applied, all answers lost; the resume is answered in time
    response = agents["王芳"].post("/console/api/takeover", {"sender_id": "web-late-3"})
    assert response.status_code == 503 and "智能助手服务暂时无法连接" in response.json()["detail"]
    assert fake_rasa.kinds("web-late-3") == ["pause", "pause", "pause", "resume"]
    assert not fake_rasa.paused("web-late-3")
    row = _row(impatient, "web-late-3")
    assert (row.status, row.holder) == ("closed", None)  # the bot serves it, as before


def test_a_lost_resume_answer_is_retried_and_the_hand_back_completes(client, agents, fake_rasa, impatient):
    escalate(client, "oWx-late-4")
    assert agents["王芳"].post("/console/api/takeover", {"sender_id": "oWx-late-4"}).status_code == 200
    fake_rasa.late_answers = 1
    response = agents["王芳"].post("/console/api/handback", {"sender_id": "oWx-late-4"})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert fake_rasa.kinds("oWx-late-4") == ["pause", "resume", "resume", "bot"]
    assert not fake_rasa.paused("oWx-late-4")


def test_rasa_down_at_hand_back_keeps_the_agent_holding(client, agents, fake_rasa, impatient):
    escalate(client, "oWx-late-5")
    assert agents["王芳"].post("/console/api/takeover", {"sender_id": "oWx-late-5"}).status_code == 200
    fake_rasa.fail = True
    response = agents["王芳"].post("/console/api/handback", {"sender_id": "oWx-late-5"})
    assert response.status_code == 503
    row = _row(impatient, "oWx-late-5")
    assert (row.status, row.holder) == ("held", "王芳") and fake_rasa.paused("oWx-late-5")
    fake_rasa.fail = False
    assert agents["王芳"].post("/console/api/handback", {"sender_id": "oWx-late-5"}).status_code == 200
    assert not fake_rasa.paused("oWx-late-5")

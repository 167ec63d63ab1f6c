"""Confidentiality: masking by role, anonymous orders towards units, audit log of reads."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.services.privacy import mask_name, mask_phone

from .conftest import TOKEN

AGENT = "agent-token-0123456789"
BLIND_AGENT = "agent-no-pd-0123456789"
SUPERVISOR = "supervisor-token-01234"
ADMIN = "admin-token-0123456789"
UNIT = "unit-shangzhou-0123456"
TOKENS = {
    AGENT: {"role": "agent", "name": "话务员01"},
    BLIND_AGENT: {"role": "agent", "name": "实习话务员", "personal_data": False},
    SUPERVISOR: "supervisor",
    ADMIN: "admin",
    UNIT: {"role": "unit", "unit": "商州区"},
}


@pytest.fixture
def call(db_url):
    settings = Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(TOKENS), auto_migrate=False)
    with TestClient(create_app(settings)) as client:
        def request(token: str, method: str, url: str, **kwargs):
            return client.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        yield request


def _create(call, **overrides) -> str:
    payload = {"type": "投诉", "sender_id": "oWx-secret-id", "description": "小区门口的路灯坏了一个星期，晚上很黑",
               "district": "商州区", "contact_name": "欧阳娜娜", "contact_phone": "13800001234",
               "source_conversation": [{"speaker": "citizen", "text": "我叫欧阳娜娜，电话13800001234"}], **overrides}
    response = call(TOKEN, "POST", "/api/v1/orders", json=payload)
    assert response.status_code == 201, response.text
    order_no = response.json()["order_no"]
    assert call(AGENT, "POST", f"/api/v1/orders/{order_no}/events", json={"kind": "dispatch"}).status_code == 200
    return order_no


def _audit(call, order_no: str | None = None) -> list[dict]:
    params = {"order_no": order_no} if order_no else {}
    response = call(ADMIN, "GET", "/api/v1/audit/personal-data", params=params)
    assert response.status_code == 200
    return response.json()["items"]


def test_masking_helpers():
    assert [mask_name("张三"), mask_name("欧阳娜娜"), mask_name("李"), mask_name(None)] == ["张*", "欧***", "李*", None]
    assert [mask_phone("13800001234"), mask_phone("0914-2030566"), mask_phone("09142030566"), mask_phone("02988889999x")] == [
        "138****1234", "0914-***0566", "091****0566", "********999x",
    ]


@pytest.mark.parametrize("token", [SUPERVISOR, BLIND_AGENT])
def test_roles_without_personal_data_see_masked_values_and_are_not_audited(call, token):
    order_no = _create(call)
    before = len(_audit(call, order_no))
    body = call(token, "GET", f"/api/v1/orders/{order_no}").json()
    assert (body["contact_name"], body["contact_phone"], body["sender_id"]) == ("欧***", "138****1234", "oWx****")
    assert body["source_conversation"] == [] and body["conversation_id"] is None
    listed = call(token, "GET", "/api/v1/orders").json()["items"][0]
    assert listed["contact_phone"] == "138****1234"
    assert len(_audit(call, order_no)) == before


def test_reads_of_personal_data_are_audited(call):
    order_no = _create(call)
    body = call(AGENT, "GET", f"/api/v1/orders/{order_no}").json()
    assert (body["contact_name"], body["contact_phone"]) == ("欧阳娜娜", "13800001234")
    entries = _audit(call, order_no)
    # newest first: the read, the dispatch answer, the creation answer to the bot
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("agent:话务员01", "get"), ("agent:话务员01", "event:dispatch"), ("bot:bot", "create"),
    ]
    assert entries[0]["at"].endswith("+08:00")
    other = _create(call)
    call(AGENT, "GET", "/api/v1/orders")
    assert [e["action"] for e in _audit(call)[:2]] == ["list", "list"]
    assert {e["order_no"] for e in _audit(call)[:2]} == {order_no, other}


def test_unit_sees_its_citizen_but_never_an_anonymous_one(call):
    named = _create(call)
    anonymous = _create(call, anonymous=True, contact_name="王五", contact_phone="13900005678", sender_id="anon-1")
    body = call(UNIT, "GET", f"/api/v1/orders/{named}").json()
    assert (body["contact_name"], body["contact_phone"]) == ("欧阳娜娜", "13800001234")
    # the channel identity (an openid, a web chat sender) is never a unit's business
    assert body["sender_id"] == "oWx****" and body["conversation_id"] is None
    assert "oWx-secret-id" not in json.dumps(call(UNIT, "GET", "/api/v1/orders").json())
    assert _audit(call, named)[0]["actor"] == "unit:商州区:商州区"
    assert call(AGENT, "GET", f"/api/v1/orders/{named}").json()["sender_id"] == "oWx-secret-id"
    before = len(_audit(call, anonymous))
    for view in (call(UNIT, "GET", f"/api/v1/orders/{anonymous}").json(),
                 next(o for o in call(UNIT, "GET", "/api/v1/orders").json()["items"] if o["order_no"] == anonymous),
                 call(UNIT, "POST", f"/api/v1/orders/{anonymous}/events", json={"kind": "sign"}).json()):
        assert (view["contact_name"], view["contact_phone"], view["sender_id"]) == (None, None, "匿名")
        assert "13900005678" not in json.dumps(view, ensure_ascii=False)
        assert "王五" not in json.dumps(view, ensure_ascii=False)
    assert len(_audit(call, anonymous)) == before
    # staff with personal-data access still see who it was
    assert call(AGENT, "GET", f"/api/v1/orders/{anonymous}").json()["contact_name"] == "王五"


def test_audit_log_is_admin_only_and_reports_carry_no_personal_data(call):
    _create(call)
    for token in (AGENT, SUPERVISOR, UNIT, TOKEN):
        assert call(token, "GET", "/api/v1/audit/personal-data").status_code == 403
    report = call(SUPERVISOR, "GET", "/api/v1/reports", params={"from": "2000-01-01", "to": "2000-12-31"})
    text = json.dumps(report.json(), ensure_ascii=False)
    assert "欧阳" not in text and "1380000" not in text

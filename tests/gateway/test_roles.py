"""Tokens with roles (bot, agent, unit, supervisor, admin); unit tokens bound to their unit."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.core.config import Settings, load_token_registry
from gateway.core.security import Principal, Role
from gateway.main import create_app
from gateway.models import Order

from .conftest import TOKEN

TOKENS = {
    "agent-token-0123456789": {"role": "agent", "name": "话务员01"},
    "unit-shangzhou-0123456": {"role": "unit", "unit": "商州区"},
    "unit-luonan-0123456789": {"role": "unit", "unit": "洛南县"},
    "supervisor-token-01234": "supervisor",
    "admin-token-0123456789": {"role": "admin"},
}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- configuration ------------------------------------------------------------
def test_api_token_keeps_role_bot():
    registry = load_token_registry(Settings(api_token="only-the-bot-token"))
    assert len(registry) == 1
    assert registry.authenticate("only-the-bot-token") == Principal(role=Role.BOT, name="bot")
    assert registry.authenticate("something-else") is None


def test_tokens_json_and_yaml_file_are_merged(tmp_path):
    path = tmp_path / "tokens.yaml"
    path.write_text(
        "tokens:\n  file-unit-token-012345: {role: unit, unit: 市供电公司, name: 供电热线}\n",
        encoding="utf-8",
    )
    settings = Settings(api_token="bot-token-0123456789", tokens=json.dumps(TOKENS), tokens_file=path)
    registry = load_token_registry(settings)
    assert len(registry) == 7
    assert registry.authenticate("bot-token-0123456789").role is Role.BOT
    assert registry.authenticate("supervisor-token-01234") == Principal(Role.SUPERVISOR, "supervisor", personal_data=False)
    unit = registry.authenticate("file-unit-token-012345")
    assert (unit.role, unit.unit, unit.name) == (Role.UNIT, "市供电公司", "供电热线")
    assert unit.actor == "unit:市供电公司:供电热线"
    assert registry.authenticate("agent-token-0123456789").actor == "agent:话务员01"


def test_tokens_from_environment(monkeypatch):
    monkeypatch.delenv("GATEWAY_API_TOKEN", raising=False)
    monkeypatch.setenv("GATEWAY_TOKENS", json.dumps({"env-admin-token-0123": "admin"}))
    registry = load_token_registry(Settings())
    # Tokens are configured, so no random bot token is generated.
    assert len(registry) == 1
    assert registry.authenticate("env-admin-token-0123").role is Role.ADMIN


def test_no_token_at_all_generates_a_bot_token(caplog):
    caplog.set_level(logging.WARNING, logger="gateway.core.config")
    registry = load_token_registry(Settings())
    assert len(registry) == 1
    assert any("GATEWAY_API_TOKEN is not set" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "tokens",
    [
        "not json",
        json.dumps(["a list"]),
        json.dumps({"secret-value-123456": "boss"}),
        json.dumps({"secret-value-123456": {"role": "unit"}}),
        json.dumps({"secret-value-123456": {"role": "agent", "unit": "商州区"}}),
        json.dumps({"secret-value-123456": {"role": "unit", "unit": "单" * 65}}),
        json.dumps({"secret-value-123456": {"role": "admin", "extra": 1}}),
        json.dumps({" ": "admin"}),
    ],
)
def test_bad_token_settings_refuse_to_start(tokens):
    with pytest.raises(ValueError) as info:
        load_token_registry(Settings(api_token="bot-token-0123456789", tokens=tokens))
    assert "secret-value-123456" not in str(info.value)


def test_same_token_with_two_roles_is_refused():
    with pytest.raises(ValueError, match="twice"):
        load_token_registry(Settings(api_token="shared-token-0123456", tokens=json.dumps({"shared-token-0123456": "admin"})))


def test_broken_tokens_file_is_refused(tmp_path):
    path = tmp_path / "tokens.yaml"
    path.write_text("tokens: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="GATEWAY_TOKENS_FILE"):
        load_token_registry(Settings(api_token="bot-token-0123456789", tokens_file=path))
    with pytest.raises(ValueError, match="GATEWAY_TOKENS_FILE"):
        load_token_registry(Settings(api_token="bot-token-0123456789", tokens_file=tmp_path / "missing.yaml"))


# -- API ------------------------------------------------------------------------
@pytest.fixture
def roles_app(db_url):
    settings = Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(TOKENS), auto_migrate=False)
    return create_app(settings)


@pytest.fixture
def as_role(roles_app):
    clients: list[TestClient] = []

    def make(token: str) -> TestClient:
        client = TestClient(roles_app, headers=_auth(token))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _assign(app, order_no: str, lead: str | None, co: list[str] | None) -> None:
    with app.state.database.engine.begin() as conn:
        conn.execute(update(Order).where(Order.order_no == order_no).values(lead_unit=lead, co_units=co))


@pytest.mark.parametrize("token", [TOKEN, "agent-token-0123456789", "admin-token-0123456789"])
def test_intake_roles_create_and_withdraw(as_role, order_payload, token):
    client = as_role(token)
    created = client.post("/api/v1/orders", json=order_payload())
    assert created.status_code == 201, created.text
    order_no = created.json()["order_no"]
    withdrawn = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    assert withdrawn.status_code == 200


@pytest.mark.parametrize(
    ("token", "label"),
    [("unit-shangzhou-0123456", "承办单位"), ("supervisor-token-01234", "督办人员")],
)
def test_other_roles_may_not_create_or_withdraw(as_role, order_payload, token, label):
    order_no = as_role(TOKEN).post("/api/v1/orders", json=order_payload()).json()["order_no"]
    client = as_role(token)
    refused = client.post("/api/v1/orders", json=order_payload())
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"当前账号（{label}）无权执行此操作，仅限：智能客服、话务员、管理员"}
    refused = client.post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    assert refused.status_code == 403
    assert as_role("agent-token-0123456789").get(f"/api/v1/orders/{order_no}").json()["status"] == "received"


def test_unknown_token_is_401_even_with_roles_configured(as_role):
    assert as_role("unit-shangzhou-012345").get("/api/v1/orders").status_code == 401


def test_unit_sees_only_its_orders(roles_app, as_role, order_payload):
    bot = as_role(TOKEN)
    lead = bot.post("/api/v1/orders", json=order_payload(sender_id="a")).json()["order_no"]
    co = bot.post("/api/v1/orders", json=order_payload(sender_id="b")).json()["order_no"]
    other = bot.post("/api/v1/orders", json=order_payload(sender_id="c")).json()["order_no"]
    unassigned = bot.post("/api/v1/orders", json=order_payload(sender_id="d")).json()["order_no"]
    _assign(roles_app, lead, "商州区", ["市供电公司"])
    _assign(roles_app, co, "市住建局", ["洛南县", "商州区"])
    _assign(roles_app, other, "洛南县", ["市水务集团"])

    shangzhou = as_role("unit-shangzhou-0123456")
    listed = shangzhou.get("/api/v1/orders").json()
    assert listed["total"] == 2
    assert {o["order_no"] for o in listed["items"]} == {lead, co}
    for order_no in (lead, co):
        assert shangzhou.get(f"/api/v1/orders/{order_no}").status_code == 200
    for order_no in (other, unassigned):
        response = shangzhou.get(f"/api/v1/orders/{order_no}")
        assert response.status_code == 404
        assert response.json() == {"detail": "工单不存在"}

    luonan = as_role("unit-luonan-0123456789")
    assert {o["order_no"] for o in luonan.get("/api/v1/orders").json()["items"]} == {co, other}
    assert luonan.get(f"/api/v1/orders/{co}").json()["co_units"] == ["洛南县", "商州区"]

    # Staff roles see everything; the bot only by sender_id.
    for token in ("agent-token-0123456789", "supervisor-token-01234", "admin-token-0123456789"):
        assert as_role(token).get("/api/v1/orders").json()["total"] == 4
    assert as_role(TOKEN).get("/api/v1/orders").status_code == 403
    assert as_role(TOKEN).get("/api/v1/orders", params={"sender_id": "a"}).json()["total"] == 1

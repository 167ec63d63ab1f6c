"""The console as create_app assembles it (issue 16): its pages, headers, login redirect, first supervisor and
event reader come with the app itself, and the bot's POST /api/v1/handoffs sits under the API's bearer tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.console.settings import ConsoleSettings
from gateway.console.users import find_user
from gateway.core.config import Settings
from gateway.main import create_app
from tests.gateway.conftest import AUTH, STAFF_TOKEN
from tests.gateway.console.conftest import _truncate_console


class _Spy:
    """Stands in for the events reader: records that the lifespan let it go."""

    disposed = 0

    def dispose(self) -> None:
        self.disposed += 1


def test_the_lifespan_creates_the_first_supervisor_and_closes_the_events_reader(settings: Settings, db_url: str,
                                                                                  console_settings: ConsoleSettings):
    _truncate_console(db_url)
    own = console_settings.model_copy(update={"supervisor_name": "值班长甲", "supervisor_password": SecretStr("一个足够长的口令 2026")})
    app = create_app(settings, console_settings=own)
    assert app.state.console_settings is own
    spy = app.state.events_store = _Spy()
    with TestClient(app):
        with app.state.database.sessionmaker() as session:
            user = find_user(session, "值班长甲")
            assert user is not None and user.role == "supervisor"
        assert spy.disposed == 0
    assert spy.disposed == 1


def test_console_headers_and_login_redirect(raw_client: TestClient):
    page = raw_client.get("/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/console/login"
    for response in (page, raw_client.get("/console/login"), raw_client.get("/console/static/conversation.js")):
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    assert "no-store" not in raw_client.get("/console/static/conversation.js").headers.get("cache-control", "")
    assert raw_client.post("/console/api/takeover", json={}).status_code == 401
    assert "content-security-policy" not in raw_client.get("/health").headers  # only the console's answers


def test_handoffs_need_the_bot_token(raw_client: TestClient):
    body = {"sender_id": "c1", "reason": "citizen_asked"}
    assert raw_client.post("/api/v1/handoffs", json=body).status_code == 401
    agent = raw_client.post("/api/v1/handoffs", json=body, headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert agent.status_code == 403
    answer = raw_client.post("/api/v1/handoffs", json=body, headers=AUTH)  # the suite's token has the bot role
    assert answer.status_code == 200 and answer.json()["status"] == "waiting"
    assert "/api/v1/handoffs" in raw_client.get("/openapi.json").json()["paths"]

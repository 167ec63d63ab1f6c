"""Login, sessions, CSRF, throttling, logout: nothing in the console without login."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.gateway.console.conftest import DAYTIME, PASSWORD, login, login_page_token

PAGES = ["/console", "/console/conversation?sender_id=x"]
API_GETS = ["/console/api/queue", "/console/api/conversation?sender_id=x", "/console/api/stream",
            "/console/api/me", "/console/api/audit"]
API_POSTS = ["/console/api/takeover", "/console/api/reply", "/console/api/transfer", "/console/api/handback",
             "/console/api/order"]


def test_nothing_without_login(console_app):
    with TestClient(console_app) as client:
        for path in PAGES:
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"] == "/console/login", path
        for path in API_GETS:
            response = client.get(path)
            assert response.status_code == 401 and response.json()["detail"] == "请先登录坐席工作台", path
        for path in API_POSTS:
            assert client.post(path, json={"sender_id": "x"}).status_code == 401, path
        # a bot token is not a console login
        assert client.get("/console/api/queue", headers={"Authorization": "Bearer x"}).status_code == 401
        assert client.post("/console/logout", data={"csrf_token": "x"}, follow_redirects=False).status_code == 303


def test_login_sets_a_strict_httponly_session_cookie(console_app):
    with TestClient(console_app) as client:
        response = login(client, "王芳")
        assert response.status_code == 303 and response.headers["location"] == "/console"
        cookie = [c for c in response.headers.get_list("set-cookie") if c.startswith("console_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/console" in cookie
        assert "Secure" not in cookie  # laptop default; CONSOLE_COOKIE_SECURE=true adds it
        page = client.get("/console")
        assert page.status_code == 200 and "王芳" in page.text and "话务员" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"


def test_secure_cookie_when_configured(console_app, console_settings):
    from gateway.console import configure_console

    configure_console(console_app, console_settings.model_copy(update={"cookie_secure": True}))
    with TestClient(console_app, base_url="https://testserver") as client:
        response = login(client, "王芳")
        cookie = [c for c in response.headers.get_list("set-cookie") if c.startswith("console_session=")][0]
        assert "Secure" in cookie


def test_login_without_its_csrf_token_is_refused(console_app):
    with TestClient(console_app) as client:
        client.get("/console/login")
        response = client.post("/console/login", data={"name": "王芳", "password": PASSWORD, "csrf_token": "forged"},
                               follow_redirects=False)
        assert response.status_code == 403 and "安全校验失败" in response.text


def test_wrong_password_then_throttling(console_app, db_rows):
    with TestClient(console_app) as client:
        for _ in range(5):
            response = login(client, "王芳", "wrong password!")
            assert response.status_code == 401 and "用户名或密码不正确" in response.text
        response = login(client, "王芳")  # even the right password, from this unknown browser at this address
        assert response.status_code == 429 and "登录失败次数过多" in response.text
        with TestClient(console_app) as other:
            assert login(other, "李强").status_code == 303  # another user from the same address still may
        # after the window the user may log in again
        console_app.state.clock = lambda: DAYTIME + dt.timedelta(minutes=16)
        assert login(client, "王芳").status_code == 303
    with console_app.state.database.sessionmaker() as session:
        from gateway.console import audit

        actions = [e.action for e in audit.entries(session)]
    assert actions.count("login_failed") == 5 and "login_throttled" in actions and "login" in actions


def test_unknown_user_and_oversized_input(console_app):
    with TestClient(console_app) as client:
        assert login(client, "没有这个人").status_code == 401
        token = login_page_token(client)
        response = client.post("/console/login", data={"name": "王芳", "password": "x" * 5000, "csrf_token": token})
        assert response.status_code == 422


def test_csrf_token_required_on_state_changes(agents, events_table):
    wang = agents["王芳"]
    events_table.user("c1", "你好")
    assert wang.post("/console/api/takeover", {"sender_id": "c1"}, csrf=None).status_code == 403
    response = wang.post("/console/api/takeover", {"sender_id": "c1"}, csrf="not-the-token")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    # another user's token is not this session's token
    other = agents["李强"]
    assert wang.post("/console/api/takeover", {"sender_id": "c1"}, csrf=other.csrf).status_code == 403
    assert wang.post("/console/api/takeover", {"sender_id": "c1"}).status_code == 200
    # logout also needs the token
    assert wang.client.post("/console/logout", data={"csrf_token": "x"}, follow_redirects=False).status_code == 403


def test_logout_ends_the_session(agents):
    wang = agents["王芳"]
    assert wang.get("/console/api/me").json()["name"] == "王芳"
    response = wang.client.post("/console/logout", data={"csrf_token": wang.csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert wang.get("/console/api/me").status_code == 401


def test_idle_session_expires(agents, console_app):
    wang = agents["王芳"]
    console_app.state.clock = lambda: DAYTIME + dt.timedelta(minutes=31)
    assert wang.get("/console/api/me").status_code == 401


def test_disabled_user_loses_the_session(agents, console_app):
    from gateway.console.users import set_active

    wang = agents["王芳"]
    with console_app.state.database.sessionmaker() as session:
        set_active(session, "王芳", False)
    assert wang.get("/console/api/me").status_code == 401

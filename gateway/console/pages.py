"""HTML pages of the console: login, logout, the queue and the conversation view."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.console import audit
from gateway.console.deps import LOGIN_PATH, Now, PageAgent, Settings, _agent
from gateway.console.passwords import verify_password
from gateway.console import login_throttle
from gateway.console.login_throttle import DEVICE_COOKIE, DEVICE_DAYS
from gateway.console.sessions import (
    COOKIE_NAME,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    create_session,
    csrf_ok,
    end_session,
)
from gateway.console.users import ROLE_LABELS, ConsoleRole, find_user
from gateway.domain import OrderType
from vocabulary import ORDER_TYPE_NAMES, SLOT_LABELS

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter(prefix="/console", include_in_schema=False)

MAX_FIELD = 300


def _login_page(request: Request, settings: Settings, error: str | None = None, status_code: int = 200,
                name: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "error": error, "name": name[:50]}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, httponly=True, samesite="strict",
                        secure=settings.cookie_secure, path=LOGIN_PATH)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: Settings) -> Response:
    if _agent(request) is not None:
        return RedirectResponse("/console", status_code=303)
    return _login_page(request, settings)


@router.post("/login")
async def login(
    request: Request,
    settings: Settings,
    now: Now,
    name: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=MAX_FIELD)] = "",
) -> Response:
    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(request, settings, "页面已过期或安全校验失败，请重新登录", 403)
    name = name.strip()
    client = request.client.host if request.client else "unknown"
    device_cookie = request.cookies.get(DEVICE_COOKIE)
    database = request.app.state.database

    def attempt() -> tuple[str, str] | login_throttle.Refusal | str:
        with database.sessionmaker() as session:
            user = find_user(session, name) if name else None
            who = login_throttle.source(session, name, client, device_cookie, user, now)
            refused = login_throttle.refusal(session, who, settings, now)
            if refused is not None:
                audit.record(session, f"login:{name[:50]}", "login_throttled", None, now, client=client,
                             reason=refused.reason, known_device=bool(who.device_id))
                return refused
            ok = verify_password(user.password_hash if user else None, password)
            if user is None or not ok or not user.active:
                login_throttle.record_failure(session, who, settings, now)
                audit.record(session, f"login:{name[:50]}", "login_failed", None, now, client=client,
                             known_device=bool(who.device_id))
                return "failed"
            device = login_throttle.record_success(session, who, user, now)
            token, _csrf = create_session(session, user, settings, now)
            audit.record(session, f"{user.role}:{user.name}", "login", None, now, client=client,
                         known_device=bool(who.device_id))
            return token, device

    outcome = await anyio.to_thread.run_sync(attempt)  # argon2 takes tens of milliseconds: off the event loop
    if isinstance(outcome, login_throttle.Refusal):
        if outcome.reason == "slowed":
            message = f"该账号近期登录失败较多，请 {outcome.retry_after_s} 秒后再试"
        else:
            message = f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试"
        response = _login_page(request, settings, message, 429, name)
        response.headers["Retry-After"] = str(outcome.retry_after_s)
        return response
    if outcome == "failed":
        return _login_page(request, settings, "用户名或密码不正确", 401, name)
    token, device = outcome
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(COOKIE_NAME, token, max_age=settings.session_max_hours * 3600, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/console")
    # the browser is known to this user from now on (login throttling, gateway/console/login_throttle.py)
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_DAYS * 86400, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path=LOGIN_PATH)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
def logout(
    request: Request,
    agent: PageAgent,
    now: Now,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=MAX_FIELD)] = "",
) -> Response:
    if not csrf_ok(agent.csrf_token, csrf_token):
        return HTMLResponse("安全校验失败（CSRF 令牌无效），请刷新页面后重试", status_code=403)
    with request.app.state.database.sessionmaker() as session:
        end_session(session, agent.session_id)
        audit.record(session, agent.actor, "logout", None, now)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/console")
    return response


def _page(request: Request, template: str, agent: PageAgent, settings: Settings, **context: object) -> Response:
    return templates.TemplateResponse(request, template, {
        "agent": agent, "role_label": ROLE_LABELS[ConsoleRole(agent.role)], "csrf_token": agent.csrf_token,
        "hours": settings.hours_label, **context,
    })


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, agent: PageAgent, settings: Settings) -> Response:
    return _page(request, "queue.html", agent, settings)


@router.get("/conversation", response_class=HTMLResponse)
def conversation_page(request: Request, agent: PageAgent, settings: Settings, sender_id: str = "") -> Response:
    if not 1 <= len(sender_id) <= 255:
        return HTMLResponse("会话标识不正确", status_code=422)
    # the order form: the types and the labels of vocabulary/hotline.yml, 求助 chosen until the draft says otherwise
    return _page(request, "conversation.html", agent, settings, sender_id=sender_id, order_types=ORDER_TYPE_NAMES,
                 default_type=OrderType.HELP, labels=SLOT_LABELS)

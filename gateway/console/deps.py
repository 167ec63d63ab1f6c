"""Dependencies of the console: the logged-in agent (cookie session) and the CSRF check."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from gateway.console.sessions import COOKIE_NAME, CSRF_HEADER, Agent, csrf_ok, load_session
from gateway.console.settings import ConsoleSettings

LOGIN_PATH = "/console/login"


class LoginRequired(Exception):
    """Raised by page routes: answered with a redirect to the login page."""


def console_settings(request: Request) -> ConsoleSettings:
    return request.app.state.console_settings


def now(request: Request) -> dt.datetime:
    return request.app.state.clock()


def _agent(request: Request) -> Agent | None:
    settings = console_settings(request)
    with request.app.state.database.sessionmaker() as session:
        return load_session(session, request.cookies.get(COOKIE_NAME), settings, now(request))


def api_agent(request: Request) -> Agent:
    agent = _agent(request)
    if agent is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="请先登录坐席工作台")
    request.state.agent = agent
    return agent


def page_agent(request: Request) -> Agent:
    agent = _agent(request)
    if agent is None:
        raise LoginRequired()
    request.state.agent = agent
    return agent


def csrf_agent(request: Request, agent: Annotated[Agent, Depends(api_agent)]) -> Agent:
    """State-changing API calls: the session's CSRF token must come back in the X-CSRF-Token header."""
    if not csrf_ok(agent.csrf_token, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="安全校验失败（CSRF 令牌缺失或无效），请刷新页面后重试")
    return agent


ApiAgent = Annotated[Agent, Depends(api_agent)]
PageAgent = Annotated[Agent, Depends(page_agent)]
CsrfAgent = Annotated[Agent, Depends(csrf_agent)]
Settings = Annotated[ConsoleSettings, Depends(console_settings)]
Now = Annotated[dt.datetime, Depends(now)]

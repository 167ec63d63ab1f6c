"""FastAPI dependencies: database session, bearer token, app-scoped services (the console's settings among them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from gateway.console.settings import ConsoleSettings
from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.core.security import ROLE_LABELS, Principal, Role, TokenRegistry
from gateway.core.workdays import WorkdayCalendar
from gateway.services.routing import RoutingTable

_bearer = HTTPBearer(auto_error=False, description="GATEWAY_API_TOKEN")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    yield from database.session()


def get_console_settings(request: Request) -> ConsoleSettings:
    """The agent console's settings (staffed hours, Rasa); ``configure_console`` binds them."""
    return request.app.state.console_settings


def get_calendar(request: Request) -> WorkdayCalendar:
    return request.app.state.calendar


def get_routing(request: Request) -> RoutingTable:
    return request.app.state.routing.current()


def get_tz(settings: Annotated[Settings, Depends(get_settings)]) -> dt.tzinfo:
    return settings.tz


def get_now(request: Request) -> dt.datetime:
    """Current time (aware UTC); tests replace ``app.state.clock``."""
    return request.app.state.clock()


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    registry: TokenRegistry = request.app.state.token_registry
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="缺少访问令牌，请在请求头中提供 Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = registry.authenticate(credentials.credentials)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="访问令牌无效",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    request.state.principal = principal
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Dependency factory: 403 unless the caller's role is one of ``roles``."""
    allowed = frozenset(roles)

    def check(principal: Annotated[Principal, Depends(require_token)]) -> Principal:
        if principal.role not in allowed:
            names = "、".join(ROLE_LABELS[r] for r in Role if r in allowed)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"当前账号（{ROLE_LABELS[principal.role]}）无权执行此操作，仅限：{names}",
            )
        return principal

    return check


SessionDep = Annotated[Session, Depends(get_session)]
CalendarDep = Annotated[WorkdayCalendar, Depends(get_calendar)]
TzDep = Annotated[dt.tzinfo, Depends(get_tz)]
PrincipalDep = Annotated[Principal, Depends(require_token)]
NowDep = Annotated[dt.datetime, Depends(get_now)]
RoutingDep = Annotated[RoutingTable, Depends(get_routing)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ConsoleSettingsDep = Annotated[ConsoleSettings, Depends(get_console_settings)]

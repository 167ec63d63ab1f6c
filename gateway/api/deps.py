"""FastAPI dependencies: database session, bearer token, app-scoped services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.core.security import TokenChecker
from gateway.core.workdays import WorkdayCalendar

_bearer = HTTPBearer(auto_error=False, description="GATEWAY_API_TOKEN")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    yield from database.session()


def get_calendar(request: Request) -> WorkdayCalendar:
    return request.app.state.calendar


def get_tz(settings: Annotated[Settings, Depends(get_settings)]) -> dt.tzinfo:
    return settings.tz


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    checker: TokenChecker = request.app.state.token_checker
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="缺少访问令牌，请在请求头中提供 Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not checker.is_valid(credentials.credentials):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="访问令牌无效",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


SessionDep = Annotated[Session, Depends(get_session)]
CalendarDep = Annotated[WorkdayCalendar, Depends(get_calendar)]
TzDep = Annotated[dt.tzinfo, Depends(get_tz)]

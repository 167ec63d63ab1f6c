"""Agent console (issue 7): human agents take over escalated conversations.

``install_console(app)`` mounts the pages (/console), their JSON API and event
stream (/console/api), the static files, and the bot's ``POST /api/v1/handoffs``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.console import models as _models  # noqa: F401 - registers the tables on Base.metadata
from gateway.console.deps import LOGIN_PATH, LoginRequired
from gateway.console.events_store import EventsStore
from gateway.console.rasa_client import RasaClient
from gateway.console.settings import ConsoleSettings

logger = logging.getLogger("gateway.console")

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def configure_console(app: FastAPI, settings: ConsoleSettings) -> None:
    """(Re)binds the console's settings, Rasa client and events reader (tests call it with their own)."""
    old = getattr(app.state, "events_store", None)
    if old is not None:
        old.dispose()
    app.state.console_settings = settings
    app.state.events_store = EventsStore(settings.events_url)
    app.state.rasa_client = RasaClient(settings)


def install_console(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    from gateway.api.deps import require_token
    from gateway.console import api, bot_api, pages, stream

    configure_console(app, settings or ConsoleSettings())

    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(stream.router)
    bot = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])
    bot.include_router(bot_api.router)
    app.include_router(bot)
    app.mount("/console/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(LOGIN_PATH, status_code=303)

    @app.middleware("http")
    async def _console_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        if request.url.path.startswith("/console"):
            response.headers.setdefault("Content-Security-Policy", _CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if not request.url.path.startswith("/console/static"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[object]:
        async with inner(application) as state:
            await anyio.to_thread.run_sync(_bootstrap_supervisor, application)
            try:
                yield state
            finally:
                application.state.events_store.dispose()

    app.router.lifespan_context = lifespan


def _bootstrap_supervisor(app: FastAPI) -> None:
    """The first supervisor from CONSOLE_SUPERVISOR_PASSWORD (make run writes one into .env), if absent."""
    settings: ConsoleSettings = app.state.console_settings
    if settings.supervisor_password is None or not settings.supervisor_password.get_secret_value():
        return
    from gateway.console.users import UserError, ensure_user

    try:
        with app.state.database.sessionmaker() as session:
            if ensure_user(session, settings.supervisor_name, "supervisor",
                           settings.supervisor_password.get_secret_value()):
                logger.info("console: created the first supervisor %r", settings.supervisor_name)
    except (UserError, ValueError) as error:
        logger.warning("console: first supervisor not created: %s", error)
    except Exception as error:  # noqa: BLE001 - a missing schema must not stop the gateway
        logger.warning("console: first supervisor not created: %r", type(error).__name__)

"""Agent console (issue 7): human agents take over escalated conversations.

``router`` holds the pages (/console), their JSON API and event stream (/console/api) and the
static files; ``create_app`` (gateway/main.py) includes it like any other router, adds
``security_headers`` and ``login_redirect``, binds the settings with ``configure_console`` and
runs ``bootstrap_supervisor`` in its lifespan. The bot's ``POST /api/v1/handoffs`` is an API route
(gateway/api/routes/handoffs.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.console import api, pages, stream
from gateway.console import models as _models  # noqa: F401 - registers the tables on Base.metadata
from gateway.console.deps import LOGIN_PATH, LoginRequired
from gateway.console.events_store import EventsStore
from gateway.console.rasa_client import RasaClient
from gateway.console.settings import ConsoleSettings

logger = logging.getLogger("gateway.console")

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(stream.router)
router.mount("/console/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="console-static")


def configure_console(app: FastAPI, settings: ConsoleSettings) -> None:
    """(Re)binds the console's settings, Rasa client and events reader (tests call it with their own)."""
    old = getattr(app.state, "events_store", None)
    if old is not None:
        old.dispose()
    app.state.console_settings = settings
    app.state.events_store = EventsStore(settings.events_url)
    app.state.rasa_client = RasaClient(settings)


async def login_redirect(request: Request, exc: LoginRequired) -> Response:
    """Exception handler: a page asked for by someone not logged in goes to the login page."""
    return RedirectResponse(LOGIN_PATH, status_code=303)


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """HTTP middleware: the console's answers get a strict CSP and are not framed, sniffed or cached."""
    response = await call_next(request)
    if request.url.path.startswith("/console"):
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/console/static"):
            response.headers.setdefault("Cache-Control", "no-store")
    return response


def bootstrap_supervisor(app: FastAPI) -> None:
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

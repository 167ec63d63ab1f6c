"""FastAPI application factory. Run: ``uvicorn gateway.main:app --port 8000``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.base import BaseHTTPMiddleware

from gateway import __version__, console
from gateway.api.deps import require_token
from gateway.api.errors import install_exception_handlers
from gateway.api.middleware import BodySizeLimitMiddleware
from gateway.api.routes import attachments, events, handoffs, health, kb_gaps, orders, reports, routing
from gateway.api.routes import notifications, portal, result_lookup
from gateway.console.deps import LoginRequired
from gateway.console.settings import ConsoleSettings
from gateway.core.config import Settings, load_token_registry
from gateway.core.db import Database
from gateway.core.workdays import WorkdayCalendar
from gateway.services.attachments import AttachmentStore, megabytes
from gateway.services.orders import utcnow
from gateway.services.notifications import NotificationWorker
from gateway.services.outbox import OutboxWorker
from gateway.services.routing import RoutingTableStore

logger = logging.getLogger("gateway")

API_PREFIX = "/api/v1"


def _configure_logging(level: str) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger.setLevel(level.upper())


def create_app(settings: Settings | None = None, console_settings: ConsoleSettings | None = None) -> FastAPI:
    """The gateway: the order API, the portal, and the agent console (issue 7) with the bot's hand-offs."""
    settings = settings or Settings()
    _configure_logging(settings.log_level)
    database = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            from gateway.migrate import upgrade

            await anyio.to_thread.run_sync(upgrade, settings.database_url)
        logger.info("order gateway ready (database backend: %s)", database.backend)
        worker = None
        if settings.upstream_url:
            worker = OutboxWorker(database.sessionmaker, settings, lambda: app.state.clock())
            worker.start()
        notifier = None
        bound: ConsoleSettings = app.state.console_settings  # configure_console may rebind it before start
        if settings.notify_enabled and bound.rasa_api_token is not None:
            # results to the citizen's channel through Rasa (issue 14; services/notifications.py)
            notifier = NotificationWorker(database.sessionmaker, settings, bound, lambda: app.state.clock())
            notifier.start()
        try:
            await anyio.to_thread.run_sync(console.bootstrap_supervisor, app)  # needs the migrated schema
            yield
        finally:
            app.state.events_store.dispose()
            if notifier is not None:
                notifier.stop()
            if worker is not None:
                worker.stop()
            database.dispose()

    app = FastAPI(
        title="商洛 12345 工单网关",
        summary="Order gateway of the Shangluo 12345 hotline intake product",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.calendar = WorkdayCalendar(settings.holidays_file)
    app.state.token_registry = load_token_registry(settings)
    app.state.clock = utcnow
    app.state.routing = RoutingTableStore(settings.routing_file)
    app.state.attachment_store = AttachmentStore(settings.attachments_dir)

    console.configure_console(app, console_settings or ConsoleSettings())

    install_exception_handlers(app)
    app.add_exception_handler(LoginRequired, console.login_redirect)  # console pages: to the login page
    upload_limit = settings.attachment_max_bytes + 64 * 1024  # multipart headers and form fields
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits={
            attachments.UPLOAD_PATH: (
                upload_limit,
                f"附件过大：单个文件不能超过 {megabytes(settings.attachment_max_bytes)}",
            )
        },
    )
    # outermost: the console's security headers also go on a refused body (413) under /console
    app.add_middleware(BaseHTTPMiddleware, dispatch=console.security_headers)

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_token)])
    api.include_router(orders.router)
    api.include_router(events.router)
    api.include_router(routing.router)
    api.include_router(reports.router)
    api.include_router(attachments.router)
    api.include_router(kb_gaps.router)
    api.include_router(notifications.router)
    api.include_router(handoffs.router)  # the bot puts a conversation into the console's queue
    app.include_router(health.router)
    app.include_router(portal.router)  # demo portal page and the chat widget's files
    app.include_router(result_lookup.router)  # public 查询办理结果 of the widget (issue 14)
    app.include_router(api)
    app.include_router(console.router)  # agent console (issue 7): /console, /console/api, /console/static
    return app


app = create_app()

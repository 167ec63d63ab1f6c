"""The action server, run through rasa_sdk's own API with two things `rasa run actions`
(rasa-sdk 3.6) does not have:

- the interface: rasa_sdk binds SANIC_HOST or 0.0.0.0; here ACTIONS_HOST, default 127.0.0.1;
- authentication of Rasa: with ACTION_SERVER_TOKEN set, /webhook and /actions need the
  header ``X-Action-Token: <token>`` (constant-time compare), which the Rasa server
  sends from endpoints.yml (scripts/render_endpoints.py adds it). /health stays open.
  Without a token the server only starts on a loopback interface.

    python -m bot.action_server --actions bot.actions --port 5055

Takes rasa_sdk's own arguments (--port, --actions, --cors, logging, TLS).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_token(app: Sanic, token: str) -> None:
    """Every request but /health must carry the shared token."""

    @app.middleware("request")
    async def check_token(request):  # noqa: ANN001 - sanic's request
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode(), given.encode()):
            return response.json({"error": "unauthorized"}, status=401)
        return None


def build_app(actions: str, cors: Optional[list], token: str, auto_reload: bool = False) -> Sanic:
    # no CORS unless asked for: only the Rasa server calls this, never a browser
    app = create_app(actions, cors_origins=cors or "", auto_reload=auto_reload)
    if token:
        require_token(app, token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main(argv: Optional[list] = None) -> None:
    args = create_argument_parser().parse_args(argv)
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()

    host = os.environ.get("ACTIONS_HOST", "127.0.0.1").strip() or "127.0.0.1"
    token = os.environ.get("ACTION_SERVER_TOKEN", "").strip()
    if not token and not is_loopback(host):
        raise SystemExit(f"ACTION_SERVER_TOKEN is not set: the action server binds only loopback without it "
                         f"(ACTIONS_HOST={host})")
    if not token:
        logger.warning("ACTION_SERVER_TOKEN is not set: the action server trusts every caller on %s", host)
    app = build_app(args.actions, args.cors, token, args.auto_reload)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info("Action endpoint is up on %s://%s:%s (token %s)", "https" if ssl_context else "http", host,
                args.port, "required" if token else "not required")
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()

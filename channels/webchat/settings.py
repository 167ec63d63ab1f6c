"""Settings of the web chat channel, read from environment variables.

    WEBCHAT_ALLOWED_ORIGINS  comma-separated origins allowed to open the socket and read
                             the history (default: the demo portal http://localhost:8000
                             and http://127.0.0.1:8000); "*" allows any origin (not for production)
    REDIS_URL                when set, socket.io rooms are shared through Redis
                             (python-socketio AsyncRedisManager), so several Rasa replicas
                             reach every browser; unset: in-process rooms
    REDIS_KEY_PREFIX         prefix of the Redis pub/sub channel (default hotline)
    WEBCHAT_MAX_CHARS        longest accepted citizen message (default 2000)
    WEBCHAT_HISTORY_LIMIT    most messages the history endpoint returns (default 200)
    WEBCHAT_PING_INTERVAL_S  engine.io heartbeat in seconds (default 25)
    WEBCHAT_SENDER_SECRET    key of the HMAC that turns a browser's session id into the
                             conversation's sender id (session.sender_for); the same on every
                             Rasa replica. Unset: a random key per process (conversations do not
                             survive a restart; make run writes one into .env)

credentials.yml may override the non-secret values (allowed_origins, socketio_path,
max_chars, history_limit).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Optional, Tuple

from channels.common.settings import ChannelSettings, Env
from vocabulary.channels import WEBCHAT

logger = logging.getLogger(__name__)

DEFAULT_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")


def parse_origins(raw: Any) -> Tuple[str, ...]:
    """Comma-separated string or list → tuple of origins without trailing slashes."""
    if raw is None:
        return DEFAULT_ORIGINS
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    origins = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    return origins or DEFAULT_ORIGINS


def _sender_secret(env: Env) -> str:
    secret = env.string("WEBCHAT_SENDER_SECRET")
    if secret:
        return secret
    logger.warning("WEBCHAT_SENDER_SECRET is not set: a random one for this process; web chat "
                   "conversations will not survive a restart and replicas will not share them")
    return secrets.token_hex(32)


@dataclass(frozen=True)
class Settings(ChannelSettings):
    CHANNEL: ClassVar[str] = WEBCHAT
    # non-secret values credentials.yml may override (an empty origin list or path changes nothing)
    OVERRIDABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "allowed_origins": lambda value: parse_origins(value) if value else None,
        "socketio_path": lambda value: str(value) if value else None,
        "max_chars": int,
        "history_limit": int,
    }

    allowed_origins: Tuple[str, ...] = DEFAULT_ORIGINS
    redis_url: str = ""
    redis_channel: str = "hotline:webchat"
    socketio_path: str = "/socket.io"
    max_chars: int = 2000
    history_limit: int = 200
    # engine.io refuses bigger packets outright (a 2000-character message is < 8 KB)
    max_packet_bytes: int = 64 * 1024
    # engine.io heartbeat; a long-poll request is held at most this long
    ping_interval_s: int = 25
    # messages of one socket the bot may be working on at once; more are refused (flooding)
    max_pending: int = 3
    # HMAC key: session id (the browser's secret) → sender id (what everything else sees)
    sender_secret: str = ""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        e = cls.env(env)
        return cls(
            allowed_origins=parse_origins(e.raw("WEBCHAT_ALLOWED_ORIGINS") or None),
            redis_url=e.string("REDIS_URL"),
            redis_channel=e.key_prefix(WEBCHAT),
            max_chars=e.integer("WEBCHAT_MAX_CHARS", 2000, low=1, high=20000),
            history_limit=e.integer("WEBCHAT_HISTORY_LIMIT", 200, low=1, high=5000),
            ping_interval_s=e.integer("WEBCHAT_PING_INTERVAL_S", 25, low=1, high=300),
            sender_secret=_sender_secret(e),
        )

    def __post_init__(self) -> None:
        if not self.sender_secret:  # Settings() built by hand (tests): still never the session id
            object.__setattr__(self, "sender_secret", secrets.token_hex(32))

    @property
    def any_origin(self) -> bool:
        return "*" in self.allowed_origins

    def origin_allowed(self, origin: Optional[str]) -> bool:
        return bool(origin) and (self.any_origin or origin.rstrip("/") in self.allowed_origins)

"""Runtime settings, read from environment variables (prefix ``GATEWAY_``)."""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.core.security import DEFAULT_PERSONAL_DATA, Principal, Role, TokenRegistry

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///./var/gateway.db"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")

# China has had no daylight-saving time since 1991, so a fixed offset is a
# correct stand-in when the system has no tz database (slim containers).
_CHINA_FIXED = timezone(timedelta(hours=8), "Asia/Shanghai")
_CHINA_ZONE_NAMES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"}


class Settings(BaseSettings):
    """Gateway settings.

    Every field can be set through ``GATEWAY_<FIELD_NAME>``; the database URL is
    also accepted as plain ``DATABASE_URL`` (the prefixed name wins).
    """

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token required by /api/v1. Generated at start when unset.",
    )
    tokens: SecretStr | None = Field(
        default=None,
        description='JSON object token -> {"role": ..., "unit": ..., "name": ...} (or token -> role).',
    )
    tokens_file: Path | None = Field(
        default=None,
        description="YAML file with a `tokens:` mapping in the same form as GATEWAY_TOKENS.",
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("GATEWAY_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    timezone: str = "Asia/Shanghai"
    holidays_file: Path | None = Field(
        default=None,
        description="Optional YAML file with extra holidays/workdays (years chinesecalendar lacks).",
    )
    routing_file: Path | None = Field(
        default=None,
        description="Routing table YAML (第十一条); default: the seed gateway/data/routing.yaml.",
    )
    duplicate_check: bool = Field(
        default=True,
        description="Link a repeated open matter of the same sender to its earlier order (第七条（七）).",
    )
    upstream_url: str | None = Field(
        default=None, description="Upstream platform endpoint orders are forwarded to (outbox). Unset: not sent."
    )
    upstream_token: SecretStr | None = Field(default=None, description="Bearer token for the upstream platform.")
    upstream_timeout_s: float = Field(default=10.0, gt=0, le=120)
    outbox_poll_s: float = Field(default=2.0, gt=0, le=600)
    outbox_backoff_base_s: float = Field(default=2.0, gt=0, le=3600)
    outbox_backoff_max_s: float = Field(default=900.0, gt=0, le=86400)
    outbox_max_attempts: int = Field(
        default=12, ge=1, le=1000,
        description="Failed sends of one order before it is dead-lettered (shown to supervisors in the console).",
    )
    outbox_lease_s: float | None = Field(
        default=None, gt=0, le=3600,
        description="How long a taken outbox row is reserved for its sender; default: upstream timeout + 30 s.",
    )

    @property
    def outbox_lease_seconds(self) -> float:
        """The lease must outlast one send (the request's timeout), or two replicas could send at once."""
        return max(self.outbox_lease_s or self.upstream_timeout_s + 30, self.upstream_timeout_s + 1)
    # results to the citizen's channel (issue 14, services/notifications.py); Rasa's URL and token are the console's
    notify_enabled: bool = Field(
        default=True,
        description="Run the notification worker (results to the citizen's channel) when RASA_API_TOKEN is set.",
    )
    notify_poll_s: float = Field(default=1.0, gt=0, le=600)
    notify_concurrency: int = Field(default=4, ge=1, le=32, description="Notifications handed to Rasa at once.")
    notify_backoff_base_s: float = Field(default=2.0, gt=0, le=3600)
    notify_backoff_max_s: float = Field(default=600.0, gt=0, le=86400)
    notify_max_attempts: int = Field(
        default=10, ge=1, le=1000,
        description="Failed hand-overs of one result to Rasa before it is dead-lettered (the console lists it).",
    )
    notify_rating_hours: float = Field(
        default=72.0, gt=0, le=24 * 90,
        description="How long after the result a rating is accepted; no answer in time = no rating.",
    )
    # the web's 查询办理结果 (issue 14, services/result_lookup.py): order number + last four digits of the contact phone
    result_lookup_order_max_failures: int = Field(
        default=5, ge=1, le=1000,
        description="Failed lookups of one order number within the window before that number is locked.",
    )
    result_lookup_ip_max_failures: int = Field(
        default=20, ge=1, le=100000,
        description="Failed lookups from one client address (an IPv6 /64) within the window before it is locked.",
    )
    result_lookup_window_minutes: float = Field(default=60.0, gt=0, le=7 * 24 * 60)
    result_lookup_lock_minutes: float = Field(default=60.0, gt=0, le=7 * 24 * 60)
    result_lookup_origins: str = Field(
        default="",
        description="Comma-separated origins of portal pages on other hosts whose widget may call the lookup (CORS).",
    )
    attachments_dir: Path = Field(
        default=Path("var/attachments"),
        description="Folder of uploaded attachments (content-addressed by SHA-256); shared by all replicas.",
    )
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    webchat_socket_url: str = Field(
        default="http://localhost:5005",
        pattern=r"^https?://[^\s/?#'\"<>]+/?$",
        description="Rasa server with the webchat channel, used by the demo portal page's widget (scheme://host:port).",
    )
    kb_url: str = Field(
        default="http://127.0.0.1:8100",
        validation_alias=AliasChoices("GATEWAY_KB_URL", "KB_URL", "kb_url"),
        description="Knowledge-base search service (kb_index serve); the gateway reads its knowledge gaps.",
    )
    kb_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GATEWAY_KB_TOKEN", "KB_API_TOKEN", "kb_token"),
        description="Bearer token of the KB service (its KB_API_TOKEN), if it has one.",
    )
    kb_timeout_s: float = Field(default=10.0, gt=0, le=120)
    auto_migrate: bool = Field(
        default=True,
        description="Run `alembic upgrade head` when the app starts.",
    )
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("result_lookup_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
        return ",".join(origins)

    @property
    def result_lookup_origin_set(self) -> frozenset[str]:
        return frozenset(o for o in self.result_lookup_origins.split(",") if o)

    @field_validator("kb_url")
    @classmethod
    def _strip_kb_url(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        resolve_timezone(value)  # raises ValueError for unknown zones
        return value

    @cached_property
    def tz(self) -> tzinfo:
        return resolve_timezone(self.timezone)


def normalise_database_url(url: str) -> str:
    """Map plain PostgreSQL URLs to the psycopg 3 driver SQLAlchemy should use."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def resolve_timezone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        if name in _CHINA_ZONE_NAMES:
            return _CHINA_FIXED
        raise ValueError(f"unknown time zone: {name!r}") from exc


def resolve_api_token(settings: Settings) -> str:
    """Return the configured token, or generate a random one for this process."""
    if settings.api_token is not None and settings.api_token.get_secret_value().strip():
        return settings.api_token.get_secret_value().strip()
    token = secrets.token_urlsafe(32)
    logger.warning(
        "GATEWAY_API_TOKEN is not set: generated a random token for this process only "
        "(local development). Callers must send 'Authorization: Bearer %s'. "
        "Set GATEWAY_API_TOKEN in any shared or production deployment.",
        token,
    )
    return token


_UNIT_NAME_MAX = 64


def _principal(entry: object, where: str, index: int) -> Principal:
    if isinstance(entry, str):
        entry = {"role": entry}
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: entry #{index} must be a role name or a mapping")
    unknown = set(entry) - {"role", "unit", "name", "personal_data"}
    if unknown:
        raise ValueError(f"{where}: entry #{index} has unknown keys {sorted(unknown)}")
    try:
        role = Role(str(entry.get("role", "")).strip())
    except ValueError:
        raise ValueError(
            f"{where}: entry #{index} has an unknown role; use one of {[r.value for r in Role]}"
        ) from None
    unit = entry.get("unit")
    unit = str(unit).strip() if unit is not None else None
    if role is Role.UNIT:
        if not unit or len(unit) > _UNIT_NAME_MAX:
            raise ValueError(f"{where}: entry #{index} (role unit) needs a unit name of 1-64 characters")
    elif unit:
        raise ValueError(f"{where}: entry #{index} names a unit but its role is {role.value}")
    name = str(entry.get("name") or (unit if role is Role.UNIT else role.value)).strip()
    personal_data = entry.get("personal_data", DEFAULT_PERSONAL_DATA[role])
    if not isinstance(personal_data, bool):
        raise ValueError(f"{where}: entry #{index} personal_data must be true or false")
    return Principal(
        role=role, name=name[:100], unit=unit if role is Role.UNIT else None, personal_data=personal_data
    )


def _parse_token_mapping(data: object, where: str) -> dict[str, Principal]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping token -> role/entry")
    result: dict[str, Principal] = {}
    for index, (token, entry) in enumerate(data.items(), start=1):
        token = str(token).strip()
        if not token:
            raise ValueError(f"{where}: entry #{index} has an empty token")
        result[token] = _principal(entry, where, index)
    return result


def load_token_registry(settings: Settings) -> TokenRegistry:
    """Build the token registry from GATEWAY_API_TOKEN, GATEWAY_TOKENS and GATEWAY_TOKENS_FILE.

    ``GATEWAY_API_TOKEN`` keeps its meaning (role ``bot``). When no token is
    configured at all, a random bot token is generated (``resolve_api_token``).
    A broken tokens setting raises ``ValueError`` at start: refusing to start is
    safer than running with a partial set of credentials. Errors never contain
    token values.
    """
    tokens: dict[str, Principal] = {}

    def merge(extra: dict[str, Principal], where: str) -> None:
        for token, principal in extra.items():
            if token in tokens and tokens[token] != principal:
                raise ValueError(f"{where}: a token is configured twice with different roles")
            tokens[token] = principal

    if settings.tokens is not None and settings.tokens.get_secret_value().strip():
        try:
            data = json.loads(settings.tokens.get_secret_value())
        except json.JSONDecodeError:
            raise ValueError("GATEWAY_TOKENS is not valid JSON") from None
        merge(_parse_token_mapping(data, "GATEWAY_TOKENS"), "GATEWAY_TOKENS")
    if settings.tokens_file is not None:
        try:
            loaded = yaml.safe_load(settings.tokens_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read GATEWAY_TOKENS_FILE {settings.tokens_file}: {type(exc).__name__}") from None
        if not isinstance(loaded, dict) or not isinstance(loaded.get("tokens", {}), dict):
            raise ValueError("GATEWAY_TOKENS_FILE: top level must be a mapping with a `tokens:` mapping")
        merge(_parse_token_mapping(loaded.get("tokens") or {}, "GATEWAY_TOKENS_FILE"), "GATEWAY_TOKENS_FILE")

    has_api_token = settings.api_token is not None and settings.api_token.get_secret_value().strip()
    if has_api_token or not tokens:
        merge({resolve_api_token(settings): Principal(role=Role.BOT, name="bot")}, "GATEWAY_API_TOKEN")
    return TokenRegistry(tokens)

"""Runtime settings, read from environment variables (prefix ``GATEWAY_``)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta, timezone, tzinfo
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///./var/gateway.db"

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
    auto_migrate: bool = Field(
        default=True,
        description="Run `alembic upgrade head` when the app starts.",
    )
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

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

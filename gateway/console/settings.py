"""Settings of the agent console, read from the environment (safe laptop defaults)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def _alias(name: str) -> AliasChoices:
    return AliasChoices(f"GATEWAY_{name}", name, name.lower())


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    rasa_url: str = Field(default="http://127.0.0.1:5005", validation_alias=_alias("RASA_URL"))
    rasa_api_token: SecretStr | None = Field(default=None, validation_alias=_alias("RASA_API_TOKEN"))
    rasa_timeout_s: float = Field(default=10.0, gt=0, le=120, validation_alias=_alias("RASA_TIMEOUT_S"))
    # pause and resume are idempotent at Rasa: a lost answer is retried this many times in all
    rasa_attempts: int = Field(default=3, ge=1, le=10, validation_alias=_alias("CONSOLE_RASA_ATTEMPTS"))
    events_db_url: str = Field(default="sqlite:///var/events.db", validation_alias=_alias("EVENTS_DB_URL"))
    staffed_hours: str = Field(default="08:00-20:00", validation_alias=_alias("CONSOLE_STAFFED_HOURS"))
    cookie_secure: bool = Field(default=False, validation_alias=_alias("CONSOLE_COOKIE_SECURE"))
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60, validation_alias=_alias("CONSOLE_SESSION_IDLE_MINUTES"))
    session_max_hours: int = Field(default=12, ge=1, le=72, validation_alias=_alias("CONSOLE_SESSION_MAX_HOURS"))
    login_max_failures: int = Field(default=5, ge=1, le=100, validation_alias=_alias("CONSOLE_LOGIN_MAX_FAILURES"))
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60, validation_alias=_alias("CONSOLE_LOGIN_WINDOW_MINUTES"))
    live_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60, validation_alias=_alias("CONSOLE_LIVE_MINUTES"))
    sse_interval_s: float = Field(default=1.0, gt=0, le=60, validation_alias=_alias("CONSOLE_SSE_INTERVAL_S"))
    sse_max_s: float = Field(default=300.0, gt=0, le=3600, validation_alias=_alias("CONSOLE_SSE_MAX_S"))
    redis_url: str = Field(default="", validation_alias=_alias("REDIS_URL"))
    redis_key_prefix: str = Field(default="hotline", validation_alias=_alias("REDIS_KEY_PREFIX"))
    wechat_redis_prefix: str = Field(default="", validation_alias=_alias("WECHAT_REDIS_PREFIX"))
    supervisor_name: str = Field(default="值班长", validation_alias=_alias("CONSOLE_SUPERVISOR_NAME"))
    supervisor_password: SecretStr | None = Field(default=None, validation_alias=_alias("CONSOLE_SUPERVISOR_PASSWORD"))

    @field_validator("staffed_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("rasa_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @property
    def hours(self) -> tuple[dt.time, dt.time]:
        return parse_hours(self.staffed_hours)

    @property
    def hours_label(self) -> str:
        start, end = self.hours
        return f"每天 {start:%H:%M}–{'24:00' if end == dt.time.max else format(end, '%H:%M')}"

    @property
    def wechat_prefix(self) -> str:
        """Where the WeChat channel keeps its lists (same rule as channels/wechat/settings.py)."""
        return self.wechat_redis_prefix.strip() or f"{self.redis_key_prefix}:wechat"

    @property
    def events_url(self) -> str:
        """EVENTS_DB_URL for SQLAlchemy 2 in this venv (psycopg 3; relative SQLite paths from the repository)."""
        url = self.events_db_url.strip()
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            return f"sqlite:///{ROOT / url[len('sqlite:///'):]}"
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url


def parse_hours(value: str) -> tuple[dt.time, dt.time]:
    match = _HOURS.match(value or "")
    if not match:
        raise ValueError("CONSOLE_STAFFED_HOURS must look like 08:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h2, m2) == (24, 0):
        return dt.time(h1, m1), dt.time.max  # until midnight
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError("CONSOLE_STAFFED_HOURS must look like 08:00-20:00")
    return dt.time(h1, m1), dt.time(h2, m2)


def is_staffed(settings: ConsoleSettings, now: dt.datetime, tz: dt.tzinfo) -> bool:
    """Whether agents are on duty at ``now`` (every day, local time of ``tz``)."""
    start, end = settings.hours
    local = now.astimezone(tz).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # a night shift across midnight

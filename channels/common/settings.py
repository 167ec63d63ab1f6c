"""The channels' settings: one reader of environment variables and one base class.

Every channel's `settings.py` is a frozen dataclass deriving from `ChannelSettings`, built by
`from_env()` with an `Env` and tuned from credentials.yml by `with_overrides()`. The reader
treats every variable alike: surrounding blanks are dropped, a blank value means the default,
and a value that does not parse is logged (naming the variable) and the default used.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, replace
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional, Sequence, TypeVar

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "hotline"

S = TypeVar("S", bound="ChannelSettings")


class Env:
    """Typed reads of a mapping of environment variables (os.environ by default)."""

    def __init__(self, env: Optional[Mapping[str, Any]] = None) -> None:
        self._env: Mapping[str, Any] = os.environ if env is None else env

    def raw(self, name: str) -> str:
        """The value as set, blanks kept (passwords); "" when unset."""
        value = self._env.get(name)
        return "" if value is None else str(value)

    def string(self, name: str, default: str = "") -> str:
        return self.raw(name).strip() or default

    def url(self, name: str, default: str) -> str:
        """A base URL without its trailing slash."""
        return self.string(name, default).rstrip("/")

    def number(self, name: str, default: float, *, minimum: Optional[float] = None) -> float:
        """A number; below `minimum` it is raised to it (a floor, not an error)."""
        raw = self.string(name)
        value = default
        if raw:
            try:
                value = float(raw)
            except ValueError:
                logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return value if minimum is None else max(minimum, value)

    def integer(
        self,
        name: str,
        default: int,
        *,
        minimum: Optional[int] = None,
        low: Optional[int] = None,
        high: Optional[int] = None,
    ) -> int:
        """A whole number (a decimal is cut: "2.5" → 2). Outside `low`..`high` the default is used;
        below `minimum` the value is raised to it."""
        raw = self.string(name)
        value = default
        if raw:
            try:
                number = float(raw)
                if not math.isfinite(number):
                    raise ValueError(raw)
                value = int(number)
            except ValueError:
                logger.warning("%s=%r is not a number; using %s", name, raw, default)
            else:
                if (low is not None and value < low) or (high is not None and value > high):
                    logger.warning("%s=%s is outside %s..%s; using %s", name, value, low, high, default)
                    value = default
        return value if minimum is None else max(minimum, value)

    def boolean(self, name: str, default: bool) -> bool:
        """1/true/yes/on is true, any other value false; blank is the default."""
        raw = self.string(name).lower()
        if not raw:
            return default
        return raw in ("1", "true", "yes", "on")

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        """One of `choices` (case-insensitive); anything else is an error, logged, and the default."""
        raw = self.string(name).lower() or default
        if raw not in choices:
            logger.error("%s=%r is not one of %s; using %s", name, raw, "/".join(choices), default)
            return default
        return raw

    def key_prefix(self, channel: str, override: Optional[str] = None) -> str:
        """The Redis key prefix of a channel: the variable `override` if it is set, else
        REDIS_KEY_PREFIX + ":" + channel.

        REDIS_KEY_PREFIX is taken as set (an empty value stays empty, hotline when unset), as the
        gateway's console and retention and the rendered tracker store read it, so every process
        finds the same keys."""
        prefix = self._env.get("REDIS_KEY_PREFIX", DEFAULT_KEY_PREFIX)
        return (self.string(override) if override else "") or f"{prefix}:{channel}"


@dataclass(frozen=True)
class ChannelSettings:
    """Base of the channels' settings.

    Subclasses are frozen dataclasses with a `from_env(env=None)` classmethod reading their
    variables through `Env`. `OVERRIDABLE` names the non-secret fields credentials.yml may set
    (field → converter; a converter returning None leaves the field as it is); `SECRET_KEYS` are
    keys refused there with a warning (secrets come from the environment only)."""

    CHANNEL: ClassVar[str] = ""
    OVERRIDABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    SECRET_KEYS: ClassVar[Sequence[str]] = ()

    @staticmethod
    def env(env: Optional[Mapping[str, Any]] = None) -> Env:
        return Env(env)

    def with_overrides(self: S, credentials: Optional[Mapping[str, Any]]) -> S:
        """Non-secret tuning from credentials.yml; secrets given there are ignored with a warning."""
        changes: Dict[str, Any] = {}
        for key, value in (credentials or {}).items():
            if key in self.OVERRIDABLE and value is not None:
                converted = self.OVERRIDABLE[key](value)
                if converted is not None:
                    changes[key] = converted
            elif key in self.SECRET_KEYS:
                logger.warning(
                    "credentials.yml: %s.%s is ignored; set it as an environment variable", self.CHANNEL, key
                )
        return replace(self, **changes) if changes else self

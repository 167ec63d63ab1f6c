"""Settings of the action server, read from the environment.

The action server runs in the Rasa venv (pydantic 1), so this is a small frozen
dataclass rather than pydantic-settings.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ActionSettings:
    gateway_url: str
    gateway_token: str
    gateway_timeout_s: float
    gateway_attempts: int
    gateway_backoff_s: float
    kb_url: str

    @classmethod
    def from_env(cls) -> "ActionSettings":
        env = os.environ
        return cls(
            gateway_url=env.get("GATEWAY_URL", "http://127.0.0.1:8000").rstrip("/"),
            gateway_token=env.get("GATEWAY_API_TOKEN", ""),
            gateway_timeout_s=float(env.get("GATEWAY_TIMEOUT_S", "5")),
            gateway_attempts=max(1, int(env.get("GATEWAY_ATTEMPTS", "3"))),
            gateway_backoff_s=float(env.get("GATEWAY_BACKOFF_S", "0.5")),
            kb_url=env.get("KB_URL", "").rstrip("/"),
        )


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    return ActionSettings.from_env()

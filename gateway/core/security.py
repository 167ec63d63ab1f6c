"""Bearer-token authentication and roles for the /api/v1 routes.

Tokens come from the settings (see ``gateway.core.config.load_token_registry``):

* ``GATEWAY_API_TOKEN`` — one token with role ``bot`` (the Rasa action server);
* ``GATEWAY_TOKENS`` (JSON) and/or ``GATEWAY_TOKENS_FILE`` (YAML) — a mapping
  ``token → {role, unit, name}``; a ``unit`` token is bound to its unit.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BOT = "bot"  # the intake bot (action server): creates, reads, withdraws for citizens
    AGENT = "agent"  # hotline agent (话务员): intake, dispatch, review
    UNIT = "unit"  # handling unit (承办单位), bound to one unit
    SUPERVISOR = "supervisor"  # hotline supervisor (督办): approvals, reports
    ADMIN = "admin"  # administrator: everything


ROLE_LABELS: dict[Role, str] = {
    Role.BOT: "智能客服",
    Role.AGENT: "话务员",
    Role.UNIT: "承办单位",
    Role.SUPERVISOR: "督办人员",
    Role.ADMIN: "管理员",
}


# Roles that see citizens' names and phone numbers by default. Supervisors work on
# figures and approvals and see them masked; a token entry can override this.
DEFAULT_PERSONAL_DATA: dict[Role, bool] = {
    Role.BOT: True,
    Role.AGENT: True,
    Role.UNIT: True,  # units must contact the citizen (第十二条) — never for anonymous orders
    Role.SUPERVISOR: False,
    Role.ADMIN: True,
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role of the token, its unit (role ``unit``) and a name for the log."""

    role: Role
    name: str
    unit: str | None = None
    # May see names and phone numbers unmasked (第二十四条); default by role, see DEFAULT_PERSONAL_DATA.
    personal_data: bool = True

    @property
    def actor(self) -> str:
        """How this caller is written in ``order_events.actor``."""
        if self.role is Role.UNIT:
            return f"unit:{self.unit}:{self.name}"
        return f"{self.role.value}:{self.name}"


class TokenRegistry:
    """Maps presented bearer tokens to principals, comparing in constant time."""

    def __init__(self, tokens: dict[str, Principal]) -> None:
        if not tokens:
            raise ValueError("at least one API token must be configured")
        self._tokens: list[tuple[bytes, Principal]] = []
        for token, principal in tokens.items():
            if not token:
                raise ValueError("API token must not be empty")
            if principal.role is Role.UNIT and not principal.unit:
                raise ValueError("a token with role 'unit' must name its unit")
            self._tokens.append((token.encode("utf-8"), principal))

    def __len__(self) -> int:
        return len(self._tokens)

    def authenticate(self, presented: str | None) -> Principal | None:
        if not presented:
            return None
        candidate = presented.encode("utf-8", "surrogatepass")
        found: Principal | None = None
        # Compare with every token (no early exit) so timing does not reveal which matched.
        for expected, principal in self._tokens:
            if hmac.compare_digest(candidate, expected):
                found = principal
        return found


class TokenChecker:
    """Single-token check (kept for callers of the foundation API)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("API token must not be empty")
        self._registry = TokenRegistry({token: Principal(role=Role.BOT, name="bot")})

    def is_valid(self, presented: str | None) -> bool:
        return self._registry.authenticate(presented) is not None

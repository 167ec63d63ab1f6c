"""Bearer-token authentication for the /api/v1 routes."""

from __future__ import annotations

import hmac


class TokenChecker:
    """Compares presented bearer tokens with the configured one in constant time."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("API token must not be empty")
        self._expected = token.encode("utf-8")

    def is_valid(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), self._expected)

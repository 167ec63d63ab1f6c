"""Async client of the order gateway's HTTP API (docs/gateway.md).

Creation is retried with exponential backoff on network errors, timeouts and 5xx
answers. It is safe to retry because every creation carries an Idempotency-Key:
the gateway returns the stored order for a key it has seen.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

import httpx

from bot.actions.settings import ActionSettings, get_settings

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """Base class of gateway failures."""


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached or answered 5xx after every retry."""


class GatewayRejected(GatewayError):
    """The gateway answered 4xx: the request itself is wrong or not allowed."""

    def __init__(self, status_code: int, detail: Any, body: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.body = body or {}

    @property
    def stored_order(self) -> Optional[Dict[str, Any]]:
        """On 409 for a changed resubmission of the same form: the order the key created."""
        order = self.body.get("order") if self.status_code == 409 else None
        return order if isinstance(order, dict) and order.get("order_no") else None

    @property
    def message(self) -> str:
        """A readable Chinese message out of FastAPI's `detail`."""
        detail = self.detail
        if isinstance(detail, list):
            parts = [str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in detail]
            return "；".join(parts)
        return str(detail)


class GatewayClient:
    def __init__(self, settings: Optional[ActionSettings] = None) -> None:
        self.settings = settings or get_settings()

    def _headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        headers = {"Authorization": f"Bearer {self.settings.gateway_token}"}
        headers.update(extra or {})
        return headers

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        attempts: int = 1,
    ) -> Dict[str, Any]:
        url = f"{self.settings.gateway_url}{path}"
        last_error: Optional[Exception] = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.settings.gateway_backoff_s * (2 ** (attempt - 1)))
            try:
                async with httpx.AsyncClient(timeout=self.settings.gateway_timeout_s) as client:
                    response = await client.request(
                        method, url, json=json, params=params, headers=self._headers(headers)
                    )
            except httpx.HTTPError as error:  # connect errors, timeouts, protocol errors
                last_error = error
                logger.warning("gateway %s %s failed (attempt %d): %r", method, path, attempt + 1, error)
                continue
            if response.status_code >= 500:
                last_error = GatewayUnavailable(f"{response.status_code} from gateway")
                logger.warning("gateway %s %s answered %d (attempt %d)", method, path, response.status_code, attempt + 1)
                continue
            if response.status_code >= 400:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                body = body if isinstance(body, dict) else {}
                raise GatewayRejected(response.status_code, body.get("detail", response.text), body)
            return response.json()
        raise GatewayUnavailable(str(last_error))

    async def create_order(self, order: Dict[str, Any], idempotency_key: str) -> Dict[str, Any]:
        return await self._request(
            "POST",
            "/api/v1/orders",
            json=order,
            headers={"Idempotency-Key": idempotency_key},
            attempts=self.settings.gateway_attempts,
        )

    async def get_order(self, order_no: str, sender_id: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The order, or None when it does not exist (or, with sender_id, is not that sender's)."""
        params = {"sender_id": sender_id} if sender_id else None
        try:
            return await self._request("GET", f"/api/v1/orders/{order_no}", params=params, attempts=2)
        except GatewayRejected as error:
            if error.status_code == 404:
                return None
            raise

    async def list_orders(self, sender_id: str, status: Optional[str] = None, limit: int = 5) -> List[Dict[str, Any]]:
        params: Dict[str, Any] = {"sender_id": sender_id, "limit": limit}
        if status:
            params["status"] = status
        body = await self._request("GET", "/api/v1/orders", params=params, attempts=2)
        return list(body.get("items", []))

    async def withdraw_order(self, order_no: str, sender_id: str, reason: str) -> Dict[str, Any]:
        return await self._request(
            "POST",
            f"/api/v1/orders/{order_no}/withdraw",
            json={"sender_id": sender_id, "reason": reason},
            attempts=self.settings.gateway_attempts,
        )

    async def record_direct_answer(self, channel: str, conversation_id: str, knowledge_item_id: Optional[str]) -> None:
        """Counts a consultation answered on the spot (直接解答) in the gateway's reports; best effort."""
        body = {"channel": channel, "type": "咨询", "conversation_id": conversation_id[:128]}
        if knowledge_item_id:
            body["knowledge_item_id"] = str(knowledge_item_id)[:128]
        try:
            await self._request("POST", "/api/v1/direct-answers", json=body, attempts=1)
        except GatewayError as error:
            logger.warning("direct answer not recorded: %s", error)

    async def request_handoff(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """Puts the conversation into the agent console's queue (issue 7); answers {"staffed": bool, ...}."""
        return await self._request("POST", "/api/v1/handoffs", json=body, attempts=2)

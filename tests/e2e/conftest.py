"""The whole product, for real: gateway on PostgreSQL, action server, and the Rasa
server with the Redis tracker and lock stores, talked to over the trusted REST channel
(channels/rest.py: bearer token, rest-… senders)."""
from __future__ import annotations

import json
import secrets
import uuid
from typing import Any, Dict, List

import httpx
import pytest

from tests.channels.wechat import wechat_peers
from tests.channels.wechat.wechat_peers import FakeWeChatApi
from tests.support import processes
from tests.support.email_peer import MailPeer


class Stack:
    def __init__(self) -> None:
        self.gateway_token = secrets.token_hex(16)
        # an agent and a handling unit (issue 14: a unit records the result, an agent accepts it)
        self.agent_token, self.unit_token = secrets.token_hex(16), secrets.token_hex(16)
        self.rasa_token = secrets.token_hex(16)
        self.redis_url = "redis://127.0.0.1:6379/0"
        self.redis_prefix = f"e2e{uuid.uuid4().hex[:8]}"
        self.database_url = processes.create_pg_database("hotline_e2e")
        self.events_url = processes.create_pg_database("hotline_events")  # Rasa's SQL event broker
        self.supervisor_password = secrets.token_urlsafe(18)  # the console's first supervisor
        self.wechat_api = FakeWeChatApi()  # the WeChat channel's customer-service API, on loopback
        self.gateway_port = processes.free_port()
        self.rasa_port = processes.free_port()
        self.portal_port = processes.free_port()  # a stand-in portal page that embeds the widget via the proxy
        self.gateway = self.actions = self.rasa = None
        self.mail = None  # Postfix + Dovecot for the email channel (None when not installed)
        try:
            self.mail = MailPeer.start_or_none()
            self.gateway = processes.start_gateway(self.database_url, self.gateway_token, port=self.gateway_port,
                                                   extra_env=self.gateway_env())
            self.actions = processes.start_action_server(
                self.gateway.url, self.gateway_token, extra_env={"GATEWAY_TIMEOUT_S": "3", "GATEWAY_BACKOFF_S": "0.2"})
            self.rasa = self._start_rasa()
        except BaseException:
            self.close()  # a process that did start must not outlive a failed start of the next
            raise

    def _start_rasa(self) -> processes.Proc:
        return processes.start_rasa(self.actions.url, self.rasa_token, port=self.rasa_port,
                                    redis_url=self.redis_url, extra_env={"REDIS_KEY_PREFIX": self.redis_prefix,
                                                                         "EVENTS_DB_URL": self.events_url,
                                                                         **self.wechat_env(),
                                                                         # channels report result deliveries (issue 14)
                                                                         "GATEWAY_URL": self.gateway.url,
                                                                         "GATEWAY_API_TOKEN": self.gateway_token,
                                                                         # the widget on the gateway's demo page
                                                                         "WEBCHAT_ALLOWED_ORIGINS": f"{self.gateway_origin},{self.portal_origin}",
                                                                         **(self.mail.rasa_env if self.mail else {})})

    def wechat_env(self) -> Dict[str, str]:
        """The WeChat channel on the stack's Rasa, talking to the fake WeChat API (safe mode)."""
        return {"WECHAT_TOKEN": wechat_peers.TOKEN, "WECHAT_APP_ID": wechat_peers.APP_ID,
                "WECHAT_APP_SECRET": wechat_peers.APP_SECRET, "WECHAT_ENCODING_AES_KEY": wechat_peers.AES_KEY,
                "WECHAT_API_BASE_URL": self.wechat_api.url, "WECHAT_REDIS_PREFIX": f"{self.redis_prefix}:wechat",
                "WECHAT_RESULT_TEMPLATE_ID": wechat_peers.RESULT_TEMPLATE_ID}

    def gateway_env(self) -> Dict[str, str]:
        """The agent console: Rasa's HTTP API, the events table, always staffed, a first supervisor."""
        return {"RASA_URL": f"http://127.0.0.1:{self.rasa_port}", "RASA_API_TOKEN": self.rasa_token,
                "EVENTS_DB_URL": self.events_url, "CONSOLE_STAFFED_HOURS": "00:00-24:00",
                "CONSOLE_SUPERVISOR_NAME": "值班长", "CONSOLE_SUPERVISOR_PASSWORD": self.supervisor_password,
                "REDIS_URL": self.redis_url, "WECHAT_REDIS_PREFIX": self.wechat_env()["WECHAT_REDIS_PREFIX"],
                "GATEWAY_WEBCHAT_SOCKET_URL": f"http://127.0.0.1:{self.rasa_port}",  # the demo page's widget
                "GATEWAY_TOKENS": json.dumps({self.agent_token: {"role": "agent", "name": "话务员e2e"},
                                              self.unit_token: {"role": "unit", "unit": "商州区"}})}

    @property
    def portal_origin(self) -> str:
        """The origin of a government portal page elsewhere (tests/e2e/test_public_surface.py)."""
        return f"http://127.0.0.1:{self.portal_port}"

    @property
    def gateway_origin(self) -> str:
        """The origin of the gateway's demo portal page, which embeds the chat widget."""
        return f"http://127.0.0.1:{self.gateway_port}"

    # -- talking
    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        response = httpx.post(f"{self.rasa.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              headers=processes.rest_headers(), timeout=60)
        response.raise_for_status()
        return response.json()

    def say(self, sender: str):
        """A send() for one sender that returns only the texts."""
        return lambda text: [m.get("text", "") for m in self.send(sender, text)]

    # -- the gateway
    def orders_of(self, sender: str) -> List[Dict[str, Any]]:
        response = httpx.get(f"{self.gateway.url}/api/v1/orders", params={"sender_id": sender, "limit": 50},
                             headers={"Authorization": f"Bearer {self.gateway_token}"}, timeout=10)
        response.raise_for_status()
        return response.json()["items"]

    # -- failures
    def stop_gateway(self) -> None:
        self.gateway.stop()

    def start_gateway(self) -> None:
        self.gateway = processes.start_gateway(self.database_url, self.gateway_token, port=self.gateway_port,
                                                   extra_env=self.gateway_env())

    def crash_rasa(self) -> None:
        self.rasa.kill()

    def restart_rasa(self) -> None:
        self.rasa = self._start_rasa()

    def close(self) -> None:
        for proc in (self.rasa, self.actions, self.gateway):
            if proc is not None:
                proc.stop()
        if self.mail is not None:
            self.mail.stop()
        self._release_shared()

    def _release_shared(self) -> None:
        """What every stack holds besides its processes: the two databases and the fake WeChat API."""
        processes.drop_pg_database(self.database_url)
        processes.drop_pg_database(self.events_url)
        self.wechat_api.close()


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    yield s
    s.close()


@pytest.fixture
def sender() -> str:
    return processes.rest_sender("e2e")

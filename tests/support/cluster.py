"""Several Rasa servers and action servers behind the real nginx (issue 15), for the scaling
e2e tests and bench/scaling.py.

    ScaledStack (tests/e2e/test_scaling.py's fixture) = the e2e Stack's stores and secrets, with
        one gateway                    (PostgreSQL)
        N action servers               → the gateway
        nginx (deploy/nginx.conf.template, PROXY_RASA_UPSTREAM=a,b …)
            public TLS server          → the Rasa servers (socket.io, WeChat, history)
            internal Rasa listener     → the Rasa servers, round-robin (REST callers, the gateway's RASA_URL)
            internal actions listener  → the action servers, round-robin (every Rasa's ACTION_SERVER_URL)
        N Rasa servers                 one model, one Redis tracker store + ConcurrentRedisLockStore
                                       (the stack's key prefix), one SQL event broker (PostgreSQL)

Which server answered a request: the access logs' `via=<address>` (nginx's $upstream_addr).
"""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import httpx

from tests.channels.wechat.wechat_peers import FakeWeChatApi
from tests.e2e.conftest import Stack
from tests.support import processes
from tests.support.proxy import Proxy

_VIA = re.compile(r'"(\w+) (\S+) [^"]*" (\d{3}) .* via=(\S+)$')


def via(log: str, path_part: str = "") -> List[tuple]:
    """(method, path, status, upstream address) of each access-log line whose path has path_part;
    a retried request names every address it tried ("a:1, b:2")."""
    found = []
    for line in log.splitlines():
        match = _VIA.search(line)
        if match and path_part in match.group(2):
            found.append((match.group(1), match.group(2), int(match.group(3)), match.group(4)))
    return found


class ScaledStack(Stack):
    """The e2e Stack with n Rasa servers and n action servers behind nginx (see the module docstring).

    Stack's helpers keep working: `send`/`say` go through nginx's internal Rasa listener, and
    `rasa.url` (tracker reads of tests/e2e/test_takeover.py) is that listener too."""

    def __init__(self, rasa_servers: int = 2, action_servers: int = 2, extra_rasa_env: Optional[Dict[str, str]] = None,
                 events: bool = True) -> None:
        # the same secrets and stores as Stack.__init__ (tests/e2e/conftest.py), one prefix for every server
        self.gateway_token = secrets.token_hex(16)
        self.agent_token, self.unit_token = secrets.token_hex(16), secrets.token_hex(16)
        self.rasa_token = secrets.token_hex(16)
        self.redis_url = "redis://127.0.0.1:6379/0"
        self.redis_prefix = f"e2e{uuid.uuid4().hex[:8]}"
        self.database_url = processes.create_pg_database("hotline_e2e")
        self.events_url = processes.create_pg_database("hotline_events")
        self.use_events = events
        self.supervisor_password = secrets.token_urlsafe(18)
        self.wechat_api = FakeWeChatApi()
        self.gateway_port = processes.free_port()
        self.portal_port = processes.free_port()
        self.rasa_ports = [processes.free_port() for _ in range(rasa_servers)]
        self.rasa_port = self.rasa_ports[0]
        self.internal_port, self.actions_port = processes.free_port(), processes.free_port()
        self.extra_rasa_env = dict(extra_rasa_env or {})
        # one copy of the model for every server and every restart: models/ may be retrained meanwhile
        self.model_dir = Path(tempfile.mkdtemp(prefix="scaled-model-"))
        self.model = self.model_dir / processes.MODEL.name
        shutil.copyfile(processes.MODEL, self.model)
        self.mail = None  # no email channel here
        self.gateway = self.actions = None
        self.action_servers: List[processes.Proc] = []
        self.rasas: List[Optional[processes.Proc]] = [None] * rasa_servers
        self.edge: Optional[Proxy] = None
        self.rasa = _Balanced(f"http://127.0.0.1:{self.internal_port}")
        try:
            self.gateway = processes.start_gateway(self.database_url, self.gateway_token, port=self.gateway_port,
                                                   extra_env=self.gateway_env())
            for _ in range(action_servers):  # one after another: the machine has two cores
                self.action_servers.append(processes.start_action_server(
                    self.gateway.url, self.gateway_token,
                    extra_env={"GATEWAY_TIMEOUT_S": "3", "GATEWAY_BACKOFF_S": "0.2"}))
            self.actions = self.action_servers[0]
            self.edge = Proxy.start(self.rasa_url(0), self.gateway.url, env=self.proxy_env())
            for index in range(rasa_servers):
                self.start_rasa_server(index)
        except BaseException:
            self.close()
            raise

    # -- addresses
    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def rasa_address(self, index: int) -> str:
        """How nginx's access log names this server (via=…)."""
        return f"127.0.0.1:{self.rasa_ports[index]}"

    @property
    def internal_url(self) -> str:
        """nginx's internal listener over every Rasa server (the REST channel, Rasa's HTTP API)."""
        return f"http://127.0.0.1:{self.internal_port}"

    def proxy_env(self, rasa_indexes: Optional[List[int]] = None) -> Dict[str, str]:
        indexes = range(len(self.rasa_ports)) if rasa_indexes is None else rasa_indexes
        return {
            "PROXY_RASA_UPSTREAM": ",".join(self.rasa_address(i) for i in indexes),
            "PROXY_ACTIONS_UPSTREAM": ",".join(p.url.split("//", 1)[1] for p in self.action_servers),
            "PROXY_INTERNAL_RASA_LISTEN": f"127.0.0.1:{self.internal_port}",
            "PROXY_INTERNAL_ACTIONS_LISTEN": f"127.0.0.1:{self.actions_port}",
        }

    # -- processes
    def rasa_env(self) -> Dict[str, str]:
        env = {"REDIS_KEY_PREFIX": self.redis_prefix, **self.wechat_env(),
               "EVENTS_DB_URL": self.events_url if self.use_events else "off",
               "GATEWAY_URL": self.gateway.url, "GATEWAY_API_TOKEN": self.gateway_token,
               "WEBCHAT_ALLOWED_ORIGINS": f"{self.gateway_origin},{self.portal_origin}"}
        return {**env, "RASA_MODEL": str(self.model), **self.extra_rasa_env}

    def start_rasa_server(self, index: int) -> processes.Proc:
        # every Rasa server's action endpoint is nginx's actions listener: any action server takes any call
        proc = processes.start_rasa(f"http://127.0.0.1:{self.actions_port}", self.rasa_token, port=self.rasa_ports[index],
                                    redis_url=self.redis_url, extra_env=self.rasa_env())
        self.rasas[index] = proc
        return proc

    def kill_rasa_server(self, index: int) -> None:
        """SIGKILL, as a crash would."""
        self.rasas[index].kill()

    def _start_rasa(self) -> processes.Proc:  # Stack.restart_rasa: the first server
        return self.start_rasa_server(0)

    def crash_rasa(self) -> None:
        self.kill_rasa_server(0)

    def restart_rasa(self) -> None:
        self.start_rasa_server(0)

    def gateway_env(self) -> Dict[str, str]:
        env = super().gateway_env()
        env["RASA_URL"] = self.internal_url  # the console's calls go to any Rasa server
        env["GATEWAY_WEBCHAT_SOCKET_URL"] = self.rasa_url(0)
        return env

    # -- talking (through nginx)
    def send(self, sender: str, text: str) -> List[Dict]:
        response = httpx.post(f"{self.internal_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              headers=processes.rest_headers(), timeout=90)
        response.raise_for_status()
        return response.json()

    def internal_log(self) -> str:
        try:
            return (self.edge.log_dir / "nginx-internal-rasa.log").read_text(errors="replace")
        except OSError:
            return ""

    def actions_log(self) -> str:
        try:
            return (self.edge.log_dir / "nginx-internal-actions.log").read_text(errors="replace")
        except OSError:
            return ""

    def servers_of(self, log: str, path_part: str) -> Counter:
        """How many requests each upstream address answered (last address of a retried request)."""
        return Counter(address.split(", ")[-1] for *_, address in via(log, path_part))

    def close(self) -> None:
        for proc in (*self.rasas, *self.action_servers, self.gateway):
            if proc is not None:
                proc.stop()
        if self.edge is not None:
            self.edge.stop()
        self._release_shared()
        shutil.rmtree(self.model_dir, ignore_errors=True)


class _Balanced:
    """Stands where Stack keeps its Rasa Proc: the URL every helper reads trackers from."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = "rasa (nginx)"

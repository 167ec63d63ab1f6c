"""Writes the nginx configuration of the public edge from deploy/nginx.conf.template.

    python3 deploy/render_nginx.py /etc/nginx/nginx.conf      # settings from the environment

Standard library only (runs with any Python 3). Environment, with production defaults:

  PROXY_HTTPS_LISTEN      443                    address:port or port of the TLS server
  PROXY_HTTP_LISTEN       80                     plain HTTP, which only redirects to HTTPS
  PROXY_SERVER_NAME       _                      the public host name(s)
  PROXY_TLS_CERT          /etc/ssl/hotline/fullchain.pem
  PROXY_TLS_KEY           /etc/ssl/hotline/privkey.pem
  PROXY_RASA_UPSTREAM     127.0.0.1:5005         the Rasa server(s) (their channels): host:port, or several
                                                 comma-separated, one `server` line each, round-robin
  PROXY_GATEWAY_UPSTREAM  127.0.0.1:8000         the gateway(s) (publicly only the widget's files), list as above
  PROXY_ACTIONS_UPSTREAM  ""                     the action server(s), list as above; needed by the internal
                                                 actions listener only
  PROXY_INTERNAL_RASA_LISTEN     ""  (off)       private listener → the Rasa servers, every path (trusted REST
                                                 callers, the gateway's RASA_URL)
  PROXY_INTERNAL_ACTIONS_LISTEN  ""  (off)       private listener → the action servers (Rasa's ACTION_SERVER_URL)
  PROXY_INTERNAL_GATEWAY_LISTEN  ""  (off)       private listener → the gateways (GATEWAY_URL of actions, channels)
  PROXY_RATE / PROXY_BURST               10 / 20  requests per second and burst per client IP
  PROXY_SOCKET_RATE / PROXY_SOCKET_BURST 10 / 40  the same for /socket.io/
  PROXY_CONN_PER_IP       30                     open connections per client IP
  PROXY_LOG_DIR           /var/log/nginx
  PROXY_RUN_DIR           /var/lib/nginx/hotline pid file and temporary bodies
  PROXY_USER              www-data               worker user when nginx starts as root ("" = none)
  PROXY_WORKER_PROCESSES  auto
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Mapping

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
DEFAULTS = {
    "HTTPS_LISTEN": "443",
    "HTTP_LISTEN": "80",
    "SERVER_NAME": "_",
    "TLS_CERT": "/etc/ssl/hotline/fullchain.pem",
    "TLS_KEY": "/etc/ssl/hotline/privkey.pem",
    "RASA_UPSTREAM": "127.0.0.1:5005",
    "GATEWAY_UPSTREAM": "127.0.0.1:8000",
    "ACTIONS_UPSTREAM": "",
    "INTERNAL_RASA_LISTEN": "",
    "INTERNAL_ACTIONS_LISTEN": "",
    "INTERNAL_GATEWAY_LISTEN": "",
    "RATE": "10",
    "BURST": "20",
    "SOCKET_RATE": "10",
    "SOCKET_BURST": "40",
    "CONN_PER_IP": "30",
    "LOG_DIR": "/var/log/nginx",
    "RUN_DIR": "/var/lib/nginx/hotline",
    "USER": "www-data",
    "WORKER_PROCESSES": "auto",
}
_NUMBERS = ("RATE", "BURST", "SOCKET_RATE", "SOCKET_BURST", "CONN_PER_IP")
_SAFE = re.compile(r"^[A-Za-z0-9_.:/\[\]*@+-]*$")  # nothing that could end a directive
_LISTS = ("RASA_UPSTREAM", "GATEWAY_UPSTREAM", "ACTIONS_UPSTREAM")  # comma-separated host:port lists
_SERVER = re.compile(r"^[A-Za-z0-9_.:\[\]-]+$")  # one upstream address, no parameters
_SECTION = re.compile(r"^\{\{#([A-Z_]+)\}\}\n(.*?)^\{\{/\1\}\}\n", re.S | re.M)


def settings(env: Mapping[str, str]) -> dict:
    values = {key: str(env.get(f"PROXY_{key}", default)).strip() for key, default in DEFAULTS.items()}
    for key in _NUMBERS:
        if not values[key].isdigit() or int(values[key]) < 1:
            raise SystemExit(f"PROXY_{key} must be a positive whole number, got {values[key]!r}")
    for key, value in values.items():
        if key in _LISTS:
            continue
        if not _SAFE.match(value):
            raise SystemExit(f"PROXY_{key} has characters not allowed in nginx.conf: {value!r}")
    for key in _LISTS:
        servers = upstreams(values[key])
        if not all(_SERVER.match(server) for server in servers):
            raise SystemExit(f"PROXY_{key} must be host:port addresses separated by commas, got {values[key]!r}")
    if values["INTERNAL_ACTIONS_LISTEN"] and not upstreams(values["ACTIONS_UPSTREAM"]):
        raise SystemExit("PROXY_INTERNAL_ACTIONS_LISTEN needs PROXY_ACTIONS_UPSTREAM (the action servers)")
    for key in ("RASA_UPSTREAM", "GATEWAY_UPSTREAM"):
        if not upstreams(values[key]):
            raise SystemExit(f"PROXY_{key} names no server")
    return values


def upstreams(value: str) -> list:
    """'a:1, b:2' → ['a:1', 'b:2'] (blanks dropped, order kept, duplicates refused)."""
    servers = [item.strip() for item in value.split(",") if item.strip()]
    if len(set(servers)) != len(servers):
        raise SystemExit(f"an upstream list names a server twice: {value!r}")
    return servers


def server_lines(servers: list) -> str:
    return "\n".join(f"        server {server};" for server in servers)


def render(env: Mapping[str, str]) -> str:
    values = settings(env)
    https_port = values["HTTPS_LISTEN"].rsplit(":", 1)[-1]
    values["HTTPS_PORT_SUFFIX"] = "" if https_port == "443" else f":{https_port}"
    values["USER_DIRECTIVE"] = f"user {values['USER']};" if values["USER"] else "# (no user directive)"
    rasa = upstreams(values["RASA_UPSTREAM"])
    values["RASA_SERVERS"] = server_lines(rasa)
    values["GATEWAY_SERVERS"] = server_lines(upstreams(values["GATEWAY_UPSTREAM"]))
    values["ACTIONS_SERVERS"] = server_lines(upstreams(values["ACTIONS_UPSTREAM"]))
    # one engine.io session on one server: by client address when there are several (docs/scaling.md)
    values["SOCKETIO_BALANCE"] = ("        hash $remote_addr consistent;" if len(rasa) > 1
                                  else "        # one server: nothing to choose")
    text = TEMPLATE.read_text(encoding="utf-8")
    # {{#KEY}} … {{/KEY}} lines are kept only when KEY has a value
    text = _SECTION.sub(lambda m: m.group(2) if values[m.group(1)] else "", text)
    rendered = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], text)
    return rendered


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    Path(sys.argv[1]).write_text(render(os.environ), encoding="utf-8")


if __name__ == "__main__":
    main()

"""deploy/render_nginx.py: several servers per upstream (issue 15), the single-server default
unchanged in effect, and nothing in an address list that could change the configuration."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import free_port
from tests.support.proxy import render_nginx  # deploy/ is no package: the proxy support imports it

NGINX = Path("/usr/sbin/nginx")
TWO = {"PROXY_RASA_UPSTREAM": "10.0.0.5:5005, 10.0.0.6:5005", "PROXY_GATEWAY_UPSTREAM": "10.0.0.7:8000,10.0.0.8:8000",
       "PROXY_ACTIONS_UPSTREAM": "10.0.0.5:5055,10.0.0.6:5055", "PROXY_INTERNAL_RASA_LISTEN": "10.0.0.4:8080",
       "PROXY_INTERNAL_ACTIONS_LISTEN": "10.0.0.4:8081", "PROXY_INTERNAL_GATEWAY_LISTEN": "10.0.0.4:8082"}


def block(conf: str, head: str) -> str:
    """The text of `head { … }` (no nested braces inside upstream/map blocks)."""
    match = re.search(re.escape(head) + r" \{\n(.*?)\n    \}", conf, re.S)
    assert match, head
    return match.group(1)


def servers(conf: str, name: str) -> list:
    return re.findall(r"^\s+server (\S+);$", block(conf, f"upstream {name}"), re.M)


def test_the_default_has_one_server_per_upstream_and_no_internal_listener():
    conf = render_nginx.render({})
    assert servers(conf, "rasa") == servers(conf, "rasa_socketio") == ["127.0.0.1:5005"]
    assert servers(conf, "gateway") == ["127.0.0.1:8000"]
    assert "upstream actions" not in conf and "{{" not in conf
    assert not re.search(r"^\s*(hash|ip_hash|sticky)\b", conf, re.M)  # nothing balances but round-robin
    assert conf.count("listen ") == 2  # the redirect and the TLS server, as before
    # every public location still goes to the same single server
    assert "proxy_pass http://rasa;" in conf and "proxy_pass http://$socketio_upstream;" in conf


def test_a_list_gives_one_server_line_each_round_robin_without_stickiness():
    conf = render_nginx.render(TWO)
    assert servers(conf, "rasa") == servers(conf, "rasa_socketio") == ["10.0.0.5:5005", "10.0.0.6:5005"]
    assert servers(conf, "gateway") == ["10.0.0.7:8000", "10.0.0.8:8000"]
    assert servers(conf, "actions") == ["10.0.0.5:5055", "10.0.0.6:5055"]
    for name in ("rasa", "gateway", "actions"):  # round-robin: no balancing directive at all
        assert not re.search(r"\b(hash|ip_hash|sticky|least_conn|random)\b", block(conf, f"upstream {name}")), name
    assert "cookie" not in conf.replace("no cookie", "")
    # only socket.io sessions stay on one server, by client address (docs/scaling.md)
    assert "hash $remote_addr consistent;" in block(conf, "upstream rasa_socketio")
    assert '"websocket:" rasa;' in block(conf, 'map "$arg_transport:$arg_sid" $socketio_upstream')


def test_the_internal_listeners_are_rendered_only_when_asked():
    conf = render_nginx.render(TWO)
    for listen, upstream in (("10.0.0.4:8080", "rasa"), ("10.0.0.4:8081", "actions"), ("10.0.0.4:8082", "gateway")):
        server = conf[conf.index(f"listen {listen};"):]
        assert server.index(f"proxy_pass http://{upstream};") < server.index("\n    }")
    only_rasa = render_nginx.render({"PROXY_INTERNAL_RASA_LISTEN": "127.0.0.1:8080"})
    assert "listen 127.0.0.1:8080;" in only_rasa and "8081" not in only_rasa and "upstream actions" not in only_rasa
    with pytest.raises(SystemExit):  # an actions listener with no action server to go to
        render_nginx.render({"PROXY_INTERNAL_ACTIONS_LISTEN": "127.0.0.1:8081"})


@pytest.mark.parametrize("value", [
    "127.0.0.1:5005;\n}", "127.0.0.1:5005 backup", "127.0.0.1:5005 weight=100", "127.0.0.1:5005,127.0.0.1:5005",
    " , ", "127.0.0.1:5005,{{TLS_KEY}}", "unix:/run/x.sock;include /etc/passwd",
])
def test_an_upstream_list_takes_only_addresses(value):
    with pytest.raises(SystemExit):
        render_nginx.render({"PROXY_RASA_UPSTREAM": value})


@pytest.mark.skipif(not NGINX.exists() or shutil.which("openssl") is None, reason="nginx: scripts/ensure_services.sh")
@pytest.mark.parametrize("env", [{}, TWO], ids=["default", "two-each"])
def test_nginx_accepts_the_rendered_configuration(tmp_path, env):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
    conf = tmp_path / "nginx.conf"
    # nginx -t binds the listeners: free loopback ports instead of the example addresses
    listens = {key: f"127.0.0.1:{free_port()}" for key in ("PROXY_HTTPS_LISTEN", "PROXY_HTTP_LISTEN", *env)
               if key.endswith("_LISTEN")}
    conf.write_text(render_nginx.render({**env, **listens, "PROXY_TLS_CERT": str(cert), "PROXY_TLS_KEY": str(key),
                                         "PROXY_LOG_DIR": str(tmp_path), "PROXY_RUN_DIR": str(tmp_path),
                                         "PROXY_USER": ""}))
    result = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "err.log")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr

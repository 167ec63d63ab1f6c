"""The real reverse proxy for tests: Debian's nginx with deploy/nginx.conf.template,
TLS with a self-signed certificate made at test time, on free loopback ports, logs under
var/test-logs/nginx-<port>/.

    proxy = Proxy.start(rasa_url, gateway_url)
    httpx.get(proxy.url + "/widget/widget.js", verify=proxy.ca_file)
    proxy.stop()

Only the standard library and httpx (both venvs).
"""
from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlsplit

import httpx

from tests.support.processes import LOG_DIR, ROOT, Proc, free_port

NGINX = Path("/usr/sbin/nginx")
sys.path.insert(0, str(ROOT / "deploy"))
import render_nginx  # noqa: E402  (deploy/ is no package: it is copied to the proxy host)


def available() -> bool:
    return NGINX.exists() and shutil.which("openssl") is not None


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}"],
                   check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    return cert, key


@dataclass
class Proxy:
    proc: Proc
    url: str  # https://127.0.0.1:<port>
    http_url: str
    ca_file: Path
    run_dir: Path
    log_dir: Path

    @classmethod
    def start(cls, rasa_url: str, gateway_url: str, env: Optional[Dict[str, str]] = None) -> "Proxy":
        if not available():
            raise RuntimeError("nginx is not installed: run scripts/ensure_services.sh")
        https_port, http_port = free_port(), free_port()
        run_dir = Path(tempfile.mkdtemp(prefix="nginx-"))
        log_dir = LOG_DIR / f"nginx-{https_port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        cert, key = self_signed_certificate(run_dir)
        settings = {
            "PROXY_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
            "PROXY_HTTP_LISTEN": f"127.0.0.1:{http_port}",
            "PROXY_TLS_CERT": str(cert),
            "PROXY_TLS_KEY": str(key),
            "PROXY_RASA_UPSTREAM": urlsplit(rasa_url).netloc,
            "PROXY_GATEWAY_UPSTREAM": urlsplit(gateway_url).netloc,
            "PROXY_LOG_DIR": str(log_dir),
            "PROXY_RUN_DIR": str(run_dir),
            # workers run as the user the tests run as (root in CI: nginx wants it named)
            "PROXY_USER": getpass.getuser() if os.geteuid() == 0 else "",
            "PROXY_WORKER_PROCESSES": "1",
            **(env or {}),
        }
        conf = run_dir / "nginx.conf"
        conf.write_text(render_nginx.render(settings), encoding="utf-8")
        log = open(log_dir / "nginx-stdout.log", "wb")
        popen = subprocess.Popen([str(NGINX), "-p", str(run_dir), "-c", str(conf), "-e", str(log_dir / "nginx-error.log"),
                                  "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        url = f"https://127.0.0.1:{https_port}"
        proc = Proc("nginx", url, popen, log_dir / "nginx-error.log", settings)
        proxy = cls(proc, url, f"http://127.0.0.1:{http_port}", cert, run_dir, log_dir)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"nginx exited with {popen.returncode}:\n{proc.log_tail()}")
            try:
                httpx.get(url + "/", verify=str(cert), timeout=2)
                return proxy
            except httpx.HTTPError:
                time.sleep(0.1)
        proxy.stop()
        raise RuntimeError(f"nginx not ready after 30s:\n{proc.log_tail()}")

    def client(self, local_address: str = "127.0.0.1", **kwargs) -> httpx.Client:
        """An HTTPS client of the proxy from a given loopback address (each is its own client IP)."""
        transport = httpx.HTTPTransport(local_address=local_address, verify=str(self.ca_file))
        return httpx.Client(base_url=self.url, transport=transport, timeout=kwargs.pop("timeout", 30), **kwargs)

    def access_log(self) -> str:
        try:
            return (self.log_dir / "nginx-access.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        self.proc.stop(timeout=10)  # SIGTERM: nginx's fast shutdown
        shutil.rmtree(self.run_dir, ignore_errors=True)

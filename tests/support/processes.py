"""Start the product's real processes for tests: the gateway, the action server and
the Rasa server, each on a free loopback port, with logs under var/test-logs/.

Only the standard library and httpx, so both venvs can use it.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import httpx

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "test-logs"
RASA_VENV = ROOT / ".venv" / "rasa" / "bin"
SVC_VENV = ROOT / ".venv" / "svc" / "bin"
MODEL = ROOT / "models" / "hotline.tar.gz"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# Secrets between the processes a test run starts, one set per test process (a restarted
# Rasa keeps them, so web chat sender ids and the REST channel stay the same)
REST_CHANNEL_TOKEN = os.environ.get("REST_CHANNEL_TOKEN") or secrets.token_hex(16)
ACTION_SERVER_TOKEN = os.environ.get("ACTION_SERVER_TOKEN") or secrets.token_hex(16)
WEBCHAT_SENDER_SECRET = os.environ.get("WEBCHAT_SENDER_SECRET") or secrets.token_hex(16)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Proc:
    name: str
    url: str
    popen: subprocess.Popen
    log_path: Path
    env: Dict[str, str] = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def kill(self) -> None:
        """Dies at once, as a crash would."""
        self.stop(signal.SIGKILL)


def _base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.update(extra or {})
    return env


def start(name: str, args: list, port: int, ready_path: str, env: Optional[Dict[str, str]] = None,
          timeout: float = 180.0, ready_status: int = 200) -> Proc:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}-{port}.log"
    full_env = _base_env(env)
    log = open(log_path, "wb")
    popen = subprocess.Popen(
        [str(a) for a in args], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    proc = Proc(name, f"http://127.0.0.1:{port}", popen, log_path, env or {})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited with {popen.returncode}:\n{proc.log_tail()}")
        try:
            if httpx.get(proc.url + ready_path, timeout=2).status_code == ready_status:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{name} not ready after {timeout:.0f}s:\n{proc.log_tail()}")


def start_gateway(database_url: str, token: str, port: Optional[int] = None, extra_env: Optional[Dict[str, str]] = None) -> Proc:
    port = port or free_port()
    env = {"GATEWAY_API_TOKEN": token, "DATABASE_URL": database_url, **(extra_env or {})}
    # uploaded attachments go to a temporary folder, never into the checkout's var/
    env.setdefault("GATEWAY_ATTACHMENTS_DIR", tempfile.mkdtemp(prefix="gw-attachments-"))
    return start("gateway", [SVC_VENV / "uvicorn", "gateway.main:app", "--host", "127.0.0.1", "--port", port],
                 port, "/health", env=env, timeout=60)


def start_action_server(gateway_url: str, gateway_token: str, port: Optional[int] = None,
                        extra_env: Optional[Dict[str, str]] = None) -> Proc:
    port = port or free_port()
    env = {"GATEWAY_URL": gateway_url, "GATEWAY_API_TOKEN": gateway_token, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
           **(extra_env or {})}
    return start("actions", [RASA_VENV / "python", "-m", "bot.action_server", "--actions", "bot.actions", "--port", port],
                 port, "/health", env=env, timeout=120)


def start_rasa(action_url: str, api_token: str, port: Optional[int] = None, redis_url: Optional[str] = None,
               extra_env: Optional[Dict[str, str]] = None) -> Proc:
    port = port or free_port()
    env = {
        "RASA_API_TOKEN": api_token,
        "RASA_PORT": str(port),
        "ACTION_SERVER_URL": f"{action_url}/webhook",
        "RASA_MODEL": str(MODEL),
        "REST_CHANNEL_TOKEN": REST_CHANNEL_TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "WEBCHAT_SENDER_SECRET": WEBCHAT_SENDER_SECRET,
        **(extra_env or {}),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return start("rasa", [ROOT / "scripts" / "run_rasa.sh"], port, "/status?token=" + api_token, env=env, timeout=240)


def rest_headers(token: Optional[str] = None) -> Dict[str, str]:
    """Headers of a trusted caller of the REST channel (channels/rest.py)."""
    return {"Authorization": f"Bearer {token or REST_CHANNEL_TOKEN}"}


def rest_sender(prefix: str = "t") -> str:
    """A fresh sender id in the REST channel's own namespace."""
    return f"rest-{prefix}-{uuid.uuid4().hex[:10]}"


def create_pg_database(prefix: str = "hotline_test") -> str:
    """A fresh PostgreSQL database; returns its SQLAlchemy URL (psycopg 3 driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    _psql(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1]
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psql(sql: str) -> None:
    result = subprocess.run(["psql", PG_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", sql],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({sql}): {result.stderr.strip()} — is PostgreSQL up? scripts/ensure_services.sh starts it")


def build_kb_index(source: Path, out: Path, timeout: float = 300) -> None:
    """Builds a knowledge-base index with the service venv (works from either venv)."""
    result = subprocess.run([str(SVC_VENV / "python"), "-m", "kb_index", "build", str(source), str(out)],
                            cwd=ROOT, env=_base_env(), capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"kb_index build failed:\n{result.stderr}")


def start_kb_service(index_dir: Path, port: Optional[int] = None, token: Optional[str] = None,
                     gaps_db: Optional[Path] = None, extra_env: Optional[Dict[str, str]] = None) -> Proc:
    """The knowledge-base search service (`python -m kb_index serve`) on an existing index."""
    port = port or free_port()
    env = {"KB_RELOAD_CHECK_S": "0.2", "KB_LOG_LEVEL": "warning", **(extra_env or {})}
    env["KB_API_TOKEN"] = token or ""
    env["KB_GAPS_DB"] = str(gaps_db or Path(index_dir).parent / f"kb_gaps-{port}.sqlite3")
    return start("kb", [SVC_VENV / "python", "-m", "kb_index", "serve", "--index", index_dir, "--port", port],
                 port, "/health", env=env, timeout=60)

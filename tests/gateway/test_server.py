"""The real app under uvicorn: two replicas on one PostgreSQL database.

Both replicas start at the same time and run the migrations on start-up
(serialised by an advisory lock); then real HTTP calls create, replay and
withdraw an order, and 20 threads race one Idempotency-Key across both.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Replica:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _start(database_url: str, token: str, log: Path) -> Replica:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        DATABASE_URL=database_url,
        GATEWAY_API_TOKEN=token,
        GATEWAY_AUTO_MIGRATE="true",
    )
    command = [sys.executable, "-m", "uvicorn", "gateway.main:app",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Replica(f"http://127.0.0.1:{port}", process, log)


def _wait_ready(replica: Replica) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            pytest.fail(f"uvicorn exited with {replica.process.returncode}:\n{replica.log.read_text()}")
        try:
            if httpx.get(replica.url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"uvicorn did not become ready in {START_TIMEOUT_S}s:\n{replica.log.read_text()}")


def _stop(replica: Replica) -> None:
    if replica.process.poll() is None:
        replica.process.terminate()
        try:
            replica.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait()


@pytest.fixture(scope="module")
def server(pg_databases, tmp_path_factory) -> Iterator[tuple[list[Replica], str]]:
    database_url = pg_databases.create("server")
    token = secrets.token_urlsafe(24)
    logs = tmp_path_factory.mktemp("uvicorn")
    replicas = [_start(database_url, token, logs / f"replica{i}.log") for i in range(2)]
    try:
        for replica in replicas:
            _wait_ready(replica)
        yield replicas, token
    finally:
        for replica in replicas:
            _stop(replica)


def _payload(**overrides):
    payload = {
        "type": "求助",
        "channel": "wechat",
        "sender_id": "oWx-openid-001",
        "description": "家里停水两天了，物业说不清楚原因，希望帮忙协调。",
        "district": "丹凤",
        "contact_phone": "139 1234 5678",
    }
    payload.update(overrides)
    return payload


def test_create_replay_withdraw_over_http(server):
    replicas, token = server
    auth = {"Authorization": f"Bearer {token}"}
    a, b = (httpx.Client(base_url=r.url, headers=auth, timeout=10) for r in replicas)
    with a, b:
        created = a.post("/api/v1/orders", json=_payload(), headers={"Idempotency-Key": "http-1"})
        assert created.status_code == 201, created.text
        order = created.json()
        assert order["district"] == "丹凤县" and order["contact_phone"] == "13912345678"

        # The replay may land on the other replica.
        replay = b.post("/api/v1/orders", json=_payload(), headers={"Idempotency-Key": "http-1"})
        assert replay.status_code == 200
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json() == order

        conflict = b.post("/api/v1/orders", json=_payload(type="投诉"), headers={"Idempotency-Key": "http-1"})
        assert conflict.status_code == 409

        assert httpx.get(replicas[0].url + "/api/v1/orders", timeout=10).status_code == 401

        withdrawn = b.post(f"/api/v1/orders/{order['order_no']}/withdraw",
                           json={"sender_id": "oWx-openid-001", "reason": "已自行解决"})
        assert withdrawn.status_code == 200
        assert withdrawn.json()["status"] == "withdrawn"
        assert a.get(f"/api/v1/orders/{order['order_no']}",
                     params={"sender_id": "oWx-openid-001"}).json()["status_label"] == "已撤单"


def test_twenty_concurrent_posts_across_replicas_create_one_order(server):
    replicas, token = server
    auth = {"Authorization": f"Bearer {token}"}
    threads = 20
    barrier = threading.Barrier(threads)
    sender = f"race-{secrets.token_hex(4)}"

    def post(i: int) -> httpx.Response:
        with httpx.Client(base_url=replicas[i % 2].url, headers=auth, timeout=30) as http:
            barrier.wait()
            return http.post("/api/v1/orders", json=_payload(sender_id=sender),
                             headers={"Idempotency-Key": f"key-{sender}"})

    with ThreadPoolExecutor(threads) as pool:
        responses = list(pool.map(post, range(threads)))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (threads - 1) + [201], [r.text for r in responses if r.status_code >= 300]
    assert len({r.json()["order_no"] for r in responses}) == 1
    listed = httpx.get(replicas[0].url + "/api/v1/orders", params={"sender_id": sender},
                       headers=auth, timeout=10).json()
    assert listed["total"] == 1


def test_order_numbers_stay_unique_across_replicas(server):
    replicas, token = server
    auth = {"Authorization": f"Bearer {token}"}

    def post(i: int) -> str:
        with httpx.Client(base_url=replicas[i % 2].url, headers=auth, timeout=30) as http:
            response = http.post("/api/v1/orders", json=_payload(sender_id=f"many-{i}"))
            assert response.status_code == 201, response.text
            return response.json()["order_no"]

    with ThreadPoolExecutor(10) as pool:
        numbers = list(pool.map(post, range(30)))
    assert len(set(numbers)) == 30

"""Two real gateway replicas (uvicorn) on one PostgreSQL database forward their outbox to a
slow fake upstream platform (a real HTTP server on loopback) — issue 12.8.

The orders wait in the outbox first (a backlog, as after an upstream outage: they were taken
in by a replica without an upstream), then both replicas start on it. Each round of sends
takes longer than the lease would last if it were measured from the start of the round
(the old code's bug: later rows were due again while still being sent), some orders fail
once, one always fails. Proven from the upstream's side:
no order is ever being sent by two replicas at once, none is accepted twice, the flaky
ones arrive after one retry, and the hopeless one stops after GATEWAY_OUTBOX_MAX_ATTEMPTS
sends into the dead-letter state.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import psycopg
import pytest

from tests.gateway.test_server import REPO_ROOT, Replica, _free_port, _stop, _wait_ready

SEND_S = 0.6          # every upstream answer takes this long
MAX_ATTEMPTS = 3
ALWAYS_FAILS = "上游永远拒收"
FAILS_ONCE = "上游第一次拒收"


class SlowUpstream:
    """The upstream platform: slow, records every request, notices overlapping sends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.overlaps: list[str] = []
        self.accepted: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with upstream.lock:
                    upstream.requests[key] += 1
                    upstream.in_flight[key] += 1
                    if upstream.in_flight[key] > 1:
                        upstream.overlaps.append(key)
                    first = upstream.requests[key] == 1
                time.sleep(SEND_S)
                address = body.get("address") or ""
                fail = ALWAYS_FAILS in address or (FAILS_ONCE in address and first)
                with upstream.lock:
                    upstream.in_flight[key] -= 1
                    if not fail:
                        upstream.accepted[key] += 1
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _start(database_url: str, token: str, upstream: str | None, log) -> Replica:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT), DATABASE_URL=database_url, GATEWAY_API_TOKEN=token, GATEWAY_AUTO_MIGRATE="true",
        GATEWAY_DUPLICATE_CHECK="false", GATEWAY_UPSTREAM_TIMEOUT_S="3",
        # a round of up to 20 rows at 0.6 s takes far longer than this lease: measured from the round's
        # start, rows would come due again while still being sent
        GATEWAY_OUTBOX_LEASE_S="4", GATEWAY_OUTBOX_POLL_S="0.1", GATEWAY_OUTBOX_BACKOFF_BASE_S="0.3",
        GATEWAY_OUTBOX_BACKOFF_MAX_S="1", GATEWAY_OUTBOX_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    )
    if upstream:
        env["GATEWAY_UPSTREAM_URL"] = upstream
    command = [sys.executable, "-m", "uvicorn", "gateway.main:app",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Replica(f"http://127.0.0.1:{port}", process, log)


ADDRESSES = [f"北新街{i}号" for i in range(17)] + [f"{FAILS_ONCE}·东关{i}号" for i in range(2)] + [ALWAYS_FAILS]


@pytest.fixture
def world(pg_databases, tmp_path) -> Iterator[tuple[dict[str, str], SlowUpstream, str]]:
    database_url = pg_databases.create("outbox")
    token = secrets.token_urlsafe(24)
    intake = _start(database_url, token, None, tmp_path / "intake.log")  # no upstream: the backlog builds up
    numbers: dict[str, str] = {}
    try:
        _wait_ready(intake)
        for i, address in enumerate(ADDRESSES):
            response = httpx.post(intake.url + "/api/v1/orders", json=_order(i, address),
                                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert response.status_code == 201, response.text
            numbers[response.json()["order_no"]] = address
    finally:
        _stop(intake)
    upstream = SlowUpstream()
    replicas = [_start(database_url, token, upstream.url, tmp_path / f"replica{i}.log") for i in range(2)]
    try:
        for replica in replicas:
            _wait_ready(replica)
        yield numbers, upstream, database_url
    finally:
        for replica in replicas:
            _stop(replica)
        upstream.close()


def _order(i: int, address: str) -> dict:
    return {"type": "求助", "channel": "wechat", "sender_id": f"oWx-outbox-{i:03d}",
            "description": f"我家楼下的下水道堵了好几天了，污水都漫到路上了（第{i}户）",
            "district": "商州区", "address": address, "contact_name": "刘桂兰", "contact_phone": "13909140001"}


def _outbox(database_url: str) -> dict[str, tuple]:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        rows = conn.execute("SELECT order_no, attempts, sent_at, dead_at FROM outbox").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_two_replicas_and_a_slow_upstream_send_each_order_once(world):
    numbers, upstream, database_url = world
    hopeless = next(no for no, address in numbers.items() if ALWAYS_FAILS in address)
    good = [no for no in numbers if no != hopeless]

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = _outbox(database_url)
        if all(rows[no][1] is not None for no in good) and rows[hopeless][2] is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"outbox did not drain: {_outbox(database_url)}; upstream saw {dict(upstream.requests)}")
    time.sleep(SEND_S * 3)  # anything still in flight would show up now

    assert upstream.overlaps == [], "a row was being sent by two replicas at once"
    assert {no: upstream.accepted[no] for no in good} == {no: 1 for no in good}
    for no in good:
        expected = 2 if FAILS_ONCE in numbers[no] else 1
        assert upstream.requests[no] == expected, (no, upstream.requests[no])
    # the hopeless order: exactly MAX_ATTEMPTS sends across both replicas, then dead
    assert upstream.requests[hopeless] == MAX_ATTEMPTS and upstream.accepted[hopeless] == 0
    attempts, sent_at, dead_at = _outbox(database_url)[hopeless]
    assert (attempts, sent_at) == (MAX_ATTEMPTS, None) and dead_at is not None

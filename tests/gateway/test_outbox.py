"""Outbox to the upstream platform: retries with backoff, idempotent on order_no, tested
against a loopback HTTP receiver that fails, times out and answers slowly."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.models import OutboxMessage
from gateway.services.outbox import backoff, deliver_due

from .conftest import AUTH, TOKEN

T0 = dt.datetime(2025, 1, 6, 2, 0, tzinfo=dt.timezone.utc)


class Receiver:
    """Loopback upstream: answers each request with the next scripted behaviour."""

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.requests: list[dict] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append({"key": self.headers.get("Idempotency-Key"),
                                          "auth": self.headers.get("Authorization"), "body": body})
                action = receiver.script.pop(0) if receiver.script else "ok"
                if action == "hang":
                    receiver.release.wait(5)
                elif action == "slow":
                    time.sleep(0.2)
                status = 500 if action == "fail" else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*script: str) -> Receiver:
        made.append(Receiver(list(script)))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def gateway(db_url):
    settings = Settings(database_url=db_url, api_token=TOKEN, auto_migrate=False)
    app = create_app(settings)
    app.state.clock = lambda: T0 - dt.timedelta(minutes=1)  # orders are created just before T0
    with TestClient(app, headers=AUTH) as client:
        yield app, client


def _deliver(app, url: str, now: dt.datetime, timeout: float = 1.0, max_attempts: int = 12) -> int:
    with httpx.Client(timeout=timeout) as client:
        return deliver_due(app.state.database.sessionmaker, client, url=url, token="up-token", clock=lambda: now,
                           lease_s=30, base_s=2, max_s=60, max_attempts=max_attempts, jitter=lambda: 1.0)


def _messages(app) -> list[OutboxMessage]:
    with app.state.database.sessionmaker() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _create(client, order_payload, **overrides) -> str:
    response = client.post("/api/v1/orders", json=order_payload(**overrides))
    assert response.status_code == 201
    return response.json()["order_no"]


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 2, 60).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7)] == [2, 4, 8, 16, 32, 60, 60]


def test_backoff_jitter_spreads_between_half_and_all():
    assert backoff(3, 2, 60, jitter=0.0).total_seconds() == 4
    assert backoff(3, 2, 60, jitter=0.5).total_seconds() == 6
    assert backoff(7, 2, 60, jitter=0.0).total_seconds() == 30  # the cap is jittered too


def test_after_max_attempts_the_row_is_dead_lettered_and_a_retry_revives_it(gateway, receiver, order_payload):
    from gateway.services.outbox import dead_letters, retry_dead_letter

    app, client = gateway
    up = receiver("fail", "fail", "fail", "ok")
    order_no = _create(client, order_payload)
    at = T0
    for _ in range(3):
        assert _deliver(app, up.url, at, max_attempts=3) == 0
        at += dt.timedelta(minutes=5)
    (message,) = _messages(app)
    assert (message.attempts, message.dead_at, message.last_error) == (3, T0 + dt.timedelta(minutes=10), "HTTP 500")
    assert _deliver(app, up.url, at + dt.timedelta(days=1), max_attempts=3) == 0  # dead: never due again
    assert len(up.requests) == 3
    with app.state.database.sessionmaker() as session:
        rows, total = dead_letters(session)
        assert total == 1 and rows[0].order_no == order_no
        assert retry_dead_letter(session, order_no, at) is True
        assert retry_dead_letter(session, order_no, at) is False  # no longer dead
    assert _deliver(app, up.url, at, max_attempts=3) == 1
    (message,) = _messages(app)
    assert message.sent_at == at and message.dead_at is None and message.attempts == 1


def test_a_failed_row_backs_off_from_when_it_failed_not_from_the_batch_start(gateway, receiver, order_payload):
    """The clock is read per row: a failure late in a slow round is due base·2^(n-1) after it failed."""
    app, client = gateway
    up = receiver("fail")
    _create(client, order_payload)
    readings = iter([T0])  # taken at T0, failed (and every later reading) 50 s later
    with httpx.Client(timeout=1.0) as http:
        deliver_due(app.state.database.sessionmaker, http, url=up.url, token=None,
                    clock=lambda: next(readings, T0 + dt.timedelta(seconds=50)),
                    lease_s=60, base_s=2, max_s=60, jitter=lambda: 1.0)
    assert _messages(app)[0].next_attempt_at == T0 + dt.timedelta(seconds=52)


def test_order_is_forwarded_once_with_its_number_as_key(gateway, receiver, order_payload):
    app, client = gateway
    up = receiver("ok")
    order_no = _create(client, order_payload)
    (message,) = _messages(app)  # written in the order's own transaction
    assert (message.order_no, message.sent_at, message.attempts) == (order_no, None, 0)
    assert _deliver(app, up.url, T0) == 1
    assert _deliver(app, up.url, T0 + dt.timedelta(hours=1)) == 0  # nothing twice
    assert len(up.requests) == 1
    request = up.requests[0]
    assert (request["key"], request["auth"]) == (order_no, "Bearer up-token")
    assert request["body"]["order_no"] == order_no and request["body"]["contact_phone"] == "13800000000"
    (message,) = _messages(app)
    assert (message.sent_at, message.attempts, message.last_error) == (T0, 1, None)


def test_failures_back_off_then_succeed(gateway, receiver, order_payload):
    app, client = gateway
    up = receiver("fail", "fail", "ok")
    _create(client, order_payload)
    assert _deliver(app, up.url, T0) == 0
    (message,) = _messages(app)
    assert (message.attempts, message.last_error, message.next_attempt_at) == (1, "HTTP 500", T0 + dt.timedelta(seconds=2))
    assert _deliver(app, up.url, T0 + dt.timedelta(seconds=1)) == 0 and len(up.requests) == 1  # not due yet
    assert _deliver(app, up.url, T0 + dt.timedelta(seconds=2)) == 0
    assert _messages(app)[0].next_attempt_at == T0 + dt.timedelta(seconds=6)  # 2 s, then 4 s
    assert _deliver(app, up.url, T0 + dt.timedelta(seconds=6)) == 1
    assert [r["key"] for r in up.requests] == [_messages(app)[0].order_no] * 3
    assert _messages(app)[0].sent_at == T0 + dt.timedelta(seconds=6)


def test_timeout_is_a_failure_and_a_slow_answer_is_not(gateway, receiver, order_payload):
    app, client = gateway
    up = receiver("hang", "slow")
    _create(client, order_payload)
    assert _deliver(app, up.url, T0, timeout=0.3) == 0
    (message,) = _messages(app)
    assert message.last_error.startswith("ReadTimeout") and message.sent_at is None
    assert _deliver(app, up.url, T0 + dt.timedelta(seconds=2), timeout=1.0) == 1  # slow (0.2 s) but in time
    assert _messages(app)[0].sent_at is not None


def test_unreachable_upstream_keeps_the_message(gateway, order_payload):
    app, client = gateway
    _create(client, order_payload)
    assert _deliver(app, "http://127.0.0.1:9/orders", T0) == 0
    assert _messages(app)[0].last_error.startswith("ConnectError")


def test_nothing_lost_after_a_crash_and_concurrent_senders_send_once(gateway, receiver, order_payload):
    app, client = gateway
    up = receiver()
    numbers = [_create(client, order_payload, sender_id=f"s{i}") for i in range(5)]
    # "crash": the process that committed the orders never sent them; another one does.
    barrier = threading.Barrier(4)

    def sender() -> int:
        barrier.wait()
        return _deliver(app, up.url, T0)

    results: list[int] = []

    def run() -> None:
        results.append(sender())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 5
    assert sorted(r["key"] for r in up.requests) == sorted(numbers)


def test_anonymous_citizen_name_is_not_forwarded(gateway, receiver, order_payload):
    app, client = gateway
    up = receiver("ok")
    _create(client, order_payload, anonymous=True)
    _deliver(app, up.url, T0)
    assert up.requests[0]["body"]["contact_name"] is None


def test_worker_thread_sends_when_configured(db_url, receiver, order_payload):
    up = receiver("fail", "ok")
    settings = Settings(database_url=db_url, api_token=TOKEN, auto_migrate=False, upstream_url=up.url,
                        outbox_poll_s=0.05, outbox_backoff_base_s=0.05, upstream_timeout_s=2)
    with TestClient(create_app(settings), headers=AUTH) as client:
        order_no = _create(client, order_payload)
        for _ in range(200):
            if len(up.requests) >= 2:
                break
            time.sleep(0.05)
    assert [r["key"] for r in up.requests] == [order_no, order_no]

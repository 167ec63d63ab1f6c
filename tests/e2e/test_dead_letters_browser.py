"""The supervisor's dead-letter list in headless Chromium (issue 12.8): the real gateway
forwards an order to an upstream platform (a real HTTP server on loopback) that refuses
it, gives up after GATEWAY_OUTBOX_MAX_ATTEMPTS, the supervisor sees the order on the
queue page and presses 重新上报 once the upstream is back; the order then arrives once.

Screenshot: var/test-results/screenshots/dead-letters.png.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.support import processes
from tests.support.browser import ConsoleLog, launch, shoot

pytestmark = pytest.mark.slow


class Upstream:
    """The upstream platform: refuses (503) while ``down``; records what it accepted."""

    def __init__(self) -> None:
        self.down = True
        self.accepted: list = []
        self.refused = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if upstream.down:
                    upstream.refused += 1
                    status = 503
                else:
                    upstream.accepted.append(self.headers["Idempotency-Key"])
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _wait(check, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_supervisor_retries_an_order_the_upstream_refused(tmp_path):
    upstream = Upstream()
    token, password = secrets.token_hex(16), secrets.token_urlsafe(18)
    db, events = tmp_path / "gateway.db", tmp_path / "events.db"
    with sqlite3.connect(events) as conn:  # Rasa's SQL broker table, empty: no live conversations
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)")
    gateway = processes.start_gateway(f"sqlite:///{db}", token, extra_env={
        "EVENTS_DB_URL": f"sqlite:///{events}",
        "GATEWAY_UPSTREAM_URL": upstream.url, "GATEWAY_OUTBOX_MAX_ATTEMPTS": "2", "GATEWAY_OUTBOX_POLL_S": "0.2",
        "GATEWAY_OUTBOX_BACKOFF_BASE_S": "0.2", "GATEWAY_UPSTREAM_TIMEOUT_S": "3",
        "CONSOLE_SUPERVISOR_NAME": "值班长", "CONSOLE_SUPERVISOR_PASSWORD": password,
    })
    try:
        body = {"type": "求助", "channel": "wechat", "sender_id": "oWx-e2e-dead", "district": "商南县",
                "description": "村里的自来水管冻裂了，全村停水两天了", "contact_name": "陈德明",
                "contact_phone": "13891408888"}
        response = httpx.post(gateway.url + "/api/v1/orders", json=body,
                              headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 201, response.text
        order_no = response.json()["order_no"]

        def dead() -> bool:
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT dead_at FROM outbox WHERE order_no = ?", (order_no,)).fetchone()
            return bool(row and row[0])

        _wait(dead, "the order to be dead-lettered")
        assert upstream.refused == 2 and upstream.accepted == []

        with launch() as context:
            page = context.new_page()
            log = ConsoleLog(page)
            page.goto(gateway.url + "/console")
            page.fill("input[name=name]", "值班长")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            row = f'#dead-letters tr[data-order-no="{order_no}"]'
            page.wait_for_selector(row)
            assert "HTTP 503" in page.inner_text(row) and page.inner_text("#dead-count") == "1"
            assert "13891408888" not in page.content()
            page.locator(row).scroll_into_view_if_needed()
            shoot(page, "dead-letters")

            upstream.down = False
            page.click(f"{row} button:has-text('重新上报')")
            page.wait_for_selector(f"#toast:has-text('已重新排队上报：{order_no}')")
            _wait(lambda: upstream.accepted, "the retried order to reach the upstream")
            page.wait_for_selector("#dead-letters td.empty")
            assert log.errors == [] and log.dialogs == []
        time.sleep(1)  # a resend would show up within a few polls
        assert upstream.accepted == [order_no]
    finally:
        gateway.stop()
        upstream.close()

"""Fixtures of the console tests: the gateway app (SQLite and PostgreSQL, from the parent
conftest), console users, a Rasa events table, and a real loopback HTTP server standing in
for Rasa's HTTP API (Rasa itself is not running in the gateway suite)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.console import configure_console
from gateway.console.settings import ConsoleSettings
from gateway.console.users import add_user

RASA_TOKEN = "rasa-test-token"
PASSWORD = "correct horse battery"
CONSOLE_TABLES = ("console_audit", "handoffs", "console_sessions", "console_login_failures", "console_known_devices",
                  "console_users")
# 10:00 in Shangluo: inside the default staffed hours 08:00-20:00
DAYTIME = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)


class EventsTable:
    """The table Rasa's SQLEventBroker writes (rasa/core/brokers/sql.py), in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)")

    def add(self, sender_id: str, event: dict[str, Any]) -> None:
        event = {"sender_id": sender_id, "timestamp": time.time(), **event}
        with sqlite3.connect(self.path) as conn:
            conn.execute("INSERT INTO events (sender_id, data) VALUES (?, ?)", (sender_id, json.dumps(event)))

    def user(self, sender_id: str, text: str, channel: str = "rest") -> None:
        self.add(sender_id, {"event": "user", "text": text, "input_channel": channel,
                             "parse_data": {"intent": {"name": "inform"}}})


class FakeRasa:
    """Rasa's `POST /conversations/{id}/tracker/events` on loopback: checks the token and query,
    records each event and, like Rasa with the SQL broker, appends it to the events table."""

    def __init__(self, events: EventsTable) -> None:
        self.events = events
        self.received: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = []
        self.fail = False
        # like Rasa under load: the next `late_answers` events are applied, the answer comes after `late_s`
        self.late_answers = 0
        self.late_s = 1.0
        self.down_after_late = False  # and then Rasa goes down (every later request 500)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = parse_qs(url.query)
                match = re.fullmatch(r"/conversations/(.+)/tracker/events", url.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if fake.fail:
                    status = 500
                elif not match or query.get("token") != [RASA_TOKEN]:
                    status = 401
                else:
                    status = 200
                    sender = unquote(match.group(1))
                    fake.received.append((sender, body, query))
                    fake.events.add(sender, body)
                    with fake.lock:
                        late, fake.late_answers = fake.late_answers > 0, max(fake.late_answers - 1, 0)
                    if late:
                        fake.fail = fake.fail or fake.down_after_late
                        time.sleep(fake.late_s)
                try:
                    self._answer(status)
                except OSError:  # the client gave up waiting
                    pass

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def kinds(self, sender: str) -> list[str]:
        return [event["event"] for s, event, _ in self.received if s == sender]

    def paused(self, sender: str) -> bool:
        """Rasa's view: the last pause/resume event of the conversation was a pause."""
        marks = [kind for kind in self.kinds(sender) if kind in ("pause", "resume")]
        return bool(marks) and marks[-1] == "pause"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def events_table(tmp_path: Path) -> EventsTable:
    return EventsTable(tmp_path / "events.db")


@pytest.fixture
def fake_rasa(events_table: EventsTable) -> Iterator[FakeRasa]:
    fake = FakeRasa(events_table)
    yield fake
    fake.close()


def _truncate_console(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        plain = db_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {', '.join(CONSOLE_TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture
def console_settings(fake_rasa: FakeRasa, events_table: EventsTable) -> ConsoleSettings:
    return ConsoleSettings(rasa_url=fake_rasa.url, rasa_api_token=RASA_TOKEN,
                           events_db_url=f"sqlite:///{events_table.path}", sse_max_s=0.5, sse_interval_s=0.05,
                           redis_url="")


@pytest.fixture
def console_app(app: FastAPI, db_url: str, console_settings: ConsoleSettings) -> FastAPI:
    _truncate_console(db_url)
    configure_console(app, console_settings)
    app.state.clock = lambda: DAYTIME
    with app.state.database.sessionmaker() as session:
        add_user(session, "王芳", "agent", PASSWORD)
        add_user(session, "李强", "agent", PASSWORD)
        add_user(session, "张主任", "supervisor", PASSWORD)
    return app


def login_page_token(client: TestClient) -> str:
    page = client.get("/console/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    token = login_page_token(client)
    return client.post("/console/login", data={"name": name, "password": password, "csrf_token": token},
                       follow_redirects=False)


class AgentClient:
    """A browser of one console user: its own cookies, the CSRF token from the page's meta tag."""

    def __init__(self, app: FastAPI, name: str) -> None:
        self.name = name
        self.client = TestClient(app)
        self.client.__enter__()
        response = login(self.client, name)
        assert response.status_code == 303, response.text
        page = self.client.get("/console")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, body: dict[str, Any], csrf: str | None = "default") -> Any:
        headers = {} if csrf is None else {"X-CSRF-Token": self.csrf if csrf == "default" else csrf}
        return self.client.post(path, json=body, headers=headers)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def agents(console_app: FastAPI) -> Iterator[dict[str, AgentClient]]:
    opened: dict[str, AgentClient] = {}

    class Opener(dict):
        def __missing__(self, name: str) -> AgentClient:
            opened[name] = AgentClient(console_app, name)
            return opened[name]

    yield Opener()
    for client in opened.values():
        client.close()

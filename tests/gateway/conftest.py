"""Fixtures of the gateway suite.

Every API test runs twice: on SQLite (a temporary file) and on PostgreSQL
(a database created for this test session on 127.0.0.1:5432 and dropped at
the end). Schemas are always built with the Alembic migrations, never with
``create_all``. PostgreSQL being unreachable is a failure, not a skip.

Override the server with GATEWAY_TEST_PG_URL or TEST_PG_ADMIN_URL (an admin
URL whose database is used to CREATE/DROP the test databases).
"""

from __future__ import annotations

import os
import json
import secrets
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

# Starlette 1.x suggests httpx2 for its TestClient; httpx works and is what we pin.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from gateway.core.config import Settings  # noqa: E402
from gateway.main import create_app  # noqa: E402
from gateway.migrate import upgrade  # noqa: E402

# Most tests create many similar orders for one sender; duplicate linking
# (第七条（七）) is switched on explicitly in test_duplicates.py.
os.environ["GATEWAY_DUPLICATE_CHECK"] = "false"
# The notification worker (issue 14) would talk to a Rasa that is not there; its tests drive it directly.
os.environ["GATEWAY_NOTIFY_ENABLED"] = "false"

TOKEN = "test-token-" + secrets.token_hex(8)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# An agent token: listing without sender_id is for agent roles and above, not for the bot.
STAFF_TOKEN = "test-agent-" + secrets.token_hex(8)
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "order_events", "idempotency_keys", "orders", "order_no_counters", "direct_answers", "personal_data_reads",
    "outbox", "attachments", "notifications", "result_lookup_failures",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore:.*httpx2.*")


# -- PostgreSQL -------------------------------------------------------------
class PgDatabases:
    """Creates uniquely named databases on the test server; drops them at exit."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"gw_test_{secrets.token_hex(4)}"
        self.created: list[str] = []

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def create(self, suffix: str = "") -> str:
        name = f"{self.prefix}{'_' + suffix if suffix else ''}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = make_url(self.admin_url).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    admin_url = (
        os.environ.get("GATEWAY_TEST_PG_URL")
        or os.environ.get("TEST_PG_ADMIN_URL")  # the name tests/support uses
        or DEFAULT_PG_ADMIN_URL
    )
    admin_url = admin_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(admin_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"PostgreSQL is required by the gateway tests but is not reachable at {admin_url}: "
            f"{exc}. Start it (the CI script does) or point GATEWAY_TEST_PG_URL at a server "
            "where the user may CREATE DATABASE.",
            pytrace=False,
        )
    databases = PgDatabases(admin_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def pg_migrated_url(pg_databases: PgDatabases) -> str:
    url = pg_databases.create("api")
    upgrade(url)
    return url


def _truncate_pg(url: str) -> None:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


# -- SQLite -----------------------------------------------------------------
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _copy_sqlite(template: Path, target: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return f"sqlite:///{target}"


# -- per-test database, app, client -------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return _copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "gateway.db")
    url: str = request.getfixturevalue("pg_migrated_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def backend(db_url: str) -> str:
    return make_url(db_url).get_backend_name()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, api_token=TOKEN, auto_migrate=False,
                    tokens=json.dumps({STAFF_TOKEN: {"role": "agent", "name": "话务员测试"}}))


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=AUTH) as test_client:
        yield test_client


@pytest.fixture
def staff_client(app: FastAPI) -> Iterator[TestClient]:
    """A client with an agent token (may list every order)."""
    with TestClient(app, headers={"Authorization": f"Bearer {STAFF_TOKEN}"}) as test_client:
        yield test_client


@pytest.fixture
def raw_client(app: FastAPI) -> Iterator[TestClient]:
    """A client without the Authorization header."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def order_payload() -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "投诉",
            "channel": "rest",
            "sender_id": "user-001",
            "description": "小区门口的路灯坏了一个星期，晚上很黑。",
            "district": "商州区",
            "address": "北新街 12 号",
            "occurred_at": "昨天晚上十点",
            "contact_name": "张三",
            "contact_phone": "13800000000",
            "anonymous": False,
            "reply_required": True,
            "conversation_id": "conv-1",
        }
        payload.update(overrides)
        return {k: v for k, v in payload.items() if v is not ...}

    return make


@pytest.fixture
def db_rows(app: FastAPI) -> Callable[[str], list[dict[str, Any]]]:
    """Read all rows of a table straight from the database."""
    from sqlalchemy import text

    def rows(table: str) -> list[dict[str, Any]]:
        assert table in TABLES
        with app.state.database.engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
            return [dict(row._mapping) for row in result]

    return rows

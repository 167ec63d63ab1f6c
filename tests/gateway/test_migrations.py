"""Alembic migrations: up/down/up, no drift from the ORM models, append-only events."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gateway.core.config import Settings
from gateway.core.db import make_engine
from gateway.main import create_app
from gateway.migrate import downgrade, upgrade
from gateway.models import Base

REPO_ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count(1)
APP_TABLES = {"orders", "order_events", "idempotency_keys", "order_no_counters"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables at all)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    databases = request.getfixturevalue("pg_databases")
    return databases.create(f"mig{next(_counter)}")


def _head() -> str:
    from alembic.script import ScriptDirectory

    from gateway.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_revisions_form_one_chain():
    from alembic.script import ScriptDirectory

    from gateway.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in script.walk_revisions()]
    assert revisions[-1] == "0001_initial"
    assert revisions[0] == _head() and "0002_order_fields" in revisions


def test_upgrade_from_0001_keeps_existing_orders(fresh_url):
    """An order stored before 0002 survives the upgrade with the new defaults."""
    upgrade(fresh_url, "0001_initial")
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO orders (order_no, type, status, channel, sender_id, anonymous, reply_required,"
                " description, created_at, updated_at, due_at) VALUES ('SL20260105000001', '求助', 'received',"
                " 'rest', 'old', false, true, '旧工单内容描述', '2026-01-05 01:00:00', '2026-01-05 01:00:00',"
                " '2026-01-12 15:59:59')"
            ))
        upgrade(fresh_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT urgent, category, co_units FROM orders")).one()
        assert (bool(row[0]), row[1], row[2]) == (False, None, None)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _drift(url: str) -> list:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_url):
    assert _tables(fresh_url) == set()
    upgrade(fresh_url)
    assert APP_TABLES <= _tables(fresh_url)
    upgrade(fresh_url)  # idempotent
    downgrade(fresh_url, "base")
    assert _tables(fresh_url) - {"alembic_version"} == set()
    upgrade(fresh_url)
    assert APP_TABLES <= _tables(fresh_url)


def test_migrations_match_the_models(fresh_url):
    upgrade(fresh_url)
    assert _drift(fresh_url) == []


def test_order_events_are_append_only(app, client, order_payload, backend):
    order_no = client.post("/api/v1/orders", json=order_payload()).json()["order_no"]
    engine = app.state.database.engine
    for statement in ("UPDATE order_events SET actor = 'someone else'", "DELETE FROM order_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM order_events")).scalar_one() == 1
    assert client.get(f"/api/v1/orders/{order_no}", params={"sender_id": "user-001"}).status_code == 200


def test_app_migrates_at_start_up(fresh_url, order_payload):
    settings = Settings(database_url=fresh_url, api_token="s" * 24, auto_migrate=True)
    with TestClient(create_app(settings), headers={"Authorization": "Bearer " + "s" * 24}) as client:
        assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    assert APP_TABLES <= _tables(fresh_url)


def test_app_without_auto_migrate_reports_missing_schema_as_error(tmp_path, order_payload):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = Settings(database_url=url, api_token="s" * 24, auto_migrate=False)
    app = create_app(settings)
    with TestClient(app, headers={"Authorization": "Bearer " + "s" * 24}, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/orders", json=order_payload())
    assert response.status_code in (500, 503)
    assert "detail" in response.json()


def _run(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GATEWAY_DATABASE_URL")}
    env.update(PYTHONPATH=str(REPO_ROOT), **env_extra)
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_migrate_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = _run([sys.executable, "-m", "gateway.migrate", "--database-url", url, "upgrade"], {})
    assert done.returncode == 0, done.stderr
    current = _run([sys.executable, "-m", "gateway.migrate", "current"], {"DATABASE_URL": url})
    assert current.returncode == 0, current.stderr
    assert f"Rev: {_head()} (head)" in current.stdout
    assert APP_TABLES <= _tables(url)


def test_plain_alembic_reads_the_url_from_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'alembic.db'}"
    alembic = str(Path(sys.executable).with_name("alembic"))
    done = _run([alembic, "-c", "gateway/alembic.ini", "upgrade", "head"], {"GATEWAY_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    assert APP_TABLES <= _tables(url)
    assert _drift(url) == []

"""scripts/render_endpoints.py: the SQL event broker the agent console reads (issue 7)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("render_endpoints", ROOT / "scripts" / "render_endpoints.py")
render_endpoints = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_endpoints)

BASE = {"action_endpoint": {"url": "http://127.0.0.1:5055/webhook"}}


def test_default_is_a_sqlite_file_under_the_repository():
    broker = render_endpoints.render(BASE, {})["event_broker"]
    assert broker == {"type": "SQL", "url": f"sqlite:///{ROOT / 'var' / 'events.db'}"}


def test_relative_sqlite_paths_are_made_absolute(tmp_path):
    broker = render_endpoints.events_broker("sqlite:///sub/ev.db", root=tmp_path)
    assert broker["url"] == f"sqlite:///{tmp_path / 'sub' / 'ev.db'}"
    assert (tmp_path / "sub").is_dir()
    assert render_endpoints.events_broker(f"sqlite:///{tmp_path}/abs.db")["url"] == f"sqlite:///{tmp_path}/abs.db"


@pytest.mark.parametrize("url", [
    "postgresql://u:p@db:5432/events", "postgresql+psycopg://u:p@db:5432/events", "postgres://u:p@db:5432/events",
])
def test_postgresql_urls_use_the_driver_of_rasas_venv(url):
    broker = render_endpoints.render(BASE, {"EVENTS_DB_URL": url})["event_broker"]
    assert broker == {"type": "SQL", "url": "postgresql://u:p@db:5432/events"}


def test_off_disables_the_broker_and_other_schemes_are_refused():
    assert "event_broker" not in render_endpoints.render(BASE, {"EVENTS_DB_URL": "off"})
    with pytest.raises(SystemExit) as error:
        render_endpoints.render(BASE, {"EVENTS_DB_URL": "mysql://secret@host/db"})
    assert "secret" not in str(error.value)


def test_rasa_builds_its_sql_broker_from_the_rendered_config(tmp_path):
    """The rendered entry is what Rasa's own SQLEventBroker accepts: it writes table `events`."""
    import asyncio
    import json
    import sqlite3

    from rasa.core.brokers.broker import EventBroker
    from rasa.utils.endpoints import EndpointConfig

    entry = render_endpoints.events_broker(f"sqlite:///{tmp_path}/events.db")
    broker = asyncio.run(EventBroker.create(EndpointConfig.from_dict(entry)))
    broker.publish({"event": "user", "sender_id": "s1", "text": "你好"})
    rows = sqlite3.connect(tmp_path / "events.db").execute("SELECT id, sender_id, data FROM events").fetchall()
    assert rows[0][1] == "s1" and json.loads(rows[0][2])["text"] == "你好"


def test_the_action_server_token_is_a_header_read_from_rasa_s_environment():
    rendered = render_endpoints.render(BASE, {"ACTION_SERVER_TOKEN": "s3cret"})
    assert rendered["action_endpoint"]["headers"] == {"X-Action-Token": "${ACTION_SERVER_TOKEN}"}
    assert "s3cret" not in repr(rendered)  # never written into var/endpoints.runtime.*.yml
    assert "headers" not in render_endpoints.render(BASE, {})["action_endpoint"]


def test_redis_gives_the_tracker_store_and_the_lock_store_that_holds_across_servers():
    rendered = render_endpoints.render(BASE, {"REDIS_URL": "redis://:pw@10.0.0.5:6380/2", "REDIS_KEY_PREFIX": "sl"})
    assert rendered["tracker_store"]["type"] == "redis"
    lock = rendered["lock_store"]
    assert lock["type"] == "bot.lock_store.ConcurrentRedisLockStore"  # not Rasa's "redis" (RasaHQ/rasa#9213)
    assert (lock["url"], lock["port"], lock["db"], lock["password"], lock["key_prefix"]) == ("10.0.0.5", 6380, 2, "pw", "sl")
    assert "lock_store" not in render_endpoints.render(BASE, {})  # one process: Rasa's in-memory lock

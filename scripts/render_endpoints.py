"""Writes the endpoints file the Rasa server runs with, from endpoints.yml and the environment.

Environment:
  ACTION_SERVER_URL   action server webhook (default: the one in endpoints.yml)
  ACTION_SERVER_TOKEN when set, Rasa sends it as the X-Action-Token header the action server
                      checks (bot/action_server.py); written as ${ACTION_SERVER_TOKEN}, which
                      Rasa reads from its environment, so the token never lands in the file
  REDIS_URL           redis://[:password@]host:port/db → Redis tracker store and the lock store
                      bot.lock_store.ConcurrentRedisLockStore (safe across Rasa servers)
  TRACKER_RECORD_EXP  seconds a conversation is kept in Redis after its last event (default 7 days)
  REDIS_KEY_PREFIX    key prefix, so several deployments can share one Redis (default hotline)
  EVENTS_DB_URL       SQL event broker (table `events`) the agent console reads transcripts from:
                      sqlite:///var/events.db (default, relative to the repository) or
                      postgresql://user:pass@host:port/db; "off" disables the broker
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVENTS_DB_URL = "sqlite:///var/events.db"
ACTION_TOKEN_HEADER = "X-Action-Token"  # bot/action_server.py TOKEN_HEADER
LOCK_STORE_CLASS = "bot.lock_store.ConcurrentRedisLockStore"


def events_broker(url: str, root: Path = ROOT) -> dict:
    """endpoints.yml `event_broker` for Rasa's SQLEventBroker (it takes a full URL as `url`)."""
    url = url.strip()
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.is_absolute():
            path = root / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return {"type": "SQL", "url": f"sqlite:///{path}"}
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://", "postgresql://"):
        if url.startswith(prefix):
            # Rasa's venv talks to PostgreSQL through psycopg2, SQLAlchemy's default driver
            return {"type": "SQL", "url": "postgresql://" + url[len(prefix):]}
    raise SystemExit(f"EVENTS_DB_URL must start with sqlite:/// or postgresql://, got {url.split('@')[-1]!r}")


def render(base: dict, env: dict) -> dict:
    endpoints = dict(base)
    if env.get("ACTION_SERVER_URL"):
        endpoints["action_endpoint"] = {"url": env["ACTION_SERVER_URL"]}
    if env.get("ACTION_SERVER_TOKEN") and endpoints.get("action_endpoint"):
        action = dict(endpoints["action_endpoint"])
        action["headers"] = {**(action.get("headers") or {}), ACTION_TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
        endpoints["action_endpoint"] = action
    redis_url = env.get("REDIS_URL")
    if redis_url:
        url = urlparse(redis_url)
        if url.scheme not in ("redis", "rediss"):
            raise SystemExit(f"REDIS_URL must start with redis:// or rediss://, got {redis_url!r}")
        common = {
            "type": "redis",
            "url": url.hostname or "127.0.0.1",
            "port": url.port or 6379,
            "db": int((url.path or "/0").lstrip("/") or 0),
            "key_prefix": env.get("REDIS_KEY_PREFIX", "hotline"),
        }
        if url.password:
            common["password"] = url.password
        if url.scheme == "rediss":
            common["use_ssl"] = True
        endpoints["tracker_store"] = {**common, "record_exp": int(env.get("TRACKER_RECORD_EXP", 7 * 24 * 3600))}
        # Rasa's own "redis" lock store is not safe across servers (RasaHQ/rasa#9213):
        # bot/lock_store.py changes the ticket queue only atomically
        endpoints["lock_store"] = {**common, "type": LOCK_STORE_CLASS}
    events_url = (env.get("EVENTS_DB_URL") or DEFAULT_EVENTS_DB_URL).strip()
    if events_url.lower() != "off":
        endpoints["event_broker"] = events_broker(events_url)
    return endpoints


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as handle:
        base = yaml.safe_load(handle) or {}
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    with open(target, "w", encoding="utf-8") as handle:
        yaml.safe_dump(render(base, dict(os.environ)), handle, allow_unicode=True, sort_keys=False)


if __name__ == "__main__":
    main()

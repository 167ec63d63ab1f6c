"""Writes the endpoints file the Rasa server runs with, from endpoints.yml and the environment.

Environment:
  ACTION_SERVER_URL   action server webhook (default: the one in endpoints.yml)
  REDIS_URL           redis://[:password@]host:port/db → Redis tracker and lock stores
  TRACKER_RECORD_EXP  seconds a conversation is kept in Redis after its last event (default 7 days)
  REDIS_KEY_PREFIX    key prefix, so several deployments can share one Redis (default hotline)
"""
from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import yaml


def render(base: dict, env: dict) -> dict:
    endpoints = dict(base)
    if env.get("ACTION_SERVER_URL"):
        endpoints["action_endpoint"] = {"url": env["ACTION_SERVER_URL"]}
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
        endpoints["lock_store"] = dict(common)
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

"""Rasa's SQL event broker table ``events(id, sender_id, data)`` (EVENTS_DB_URL): every text
and slot of every conversation. Events older than the period are deleted (their JSON
``timestamp``), in batches so the Rasa server's inserts never wait long."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, Float, cast, delete, func, inspect, select, text

from gateway.console.events_store import events_table

BATCH = 5000


def _timestamp(engine: Engine):  # noqa: ANN202 - an SQL expression
    if engine.dialect.name == "postgresql":
        return cast(text("(data::json ->> 'timestamp')"), Float)
    return func.json_extract(events_table.c.data, "$.timestamp")


def prune_events(engine: Engine, *, cutoff: dt.datetime, dry_run: bool) -> int | None:
    """Deletes (or counts) events older than ``cutoff``; None when the table does not exist yet."""
    if not inspect(engine).has_table("events"):
        return None
    old = _timestamp(engine) < cutoff.timestamp()
    with engine.connect() as conn:
        if dry_run:
            return int(conn.scalar(select(func.count()).select_from(events_table).where(old)) or 0)
        deleted = 0
        while True:
            ids = list(conn.scalars(select(events_table.c.id).where(old).order_by(events_table.c.id).limit(BATCH)))
            if not ids:
                return deleted
            deleted += conn.execute(delete(events_table).where(events_table.c.id.in_(ids))).rowcount or 0
            conn.commit()

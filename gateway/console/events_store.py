"""Reads Rasa's SQL event broker table ``events(id, sender_id, data)`` (EVENTS_DB_URL).

Rasa writes every tracker event there as JSON (rasa/core/brokers/sql.py); the
console builds the list of live conversations, transcripts and the details the
bot has collected (slots) from it. Read-only; a missing table reads as empty.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, create_engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

logger = logging.getLogger("gateway.console")

_metadata = MetaData()
events_table = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("data", Text),
)

SHOWN_EVENTS = ("user", "bot", "pause", "resume", "session_started")
TRANSCRIPT_LIMIT = 500


@dataclass
class Turn:
    id: int
    kind: str  # user | bot | agent | pause | resume | session_started
    text: str
    at: float | None
    agent: str | None = None


@dataclass
class Conversation:
    sender_id: str
    channel: str = ""
    turns: list[Turn] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    last_id: int = 0


@dataclass
class LiveConversation:
    sender_id: str
    channel: str
    last_at: float | None
    last_text: str
    last_id: int


class EventsStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            kwargs: dict[str, Any] = {"pool_pre_ping": True}
            if self.url.startswith("sqlite"):
                kwargs = {"connect_args": {"check_same_thread": False, "timeout": 5}}
            self._engine = create_engine(self.url, **kwargs)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _rows(self, query: Any) -> list[Any]:
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(query))
        except (OperationalError, ProgrammingError) as error:
            # table not created yet (Rasa has not started) or database unreachable
            logger.debug("events table not readable: %s", error)
            return []

    def max_id(self) -> int:
        rows = self._rows(select(func.max(events_table.c.id)))
        return int(rows[0][0] or 0) if rows else 0

    def conversation(self, sender_id: str) -> Conversation:
        rows = self._rows(
            select(events_table.c.id, events_table.c.data)
            .where(events_table.c.sender_id == sender_id).order_by(events_table.c.id)
        )
        conv = Conversation(sender_id=sender_id)
        for row_id, data in rows:
            event = _load(data)
            if event is None:
                continue
            conv.last_id = row_id
            name = event.get("event")
            if name in ("session_started", "restart"):
                conv.slots = {}
            if name == "slot" and isinstance(event.get("name"), str):
                conv.slots[event["name"]] = event.get("value")
            if name == "user" and event.get("input_channel"):
                conv.channel = str(event["input_channel"])
            if name == "pause":
                conv.paused = True
            elif name in ("resume", "restart"):
                conv.paused = False
            if name in SHOWN_EVENTS:
                turn = _turn(row_id, event)
                if turn is not None:
                    conv.turns.append(turn)
        conv.turns = conv.turns[-TRANSCRIPT_LIMIT:]
        return conv

    def live(self, minutes: int, limit: int = 100) -> list[LiveConversation]:
        """Conversations with a citizen message in the last ``minutes``, the latest first."""
        latest = (select(events_table.c.sender_id, func.max(events_table.c.id).label("last_id"))
                  .where(events_table.c.data.like('%"event": "user"%'))
                  .group_by(events_table.c.sender_id)
                  .order_by(func.max(events_table.c.id).desc()).limit(limit * 3))
        rows = self._rows(latest)
        if not rows:
            return []
        ids = [row[1] for row in rows]
        data_rows = {r[0]: r for r in self._rows(
            select(events_table.c.id, events_table.c.sender_id, events_table.c.data).where(events_table.c.id.in_(ids)))}
        cutoff = time.time() - minutes * 60
        found: list[LiveConversation] = []
        for sender_id, last_id in rows:
            row = data_rows.get(last_id)
            event = _load(row[2]) if row else None
            if event is None:
                continue
            at = event.get("timestamp")
            if isinstance(at, (int, float)) and at < cutoff:
                continue
            found.append(LiveConversation(sender_id=sender_id, channel=str(event.get("input_channel") or ""),
                                          last_at=at if isinstance(at, (int, float)) else None,
                                          last_text=str(event.get("text") or "")[:200], last_id=last_id))
            if len(found) >= limit:
                break
        return found


def _load(data: Any) -> dict[str, Any] | None:
    try:
        event = json.loads(data)
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


def _turn(row_id: int, event: dict[str, Any]) -> Turn | None:
    name = event["event"]
    at = event.get("timestamp") if isinstance(event.get("timestamp"), (int, float)) else None
    if name == "user":
        return Turn(row_id, "user", str(event.get("text") or ""), at)
    if name == "bot":
        metadata = event.get("metadata") or {}
        agent = metadata.get("agent") if isinstance(metadata, dict) else None
        text = str(event.get("text") or "")
        data = event.get("data") or {}
        buttons = data.get("buttons") if isinstance(data, dict) else None
        if buttons:
            text += "".join(f"\n［{b.get('title', '')}］" for b in buttons if isinstance(b, dict))
        if not text:
            return None
        return Turn(row_id, "agent" if agent else "bot", text, at, agent=str(agent) if agent else None)
    return Turn(row_id, name, "", at)

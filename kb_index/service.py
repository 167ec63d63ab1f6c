"""HTTP search service over a knowledge-base index (FastAPI; one process per index).

    POST /api/v1/search {"query": "...", "k": 5, "channel": "wechat"}
         -> {"zone": "answer"|"suggest"|"none", "hits": [{id, question, answer, department, score}], "build_id"}
    GET  /api/v1/gaps?since=2026-11-01&limit=100&format=json|csv   knowledge gaps (zone none)
    GET  /health

A newer build in the index directory is picked up at the next request (checked at
most every KB_RELOAD_CHECK_S seconds); requests already running keep the build they
started with. If a new build cannot be loaded, the old one keeps serving.
Bearer token: set KB_API_TOKEN to require `Authorization: Bearer <token>` on /api/*.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import List, Optional

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from kb_index.index import KBIndex, current_build_dir

log = logging.getLogger("kb_index.service")


class IndexHolder:
    def __init__(self, out: Path, check_every_s: float):
        self.out = Path(out)
        self.check_every_s = check_every_s
        self._index: Optional[KBIndex] = None
        self._loaded_dir: Optional[Path] = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.last_error: Optional[str] = None

    def get(self) -> Optional[KBIndex]:
        now = time.monotonic()
        if self._index is None or now - self._checked >= self.check_every_s:
            self._maybe_reload(now)
        return self._index

    def _maybe_reload(self, now: float) -> None:
        if not self._lock.acquire(blocking=self._index is None):
            return  # another request is reloading; keep serving the loaded build
        try:
            self._checked = now
            build_dir = current_build_dir(self.out)
            if build_dir is None or build_dir == self._loaded_dir:
                return
            try:
                index = KBIndex(build_dir)
                index.rank("预热")  # warm the embedder before switching
            except Exception as exc:  # keep the old build serving
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("cannot load index %s: %s", build_dir, self.last_error)
                return
            self._index, self._loaded_dir, self.last_error = index, build_dir, None
            log.info("serving index build %s (%d entries)", index.build_id, len(index.entries))
        finally:
            self._lock.release()


class GapStore:
    """Questions the knowledge base could not answer, in SQLite."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("""CREATE TABLE IF NOT EXISTS gaps (
                id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, asked_at TEXT NOT NULL,
                channel TEXT NOT NULL DEFAULT '', build_id TEXT NOT NULL DEFAULT '', candidates TEXT NOT NULL)""")
            db.execute("CREATE INDEX IF NOT EXISTS gaps_asked_at ON gaps(asked_at)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, question: str, channel: str, build_id: str, candidates: List[dict]) -> None:
        asked_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO gaps(question, asked_at, channel, build_id, candidates) VALUES (?,?,?,?,?)",
                       (question, asked_at, channel, build_id, json.dumps(candidates, ensure_ascii=False)))

    def list(self, since: Optional[str], limit: int) -> List[dict]:
        sql, args = "SELECT id, question, asked_at, channel, build_id, candidates FROM gaps", []
        if since:
            sql += " WHERE asked_at >= ?"
            args.append(since)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        with self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        return [{"id": r[0], "question": r[1], "asked_at": r[2], "channel": r[3], "build_id": r[4],
                 "candidates": json.loads(r[5])} for r in rows]


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=5, ge=1, le=50)
    channel: str = Field(default="", max_length=64)
    record_gap: bool = True


def _require_token(authorization: Optional[str] = Header(default=None)) -> None:
    token = os.environ.get("KB_API_TOKEN", "")
    if not token:
        return
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise HTTPException(status_code=401, detail="missing or wrong bearer token")


def create_app(index_dir: Optional[str] = None, gaps_db: Optional[str] = None) -> FastAPI:
    holder = IndexHolder(Path(index_dir or os.environ.get("KB_INDEX_DIR", "var/kb_index")),
                         float(os.environ.get("KB_RELOAD_CHECK_S", "2")))
    gaps = GapStore(Path(gaps_db or os.environ.get("KB_GAPS_DB", "var/kb_gaps.sqlite3")))
    app = FastAPI(title="12345 knowledge-base search", version="1")

    @app.get("/health")
    def health():
        index = holder.get()
        if index is None:
            raise HTTPException(status_code=503, detail="no index loaded: " + (holder.last_error or "none built"))
        return {"status": "ok", "build_id": index.build_id, "entries": len(index.entries),
                "embedder": index.meta["embedder"], "last_reload_error": holder.last_error}

    @app.post("/api/v1/search", dependencies=[Depends(_require_token)])
    def search(req: SearchRequest):  # sync: FastAPI runs it in its thread pool
        index = holder.get()
        if index is None:
            raise HTTPException(status_code=503, detail="no index loaded")
        result = index.search(req.query, req.k)
        if result.zone == "none" and req.record_gap:
            try:
                gaps.add(req.query.strip(), req.channel, index.build_id,
                         [{"id": h.id, "question": h.question, "score": h.score} for h in result.candidates[:3]])
            except sqlite3.Error as exc:  # a gap not recorded must not fail the answer
                log.error("cannot record knowledge gap: %s", exc)
        return {"zone": result.zone, "build_id": index.build_id,
                "hits": [{"id": h.id, "question": h.question, "answer": h.answer, "department": h.department,
                          "score": h.score} for h in result.hits]}

    @app.get("/api/v1/gaps", dependencies=[Depends(_require_token)])
    def list_gaps(since: Optional[str] = None, limit: int = Query(default=500, ge=1, le=100000),
                  format: str = Query(default="json", pattern="^(json|csv)$")):
        items = gaps.list(since, limit)
        if format == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(["id", "question", "asked_at", "channel", "build_id", "best_candidates"])
            for g in items:
                writer.writerow([g["id"], g["question"], g["asked_at"], g["channel"], g["build_id"],
                                 " | ".join(f"{c['id']} {c['question']} ({c['score']:.3f})" for c in g["candidates"])])
            return PlainTextResponse(buf.getvalue(), media_type="text/csv; charset=utf-8",
                                     headers={"Content-Disposition": "attachment; filename=kb_gaps.csv"})
        return {"items": items, "count": len(items)}

    app.state.holder, app.state.gaps = holder, gaps
    return app


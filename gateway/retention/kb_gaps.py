"""Knowledge gaps of the KB service (SQLite ``gaps``, KB_GAPS_DB): the citizens' raw questions."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path


def prune_gaps(path: Path, *, cutoff: dt.datetime, dry_run: bool) -> int | None:
    """Deletes gaps asked before ``cutoff``; None when the KB service has not created its file."""
    if not path.is_file():
        return None
    since = cutoff.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    db = sqlite3.connect(path, timeout=30)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='gaps'").fetchone():
            return None
        if dry_run:
            return int(db.execute("SELECT count(*) FROM gaps WHERE asked_at < ?", (since,)).fetchone()[0])
        with db:
            return db.execute("DELETE FROM gaps WHERE asked_at < ?", (since,)).rowcount
    finally:
        db.close()

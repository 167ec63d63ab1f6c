"""Applies the retention policy to every store of personal data.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.retention prune [--dry-run]
    PYTHONPATH=. .venv/svc/bin/python -m gateway.retention loop     # make run: at start, then every 24 h

Periods: RETENTION_*_DAYS (docs/security.md, "Retention"). Prints one line per kind of data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import threading

from gateway.console.settings import ConsoleSettings
from gateway.core.config import Settings
from gateway.retention.policy import RetentionPolicy
from gateway.retention.prune import run
from gateway.retention.result import table


def prune_once(*, dry_run: bool, as_of: dt.datetime | None = None) -> int:
    now = as_of or dt.datetime.now(dt.timezone.utc)
    results = run(RetentionPolicy(), Settings(), ConsoleSettings(), now=now, dry_run=dry_run)
    print(f"retention {'dry run' if dry_run else 'prune'} at {now.isoformat(timespec='seconds')}", flush=True)
    print(table(results, dry_run=dry_run), flush=True)
    return 1 if any(r.action.startswith("failed") for r in results) else 0


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def loop() -> int:
    stop = threading.Event()
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda *_: stop.set())
    interval = RetentionPolicy().interval_hours * 3600
    while not stop.is_set():
        try:
            prune_once(dry_run=False)
        except Exception:  # a broken setting or store is logged; the loop (and honcho) go on
            logging.getLogger("gateway.retention").exception("retention prune failed")
        stop.wait(interval)
    return 0


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # whatever a prune creates (SQLite journals) is the owner's only
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m gateway.retention", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prune = commands.add_parser("prune", help="prune once and print what was pruned per kind of data")
    prune.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    prune.add_argument("--as-of", type=_moment, default=None, metavar="DATE",
                       help="prune as if it were DATE (ISO, e.g. 2027-12-31): with --dry-run, what will go by then")
    commands.add_parser("loop", help="prune at start, then every RETENTION_INTERVAL_HOURS (24)")
    args = parser.parse_args(argv)
    if args.command == "loop":
        return loop()
    return prune_once(dry_run=args.dry_run, as_of=args.as_of)


if __name__ == "__main__":
    sys.exit(main())

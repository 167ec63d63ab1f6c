"""Deletes attachments that were uploaded but never linked to an order.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.prune_attachments --days 30

Channels upload a citizen's photo before the order exists; when no order follows
(the citizen gave up), the upload stays unlinked. `make run` already does this daily as
part of `python -m gateway.retention` (RETENTION_UNLINKED_ATTACHMENT_DAYS, default 30);
this command stays for a one-off run. Files still used by a linked attachment are never
deleted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.services.attachments import AttachmentStore, prune_unlinked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.prune_attachments", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0, help="keep unlinked uploads this long (default 30)")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    settings = Settings()
    database = Database(settings.database_url)
    try:
        with database.sessionmaker() as session:
            report = prune_unlinked(session, AttachmentStore(settings.attachments_dir),
                                    older_than=dt.timedelta(days=args.days), now=dt.datetime.now(dt.timezone.utc))
    finally:
        database.dispose()
    print(f"deleted {report.rows} unlinked attachments and {report.files} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Deletes attachments that were uploaded but never linked to an order.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli prune-attachments --days 30

(``python -m gateway.prune_attachments …`` runs the same command.)

Channels upload a citizen's photo before the order exists; when no order follows
(the citizen gave up), the upload stays unlinked. `make run` already does this daily as
part of `python -m gateway.retention` (RETENTION_UNLINKED_ATTACHMENT_DAYS, default 30);
this command stays for a one-off run. Files still used by a linked attachment are never
deleted.
"""

from __future__ import annotations

import datetime as dt
import sys

from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.services.attachments import AttachmentStore, PruneReport, prune_unlinked


def prune(older_than: dt.timedelta) -> PruneReport:
    """Deletes the uploads unlinked for longer than ``older_than`` (database and folder of the settings)."""
    settings = Settings()
    database = Database(settings.database_url)
    try:
        with database.sessionmaker() as session:
            return prune_unlinked(session, AttachmentStore(settings.attachments_dir), older_than=older_than,
                                  now=dt.datetime.now(dt.timezone.utc))
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> int:
    """The older spelling of ``python -m gateway.cli prune-attachments`` (gateway/cli.py)."""
    from gateway.cli import main as cli

    return cli(["prune-attachments", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())

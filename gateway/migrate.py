"""Database migrations (Alembic), usable from code and from the command line.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.migrate upgrade      # to head
    PYTHONPATH=. .venv/svc/bin/python -m gateway.migrate downgrade base
    PYTHONPATH=. .venv/svc/bin/python -m gateway.migrate current

The URL comes from ``--database-url`` or the settings (``DATABASE_URL``).
The app also runs ``upgrade`` at start-up unless ``GATEWAY_AUTO_MIGRATE=false``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from gateway.core.config import Settings, normalise_database_url

ALEMBIC_INI = Path(__file__).resolve().with_name("alembic.ini")
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def alembic_config(database_url: str | None = None, *, configure_logging: bool = False) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: URLs may contain '%'.
    config.attributes["database_url"] = normalise_database_url(
        database_url or Settings().database_url
    )
    config.attributes["configure_logging"] = configure_logging
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.migrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="overrides DATABASE_URL / GATEWAY_DATABASE_URL")
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("upgrade", help="upgrade to a revision (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="downgrade to a revision (e.g. -1 or base)")
    down.add_argument("revision")
    sub.add_parser("current", help="show the current revision")
    sub.add_parser("history", help="list the migrations")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = alembic_config(args.database_url)
    if args.action == "upgrade":
        command.upgrade(config, args.revision)
    elif args.action == "downgrade":
        command.downgrade(config, args.revision)
    elif args.action == "current":
        command.current(config, verbose=True)
    else:
        command.history(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Database migrations (Alembic), usable from code and from the command line.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli migrate upgrade      # to head
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli migrate downgrade base
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli migrate current

(``python -m gateway.migrate …`` runs the same command.)

The URL comes from ``--database-url`` or the settings (``DATABASE_URL``).
The app also runs ``upgrade`` at start-up unless ``GATEWAY_AUTO_MIGRATE=false``.
"""

from __future__ import annotations

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
    """The older spelling of ``python -m gateway.cli migrate`` (gateway/cli.py)."""
    from gateway.cli import main as cli

    return cli(["migrate", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())

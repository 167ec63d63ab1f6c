"""The gateway's commands behind one entry point.

    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli migrate upgrade          # to head; downgrade REV, current, history
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli report --from 2025-01-01 --to 2025-01-31 --out var/reports
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli prune-attachments --days 30
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli retention prune [--dry-run] | loop
    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli users add 王芳 --role agent | passwd | disable | enable | list

The older spellings (``python -m gateway.migrate``, ``gateway.report``, ``gateway.prune_attachments``,
``gateway.retention``, ``gateway.console.users``) run the same commands.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

PROG = "python -m gateway.cli"

# commands whose parser still lives in their own module: the rest of the line is handed to its main()
DELEGATED = {
    "retention": ("gateway.retention.__main__", "the retention policy over every store: prune [--dry-run] | loop"),
    "users": ("gateway.console.users", "console users: add | passwd | disable | enable | list"),
}


def _migrate(args: argparse.Namespace) -> int:
    import logging

    from alembic import command

    from gateway.migrate import alembic_config

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


def _report(args: argparse.Namespace) -> int:
    from gateway.report import generate

    if args.end < args.start:
        args.parser.error("--to must not be before --from")
    for path in generate(args.start, args.end, args.out, database_url=args.database_url):
        print(path)
    return 0


def _prune_attachments(args: argparse.Namespace) -> int:
    from gateway.prune_attachments import prune

    if args.days < 1:
        args.parser.error("--days must be at least 1")
    report = prune(dt.timedelta(days=args.days))
    print(f"deleted {report.rows} unlinked attachments and {report.files} files")
    return 0


def _command(commands: argparse._SubParsersAction, name: str, run: Callable[[argparse.Namespace], int],
             help_text: str, **kwargs: object) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.set_defaults(run=run, parser=parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    migrate = _command(commands, "migrate", _migrate, "database migrations (Alembic)")
    migrate.add_argument("--database-url", help="overrides DATABASE_URL / GATEWAY_DATABASE_URL")
    actions = migrate.add_subparsers(dest="action", required=True)
    up = actions.add_parser("upgrade", help="upgrade to a revision (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    down = actions.add_parser("downgrade", help="downgrade to a revision (e.g. -1 or base)")
    down.add_argument("revision")
    actions.add_parser("current", help="show the current revision")
    actions.add_parser("history", help="list the migrations")

    report = _command(commands, "report", _report,
                      "the monthly report as Markdown and HTML (report-<from>-<to>.md and .html; no personal data)")
    report.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
    report.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat)
    report.add_argument("--out", type=Path, default=Path("var/reports"))
    report.add_argument("--database-url", default=None)

    prune = _command(commands, "prune-attachments", _prune_attachments,
                     "delete uploads never linked to an order (one-off; the retention loop does it daily)")
    prune.add_argument("--days", type=float, default=30.0, help="keep unlinked uploads this long (default 30)")

    for name, (_module, help_text) in DELEGATED.items():
        commands.add_parser(name, help=help_text, add_help=False)  # listed here, parsed by its module
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DELEGATED:
        module = importlib.import_module(DELEGATED[args[0]][0])
        return int(module.main(args[1:]))
    parsed = build_parser().parse_args(args)
    return int(parsed.run(parsed))


if __name__ == "__main__":
    sys.exit(main())

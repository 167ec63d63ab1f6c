"""python -m gateway.cli: one entry point for the gateway's commands; the older module spellings run the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "GATEWAY_"))}
    env.update(PYTHONPATH=str(REPO_ROOT), **env_extra)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_help_lists_every_command():
    done = _run("gateway.cli", "--help")
    assert done.returncode == 0, done.stderr
    for command in ("migrate", "report", "prune-attachments", "retention", "users"):
        assert f"    {command}" in done.stdout, command
    assert _run("gateway.cli").returncode == 2  # a command is required
    retention = _run("gateway.cli", "retention", "--help")  # parsed by gateway/retention/__main__.py
    assert retention.returncode == 0 and "prune" in retention.stdout and "loop" in retention.stdout


def test_commands_through_the_entry_point_and_the_older_spellings(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = _run("gateway.cli", "migrate", "--database-url", url, "upgrade")
    assert done.returncode == 0, done.stderr
    for spelling in (("gateway.cli", "migrate"), ("gateway.migrate",)):
        current = _run(*spelling, "current", DATABASE_URL=url)
        assert current.returncode == 0 and "(head)" in current.stdout, current.stderr

    out = tmp_path / "out"
    report = _run("gateway.cli", "report", "--from", "2025-01-01", "--to", "2025-01-31", "--out", str(out),
                  "--database-url", url)
    assert report.returncode == 0, report.stderr
    assert report.stdout.split() == [str(out / "report-2025-01-01-2025-01-31.md"),
                                     str(out / "report-2025-01-01-2025-01-31.html")]
    backwards = _run("gateway.report", "--from", "2025-01-31", "--to", "2025-01-01", "--database-url", url)
    assert backwards.returncode == 2 and "--to must not be before --from" in backwards.stderr

    env = {"DATABASE_URL": url, "GATEWAY_ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    for spelling in (("gateway.cli", "prune-attachments"), ("gateway.prune_attachments",)):
        pruned = _run(*spelling, "--days", "30", **env)
        assert pruned.returncode == 0, pruned.stderr
        assert pruned.stdout.strip() == "deleted 0 unlinked attachments and 0 files"
        refused = _run(*spelling, "--days", "0", **env)
        assert refused.returncode == 2 and "--days must be at least 1" in refused.stderr

    users = _run("gateway.cli", "users", "--database-url", url, "list")  # parsed by gateway/console/users.py
    assert users.returncode == 0 and users.stdout == "", users.stderr

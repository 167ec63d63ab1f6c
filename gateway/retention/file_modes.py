"""Files under var/ (databases, attachments, rendered endpoints) and .env (tokens, passwords)
are for the account that runs the product only: folders 0700, files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def _tighten(path: Path, mode: int, dry_run: bool) -> int:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return 0
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) & ~mode == 0:
        return 0
    if not dry_run:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)
    return 1


def tighten_modes(var_dir: Path, env_file: Path, *, dry_run: bool) -> int:
    """Takes group and other bits off var/ and everything in it, and off .env; returns how many."""
    changed = _tighten(env_file, 0o600, dry_run)
    if not var_dir.is_dir():
        return changed
    changed += _tighten(var_dir, 0o700, dry_run)
    for root, dirs, files in os.walk(var_dir):
        for name in dirs:
            changed += _tighten(Path(root) / name, 0o700, dry_run)
        for name in files:
            changed += _tighten(Path(root) / name, 0o600, dry_run)
    return changed

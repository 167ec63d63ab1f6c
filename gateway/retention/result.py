"""What one prune did to one kind of data, and the table the command prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pruned:
    kind: str  # kind of data (the retention table's first column)
    store: str  # where it is (never a password)
    days: int | None  # the period applied; None for file modes
    count: int  # rows, keys, items or files pruned (or that would be, in a dry run)
    action: str  # deleted | masked | ttl | chmod | skipped: <why>


def table(results: list[Pruned], *, dry_run: bool) -> str:
    head = ("kind", "store", "days", "would prune" if dry_run else "pruned", "how")
    rows = [(r.kind, r.store, "" if r.days is None else str(r.days), str(r.count), r.action) for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in (head, *rows)]
    return "\n".join(lines)

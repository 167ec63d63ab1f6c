"""What every benchmark shares: the machine it ran on, its load, percentiles, the report file."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any, Dict


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()} ({platform.platform()})"


def load_average() -> list:
    """`uptime`'s 1-, 5- and 15-minute load averages (the machine may be shared)."""
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def write_report(out: str, report: Dict[str, Any]) -> None:
    """Writes the JSON report (bench/results/…) and prints it."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


async def run_conversations(concurrency: int, conversations: int, conversation) -> float:
    """Runs `conversation()` `conversations` times, at most `concurrency` at once; seconds taken."""
    import asyncio
    import time

    sem = asyncio.Semaphore(concurrency)

    async def one():
        async with sem:
            await conversation()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(conversations)))
    return time.perf_counter() - start

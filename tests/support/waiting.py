"""Waiting for something another process does (a mail delivered, a conversation updated)."""
from __future__ import annotations

import time


def wait_until(predicate, what: str = "condition", timeout: float = 90, interval: float = 0.3):
    """The first truthy value of `predicate()`, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")

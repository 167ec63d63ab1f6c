"""Headless Debian Chromium through Playwright's sync API, for browser tests.

Playwright's own browser download does not work here, so the helper launches the
system Chromium (/usr/bin/chromium, or CHROMIUM_PATH) with the flags measured in
../shared/notes/test-peers.md and a fresh user-data dir per browser. Screenshots go
to var/test-results/screenshots/ (kept as test artifacts).

Use the fixtures (import them into a conftest.py or a test module):

    from tests.support.browser import browser_context, page  # noqa: F401

    def test_something(page):
        page.goto(url)
        shoot(page, "something")

or the plain helpers `launch()` / `new_context()` / `shoot()` where a fixture does not fit
(e.g. two independent browsers in one test).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "var" / "test-results" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextmanager
def launch(viewport: Optional[Dict[str, int]] = None, **context_options: Any) -> Iterator[Any]:
    """A persistent Chromium context on a fresh, throw-away user-data dir.

    Yields a Playwright BrowserContext; everything is closed and removed afterwards.
    """
    from playwright.sync_api import sync_playwright

    if not chromium_available():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    user_data = tempfile.mkdtemp(prefix="hotline-chromium-")
    options: Dict[str, Any] = {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
        "viewport": viewport or DESKTOP,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }
    options.update(context_options)
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(user_data, **options)
            context.set_default_timeout(float(os.environ.get("BROWSER_TIMEOUT_MS", "30000")))
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(user_data, ignore_errors=True)


def shoot(page: Any, name: str, full_page: bool = False) -> Path:
    """Saves a PNG screenshot of the page as var/test-results/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


class ConsoleLog:
    """Collects console messages, page errors and dialogs (alert/confirm) of a page."""

    def __init__(self, page: Any) -> None:
        self.messages: list = []
        self.errors: list = []
        self.dialogs: list = []
        page.on("console", lambda msg: self.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def browser_context(request) -> Iterator[Any]:
    """A fresh desktop-size Chromium context; `@pytest.mark.parametrize('browser_context',
    [PHONE], indirect=True)` gives another viewport."""
    viewport = getattr(request, "param", None)
    with launch(viewport=viewport) as context:
        yield context


@pytest.fixture
def page(browser_context, request) -> Iterator[Any]:
    """A page of `browser_context`; a screenshot named after the test is saved when it fails."""
    pg = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    pg.console_log = ConsoleLog(pg)  # type: ignore[attr-defined]
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        try:
            shoot(pg, f"FAILED-{request.node.name}", full_page=True)
        except Exception:  # the page may be gone already
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Import into a conftest.py to get the failure screenshot of `page`:
    `from tests.support.browser import pytest_runtest_makereport  # noqa: F401`."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)

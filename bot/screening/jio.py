"""Quiet, lazy, fail-soft access to jionlp (time parsing and China's administrative divisions).

``import jionlp`` prints a banner (and jiojio a line about its C extension) on standard
output; :func:`jionlp` imports it once with standard output and standard error redirected,
so nothing reaches a channel's logs.  Only functions that read the data shipped inside the
wheel are used here (``ner.extract_time``, ``parse_time``, ``china_location_loader``,
``china_location_change_loader``); none of them touches the network.  On its first import
jionlp unzips its dictionary files next to itself, once, inside the installed package.

jionlp reports its own expected parse failures with ``logging.error(traceback)`` on the root
logger (``每天晚上`` inside a letter logs a traceback; on a process without handlers that call
even configures the root logger).  After the import every jionlp module's ``logging`` is
pointed at the logger ``jionlp``, which is set to CRITICAL: silent unless someone lowers it.

If jionlp cannot be imported the failure is logged once and :func:`jionlp` returns None;
callers then find no times and no places outside Shangluo.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
from types import ModuleType
from typing import Optional

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_module: Optional[ModuleType] = None
_failed = False


def jionlp() -> Optional[ModuleType]:
    """The jionlp module (imported on first use, banner swallowed), or None if unavailable."""
    global _module, _failed
    if _module is not None or _failed:
        return _module
    with _lock:
        if _module is None and not _failed:
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    import jionlp as module  # noqa: WPS433 (lazy on purpose: 0.6 s and a banner)
                _quiet_logging()
                _module = module
            except Exception:  # pragma: no cover - depends on the installation
                _failed = True
                logger.warning("jionlp is not available; times and other regions will not be found.", exc_info=True)
    return _module


JIONLP_LOGGER = logging.getLogger("jionlp")


def _quiet_logging() -> None:
    """Point jionlp's module-level ``logging.error(...)`` calls at the quiet ``jionlp`` logger."""
    if JIONLP_LOGGER.level == logging.NOTSET:
        JIONLP_LOGGER.setLevel(logging.CRITICAL)
    for name, mod in list(sys.modules.items()):
        if (name == "jionlp" or name.startswith("jionlp.")) and getattr(mod, "logging", None) is logging:
            mod.logging = JIONLP_LOGGER


def quietly(func, *args, **kwargs):
    """Call a jionlp function with its standard output swallowed (some print while loading data)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return func(*args, **kwargs)

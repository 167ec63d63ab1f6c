"""Quiet, lazy, fail-soft access to jionlp (time parsing and China's administrative divisions).

``import jionlp`` prints a banner (and jiojio a line about its C extension) on standard
output; :func:`jionlp` imports it once with standard output and standard error redirected,
so nothing reaches a channel's logs.  Only functions that read the data shipped inside the
wheel are used here (``ner.extract_time``, ``parse_time``, ``china_location_loader``,
``china_location_change_loader``); none of them touches the network.  On its first import
jionlp unzips its dictionary files next to itself, once, inside the installed package.

If jionlp cannot be imported the failure is logged once and :func:`jionlp` returns None;
callers then find no times and no places outside Shangluo.
"""
from __future__ import annotations

import contextlib
import io
import logging
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
                _module = module
            except Exception:  # pragma: no cover - depends on the installation
                _failed = True
                logger.warning("jionlp is not available; times and other regions will not be found.", exc_info=True)
    return _module


def quietly(func, *args, **kwargs):
    """Call a jionlp function with its standard output swallowed (some print while loading data)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return func(*args, **kwargs)

"""Working-day arithmetic for the 第十二条 deadlines (Asia/Shanghai).

Source of truth, in order:

1. the optional admin-editable YAML file (``GATEWAY_HOLIDAYS_FILE``)::

       holidays: [2027-01-01, 2027-02-05]   # days off, even on a weekday
       workdays: [2027-02-13]               # make-up working days (调休上班)

   A date listed there always wins, so the file can also correct a year the
   library knows. It is re-read when its modification time changes.
2. ``chinese_calendar.is_workday`` (statutory holidays and make-up Saturdays;
   chinesecalendar 1.11 knows 2004-2026 and raises NotImplementedError otherwise);
3. Monday-Friday, with one warning logged per year that neither the library
   nor the file covers (a year with any date in the file counts as covered).

Nothing here raises for a date: a deadline must always be computable.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from vocabulary import DEADLINE_WORKDAYS, DEFAULT_DEADLINE_WORKDAYS

logger = logging.getLogger(__name__)

END_OF_DAY = dt.time(23, 59, 59)


class WorkdayCalendar:
    def __init__(self, holidays_file: Path | str | None = None) -> None:
        self._file = Path(holidays_file) if holidays_file else None
        self._file_mtime: float | None = None
        self._holidays: frozenset[dt.date] = frozenset()
        self._workdays: frozenset[dt.date] = frozenset()
        self._file_years: frozenset[int] = frozenset()
        self._warned_years: set[int] = set()
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------
    def is_workday(self, day: dt.date) -> bool:
        self._reload_if_changed()
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except Exception:  # NotImplementedError for unknown years; never propagate
            if day.year not in self._file_years:
                self._warn_fallback(day.year)
            return day.weekday() < 5

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """Return the ``count``-th working day strictly after ``start``."""
        if count < 1:
            raise ValueError("count must be >= 1")
        day = start
        found = 0
        # 60 days of holidays in a row do not exist; the bound only guards bad files.
        for _ in range(count + 366):
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                found += 1
                if found == count:
                    return day
        logger.error("no %d working days found after %s; check the holidays file", count, start)
        return start + dt.timedelta(days=count)

    def due_at(self, created_at: dt.datetime, workdays: int, tz: dt.tzinfo) -> dt.datetime:
        """23:59:59 local time on the ``workdays``-th working day after the creation day."""
        local_day = created_at.astimezone(tz).date()
        due_day = self.add_workdays(local_day, workdays)
        return dt.datetime.combine(due_day, END_OF_DAY, tzinfo=tz)

    # -- file handling ----------------------------------------------------
    def _reload_if_changed(self) -> None:
        if self._file is None:
            return
        try:
            mtime = self._file.stat().st_mtime
        except OSError:
            if self._file_mtime != -1.0:
                logger.warning("holidays file %s is not readable; ignoring it", self._file)
                with self._lock:
                    self._holidays, self._workdays = frozenset(), frozenset()
                    self._file_years, self._file_mtime = frozenset(), -1.0
            return
        if mtime == self._file_mtime:
            return
        with self._lock:
            if mtime == self._file_mtime:
                return
            holidays, workdays = _load_holidays_file(self._file)
            self._holidays, self._workdays = holidays, workdays
            self._file_years = frozenset(d.year for d in holidays | workdays)
            self._file_mtime = mtime
            self._warned_years.clear()

    def _warn_fallback(self, year: int) -> None:
        if year in self._warned_years:
            return
        self._warned_years.add(year)
        logger.warning(
            "no holiday data for %d (chinesecalendar %s, holidays file %s): "
            "treating Monday-Friday as working days. Add the State Council's "
            "arrangement to the holidays file or upgrade chinesecalendar.",
            year,
            getattr(chinese_calendar, "__version__", "?"),
            self._file or "not set",
        )


def _load_holidays_file(path: Path) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError("top level must be a mapping with 'holidays' and 'workdays'")
        holidays = frozenset(_parse_dates(data.get("holidays") or []))
        workdays = frozenset(_parse_dates(data.get("workdays") or []))
    except Exception as exc:  # a broken admin file must not break order intake
        logger.error("cannot read holidays file %s (%s); ignoring it", path, exc)
        return frozenset(), frozenset()
    both = holidays & workdays
    if both:
        logger.warning("dates listed as both holiday and workday in %s: %s", path, sorted(both))
    logger.info("holidays file %s: %d holidays, %d workdays", path, len(holidays), len(workdays))
    return holidays, workdays


def _parse_dates(values: Iterable[Any]) -> Iterable[dt.date]:
    if isinstance(values, (str, dt.date)):
        values = [values]
    for value in values:
        if isinstance(value, dt.datetime):
            yield value.date()
        elif isinstance(value, dt.date):
            yield value
        else:
            yield dt.date.fromisoformat(str(value).strip())


def deadline_workdays(order_type: str) -> int:
    """第十二条: the type's deadline in working days (咨询 2, the others 5: vocabulary/hotline.yml)."""
    return DEADLINE_WORKDAYS.get(order_type, DEFAULT_DEADLINE_WORKDAYS)

"""Working-day deadlines (第十二条) across 2026 holidays and the 2027 fallback."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from zoneinfo import ZoneInfo

import pytest

from gateway.core.workdays import WorkdayCalendar, deadline_workdays

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


def test_deadline_days_per_type():
    assert deadline_workdays("咨询") == 2
    for kind in ("求助", "投诉", "举报", "意见建议", "表扬"):
        assert deadline_workdays(kind) == 5


def test_ordinary_week(cal):
    # Wed 2026-11-25: consult -> Fri 11-27; complaint -> Wed 12-02 (weekend skipped).
    assert cal.due_at(at(2026, 11, 25), 2, SH) == dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=SH)
    assert cal.due_at(at(2026, 11, 25), 5, SH) == dt.datetime(2026, 12, 2, 23, 59, 59, tzinfo=SH)


def test_created_on_a_weekend_counts_from_next_working_day(cal):
    # Sat 2026-11-28 -> Mon 11-30 is day 1.
    assert cal.add_workdays(D(2026, 11, 28), 2) == D(2026, 12, 1)


def test_local_date_is_used_not_utc(cal):
    # 2026-11-27 23:30 in Shanghai is still Friday locally (15:30 UTC).
    created = dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.timezone.utc)
    assert cal.due_at(created, 2, SH).date() == D(2026, 12, 1)
    # 2026-11-27 16:30 UTC is already Saturday 00:30 in Shanghai.
    created = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.timezone.utc)
    assert cal.due_at(created, 2, SH).date() == D(2026, 12, 1)


def test_spring_festival_2026(cal):
    # 春节 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are make-up working days.
    assert cal.is_workday(D(2026, 2, 14))
    assert not any(cal.is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(D(2026, 2, 28))
    # Fri Feb 13: day 1 = Sat Feb 14 (make-up), day 2 = Tue Feb 24.
    assert cal.add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # Thu Feb 12 complaint: Feb 13, 14, 24, 25, 26.
    assert cal.add_workdays(D(2026, 2, 12), 5) == D(2026, 2, 26)
    # Created during the holiday (Wed Feb 18): Feb 24, 25, 26, 27, Sat 28.
    assert cal.add_workdays(D(2026, 2, 18), 5) == D(2026, 2, 28)


def test_national_day_2026(cal):
    # chinesecalendar 1.11 (State Council arrangement for 2026): Oct 1-7 off,
    # Thu Oct 8 working, Sat Oct 10 make-up working day, Sun Sep 20 make-up.
    assert not any(cal.is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(D(2026, 10, 8))
    assert cal.is_workday(D(2026, 10, 10))
    assert cal.is_workday(D(2026, 9, 20))
    # Wed Sep 30 consult: Oct 8, Oct 9.
    assert cal.due_at(at(2026, 9, 30), 2, SH) == dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=SH)
    # Wed Sep 30 complaint: Oct 8, 9, Sat 10 (make-up), 12, 13.
    assert cal.add_workdays(D(2026, 9, 30), 5) == D(2026, 10, 13)


def test_make_up_saturday_counts(cal):
    # Fri 2026-10-09 consult: Sat Oct 10 is a make-up working day, then Mon Oct 12.
    assert cal.add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert cal.add_workdays(D(2026, 10, 9), 2) == D(2026, 10, 12)


def test_unknown_year_falls_back_to_weekdays_with_one_warning(cal, caplog):
    caplog.set_level(logging.WARNING, logger="gateway.core.workdays")
    # Thu 2026-12-31 consult: Fri 2027-01-01 (fallback: a weekday) and Mon 01-04.
    assert cal.due_at(at(2026, 12, 31), 2, SH) == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)
    assert cal.add_workdays(D(2027, 3, 5), 5) == D(2027, 3, 12)
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1
    assert "Monday-Friday" in warnings[0].getMessage()


def test_holidays_file_covers_unknown_years(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="gateway.core.workdays")
    path = tmp_path / "holidays.yaml"
    path.write_text(
        "holidays: [2027-01-01, '2027-02-05', 2027-02-08]\nworkdays: [2027-02-06]\n",
        encoding="utf-8",
    )
    cal = WorkdayCalendar(path)
    assert not cal.is_workday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 2, 6))  # a Saturday made a working day
    # Thu 2026-12-31: Jan 1 off -> Mon Jan 4, Tue Jan 5.
    assert cal.add_workdays(D(2026, 12, 31), 2) == D(2027, 1, 5)
    # Thu Feb 4: Feb 5 off, Sat Feb 6 works, Mon Feb 8 off, Tue Feb 9.
    assert cal.add_workdays(D(2027, 2, 4), 2) == D(2027, 2, 9)
    # 2027 is covered by the file, so no fallback warning for it.
    assert not [r for r in caplog.records if "no holiday data for 2027" in r.getMessage()]


def test_holidays_file_is_reloaded_when_edited(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: []\n", encoding="utf-8")
    cal = WorkdayCalendar(path)
    assert cal.is_workday(D(2027, 1, 1))
    path.write_text("holidays: [2027-01-01]\n", encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert not cal.is_workday(D(2027, 1, 1))


def test_holidays_file_overrides_the_library(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: [2026-11-26]\n", encoding="utf-8")
    cal = WorkdayCalendar(path)
    assert cal.add_workdays(D(2026, 11, 25), 1) == D(2026, 11, 27)


@pytest.mark.parametrize(
    "content",
    ["holidays: [not-a-date]\n", "- just\n- a list\n", "holidays: [2027-01-01\n", ""],
)
def test_broken_or_empty_holidays_file_never_raises(tmp_path, content, caplog):
    path = tmp_path / "holidays.yaml"
    path.write_text(content, encoding="utf-8")
    cal = WorkdayCalendar(path)
    assert cal.add_workdays(D(2027, 1, 1), 1) == D(2027, 1, 4)


def test_missing_holidays_file_never_raises(tmp_path):
    cal = WorkdayCalendar(tmp_path / "absent.yaml")
    assert cal.add_workdays(D(2026, 11, 25), 2) == D(2026, 11, 27)
    assert cal.add_workdays(D(2027, 1, 1), 1) == D(2027, 1, 4)


def test_holidays_file_setting_reaches_the_api(tmp_path, db_url, order_payload):
    from fastapi.testclient import TestClient

    from gateway.core.config import Settings
    from gateway.main import create_app

    path = tmp_path / "holidays.yaml"
    today = dt.datetime.now(SH).date()
    # Declare the next 30 days holidays: the deadline must move past them.
    path.write_text(
        "holidays:\n" + "".join(f"  - {today + dt.timedelta(days=i)}\n" for i in range(1, 31)),
        encoding="utf-8",
    )
    settings = Settings(database_url=db_url, api_token="t" * 20, auto_migrate=False, holidays_file=path)
    with TestClient(create_app(settings), headers={"Authorization": "Bearer " + "t" * 20}) as client:
        body = client.post("/api/v1/orders", json=order_payload(type="咨询")).json()
    due = dt.datetime.fromisoformat(body["due_at"]).date()
    assert due > today + dt.timedelta(days=30)

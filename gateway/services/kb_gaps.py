"""Knowledge gaps (questions the knowledge base could not answer) with their deadlines.

The KB search service records the gaps (kb_index/service.py, GET /api/v1/gaps);
the gateway reads them from there and adds the deadline the rules give the
departments to fill a gap: 3 working days after it was recorded (第二十五条),
counted with the gateway's working-day calendar, and whether it is overdue.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.core.workdays import WorkdayCalendar

GAP_WORKDAYS = 3


class KBUnavailable(Exception):
    """The KB service could not be reached or answered with an error."""


@dataclass(frozen=True)
class KBClient:
    url: str
    token: str | None
    timeout_s: float

    def gaps(self, since: dt.date | None, limit: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit, "format": "json"}
        if since is not None:
            params["since"] = since.isoformat()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = httpx.get(f"{self.url}/api/v1/gaps", params=params, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise KBUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise KBUnavailable(f"KB service answered {response.status_code}")
        try:
            items = response.json()["items"]
        except (ValueError, KeyError, TypeError) as exc:
            raise KBUnavailable("KB service answered something that is not a gap list") from exc
        return list(items)


def _asked_at(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def with_deadlines(
    items: list[dict[str, Any]], calendar: WorkdayCalendar, tz: dt.tzinfo, now: dt.datetime
) -> list[dict[str, Any]]:
    """Each gap with ``due_at`` (local, end of the 3rd working day) and ``overdue``."""
    result = []
    for item in items:
        asked = _asked_at(item.get("asked_at"))
        due = calendar.due_at(asked, GAP_WORKDAYS, tz) if asked else None
        candidates = [
            {"id": str(c.get("id", "")), "question": str(c.get("question", "")), "score": c.get("score")}
            for c in item.get("candidates") or []
            if isinstance(c, dict)
        ]
        result.append(
            {
                "id": item.get("id"),
                "question": str(item.get("question", "")),
                "asked_at": asked.astimezone(tz).replace(microsecond=0) if asked else None,
                "channel": str(item.get("channel") or ""),
                "build_id": str(item.get("build_id") or ""),
                "candidates": candidates,
                "due_at": due,
                "overdue": bool(due and now > due),
            }
        )
    return result


CSV_HEADER = ["编号", "问题", "提出时间", "渠道", "知识库版本", "最接近的条目", "办理期限", "是否逾期"]


def _csv_safe(value: str) -> str:
    """Cells starting with = + - @ are formulas to spreadsheet programs: make them text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(gaps: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for gap in gaps:
        best = " | ".join(
            f"{c['id']} {c['question']}" + (f" ({c['score']:.3f})" if isinstance(c["score"], (int, float)) else "")
            for c in gap["candidates"]
        )
        writer.writerow(
            [
                gap["id"],
                _csv_safe(gap["question"]),
                gap["asked_at"].isoformat() if gap["asked_at"] else "",
                gap["channel"],
                gap["build_id"],
                _csv_safe(best),
                gap["due_at"].isoformat() if gap["due_at"] else "",
                "是" if gap["overdue"] else "否",
            ]
        )
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly

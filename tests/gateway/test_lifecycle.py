"""Lifecycle through POST /api/v1/orders/{no}/events: every transition and refusal,
working-day deadlines from dispatch, 按期办结 / 逾期办结 / 逾期未办."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.core.config import Settings
from gateway.main import create_app

from .conftest import TOKEN

CST = dt.timezone(dt.timedelta(hours=8))
BOT = TOKEN
AGENT = "agent-token-0123456789"
SUPERVISOR = "supervisor-token-01234"
ADMIN = "admin-token-0123456789"
SHANGZHOU = "unit-shangzhou-0123456"  # 商州区
LUONAN = "unit-luonan-0123456789"  # 洛南县
POWER = "unit-power-01234567890"  # 市供电公司
TOKENS = {
    AGENT: {"role": "agent", "name": "话务员01"},
    SUPERVISOR: {"role": "supervisor", "name": "督办01"},
    ADMIN: "admin",
    SHANGZHOU: {"role": "unit", "unit": "商州区"},
    LUONAN: {"role": "unit", "unit": "洛南县"},
    POWER: {"role": "unit", "unit": "国网商洛供电公司"},
}

REPLY = {
    "kind": "reply",
    "handled_on": "2025-01-08",
    "handling_unit": "商州区城关街道办事处",
    "handler": "王五",
    "result": "已安排维修人员更换路灯，现已恢复照明。",
    "citizen_reply": {"replied_at": "2025-01-08T15:00:00+08:00", "content": "已电话告知群众路灯已修复"},
}
RETURN_REQUEST = {
    "kind": "return_request",
    "reason": "该路段路灯由市城管局负责维护",
    "legal_basis": "《商洛市城市照明管理办法》第五条",
    "suggested_unit": "市城管执法局",
}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 6, 10, 0, tzinfo=CST)  # Monday

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.timezone.utc)

    def set(self, *args: int) -> None:
        self.now = dt.datetime(*args, tzinfo=CST)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class World:
    def __init__(self, app, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.clients: dict[str, TestClient] = {}

    def client(self, token: str) -> TestClient:
        if token not in self.clients:
            client = TestClient(self.app, headers={"Authorization": f"Bearer {token}"})
            client.__enter__()
            self.clients[token] = client
        return self.clients[token]

    def create(self, **overrides: Any) -> str:
        payload = {
            "type": "投诉", "sender_id": "user-001", "description": "小区门口的路灯坏了一个星期，晚上很黑。",
            "district": "商州区", "contact_name": "张三", "contact_phone": "13800000000", **overrides,
        }
        response = self.client(BOT).post("/api/v1/orders", json=payload)
        assert response.status_code == 201, response.text
        return response.json()["order_no"]

    def event(self, token: str, order_no: str, kind: str, **body: Any):
        # the bot token acts only for the order's citizen (user-001 in these tests)
        params = {"sender_id": "user-001"} if token == BOT else None
        return self.client(token).post(f"/api/v1/orders/{order_no}/events", json={"kind": kind, **body},
                                       params=params)

    def ok(self, token: str, order_no: str, kind: str, **body: Any) -> dict[str, Any]:
        response = self.event(token, order_no, kind, **body)
        assert response.status_code == 200, response.text
        return response.json()

    def dispatch(self, order_no: str, lead: str = "商州区", co: list[str] | None = None, **extra: Any) -> dict:
        return self.ok(AGENT, order_no, "dispatch", lead_unit=lead, co_units=co or [], **extra)

    def to_handling(self, order_no: str, lead_token: str = SHANGZHOU, lead: str = "商州区") -> dict:
        self.dispatch(order_no, lead)
        return self.ok(lead_token, order_no, "sign")

    def to_completed(self, order_no: str) -> dict:
        self.to_handling(order_no)
        self.ok(SHANGZHOU, order_no, **REPLY)
        return self.ok(AGENT, order_no, "review_approve")

    def events(self, order_no: str) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self.app.state.database.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT e.kind, e.actor, e.payload FROM order_events e JOIN orders o ON o.id = e.order_id "
                     "WHERE o.order_no = :no ORDER BY e.id"),
                {"no": order_no},
            )
            return [
                {"kind": r[0], "actor": r[1], "payload": json.loads(r[2]) if isinstance(r[2], str) else r[2]}
                for r in rows
            ]

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)


@pytest.fixture
def world(db_url):
    settings = Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(TOKENS), auto_migrate=False)
    app = create_app(settings)
    clock = Clock()
    app.state.clock = clock
    w = World(app, clock)
    yield w
    w.close()


def _local(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# -- the whole life -------------------------------------------------------------------
def test_full_life_dispatch_sign_reply_review_feedback(world):
    order_no = world.create()
    assert world.client(BOT).get(f"/api/v1/orders/{order_no}", params={"sender_id": "user-001"}).json()["timeliness"] is None

    world.clock.set(2025, 1, 6, 10, 0)
    body = world.dispatch(order_no, co=["国网商洛供电公司"], category="住房城乡建设")
    assert (body["status"], body["status_label"]) == ("dispatched", "已派单")
    assert (body["lead_unit"], body["co_units"], body["category"]) == ("商州区", ["国网商洛供电公司"], "住房城乡建设")
    assert body["dispatched_at"] == "2025-01-06T10:00:00+08:00"
    assert body["accept_due_at"] == "2025-01-07T10:00:00+08:00"  # 24 hours
    assert body["due_at"] == "2025-01-13T23:59:59+08:00"  # 5 working days from dispatch
    assert (body["timeliness"], body["timeliness_label"]) == ("pending", "办理中（未逾期）")

    world.clock.advance(hours=2)
    body = world.ok(SHANGZHOU, order_no, "sign")
    assert (body["status"], body["status_label"]) == ("handling", "办理中")
    assert body["signed_at"] == "2025-01-06T12:00:00+08:00"

    world.clock.set(2025, 1, 8, 16, 0)
    body = world.ok(SHANGZHOU, order_no, **REPLY)
    assert (body["status"], body["status_label"]) == ("replied", "办结审核中")
    assert body["reply"]["handler"] == "王五" and body["replied_at"] == "2025-01-08T16:00:00+08:00"

    world.clock.set(2025, 1, 9, 9, 0)
    body = world.ok(AGENT, order_no, "review_approve", note="回复内容针对诉求")
    assert (body["status"], body["status_label"]) == ("completed", "已办结")
    assert (body["timeliness"], body["timeliness_label"]) == ("on_time", "按期办结")

    body = world.ok(BOT, order_no, "feedback", satisfaction="满意", comment="修得很快")
    assert (body["satisfaction"], body["satisfaction_comment"], body["status"]) == ("满意", "修得很快", "completed")

    events = world.events(order_no)
    assert [e["kind"] for e in events] == ["created", "dispatch", "sign", "reply", "review_approve", "feedback"]
    assert [e["actor"] for e in events[1:]] == [
        "agent:话务员01", "unit:商州区:商州区", "unit:商州区:商州区", "agent:话务员01", "bot:bot",
    ]
    assert events[1]["payload"]["from"] == "received" and events[1]["payload"]["to"] == "dispatched"
    assert events[2]["payload"]["signed_late"] is False


def test_late_signing_is_recorded(world):
    order_no = world.create()
    world.dispatch(order_no)
    world.clock.advance(hours=24, seconds=1)
    world.ok(SHANGZHOU, order_no, "sign")
    assert world.events(order_no)[-1]["payload"]["signed_late"] is True


# -- deadlines (第十二条) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dispatched", "order_type", "due"),
    [
        ((2025, 1, 6, 10), "投诉", "2025-01-13"),
        ((2025, 1, 6, 10), "咨询", "2025-01-08"),
        # 春节 2025: 1月28日–2月4日 off; 1月26日 (Sunday) and 2月8日 (Saturday) are working days
        ((2025, 1, 27, 9), "咨询", "2025-02-06"),
        ((2025, 1, 27, 9), "求助", "2025-02-10"),
        ((2025, 1, 24, 17), "咨询", "2025-01-27"),  # make-up Sunday 1月26日 counts
        ((2025, 2, 7, 9), "咨询", "2025-02-10"),  # make-up Saturday 2月8日 counts
        # 国庆 2025: 10月1日–8日 off; 10月11日 (Saturday) is a working day
        ((2025, 9, 30, 15), "咨询", "2025-10-10"),
        ((2025, 9, 30, 15), "举报", "2025-10-14"),
        ((2025, 10, 4, 23), "意见建议", "2025-10-14"),  # dispatched on a holiday; 10月11日 counts
    ],
)
def test_deadline_counts_working_days_from_dispatch(world, dispatched, order_type, due):
    world.clock.set(2025, 1, 2, 8, 0)  # created long before dispatch: dispatch time decides
    order_no = world.create(type=order_type)
    world.clock.set(*dispatched, 0)
    body = world.dispatch(order_no)
    assert body["due_at"] == f"{due}T23:59:59+08:00"


@pytest.mark.parametrize(
    ("reply_at", "expected"),
    [
        ((2025, 1, 13, 23, 59, 59), "on_time"),  # the deadline itself is still on time
        ((2025, 1, 14, 0, 0, 0), "late"),
    ],
)
def test_on_time_and_late_completion_are_exact(world, reply_at, expected):
    order_no = world.create()
    world.to_handling(order_no)  # dispatched 2025-01-06 10:00, due 2025-01-13 23:59:59
    world.clock.set(*reply_at)
    world.ok(SHANGZHOU, order_no, **REPLY)
    world.clock.set(2025, 1, 20, 9, 0)  # review long after the deadline does not count against the unit
    body = world.ok(AGENT, order_no, "review_approve")
    assert body["timeliness"] == expected
    assert body["timeliness_label"] == {"on_time": "按期办结", "late": "逾期办结"}[expected]


def test_overdue_open_orders(world):
    handling = world.create()
    world.to_handling(handling)
    replied = world.create()
    world.to_handling(replied)
    world.clock.set(2025, 1, 13, 20, 0)
    world.ok(SHANGZHOU, replied, **REPLY)
    world.clock.set(2025, 1, 13, 23, 59, 59)
    assert world.client(AGENT).get(f"/api/v1/orders/{handling}").json()["timeliness"] == "pending"
    world.clock.set(2025, 1, 14, 0, 0, 0)
    body = world.client(AGENT).get(f"/api/v1/orders/{handling}").json()
    assert (body["timeliness"], body["timeliness_label"]) == ("overdue", "逾期未办")
    # a result submitted in time and waiting for review is not 逾期未办
    assert world.client(AGENT).get(f"/api/v1/orders/{replied}").json()["timeliness"] == "pending"


def test_review_reject_sends_back_and_clears_the_finish_time(world):
    order_no = world.create()
    world.to_handling(order_no)
    world.ok(SHANGZHOU, order_no, **REPLY)
    body = world.ok(SUPERVISOR, order_no, "review_reject", reason="未对诉求进行针对性正面回应")
    assert (body["status"], body["replied_at"]) == ("handling", None)
    world.clock.set(2025, 1, 15, 9, 0)
    world.ok(SHANGZHOU, order_no, **REPLY)
    assert world.ok(AGENT, order_no, "review_approve")["timeliness"] == "late"


def test_reply_needs_the_citizen_reply_unless_none_is_required(world):
    order_no = world.create()
    world.to_handling(order_no)
    body = {k: v for k, v in REPLY.items() if k != "citizen_reply"}
    response = world.event(SHANGZHOU, order_no, **body)
    assert response.status_code == 422
    assert "该工单需要回复服务对象" in response.json()["detail"]
    world.ok(SHANGZHOU, order_no, **body, no_reply_note="1日内3次无法联系服务对象")

    silent = world.create(anonymous=True, contact_phone=None, contact_name=None, reply_required=False)
    world.to_handling(silent)
    world.ok(SHANGZHOU, silent, **body)


# -- returns (第十四条) ----------------------------------------------------------------------
def test_return_approved_redispatches_to_another_unit(world):
    order_no = world.create()
    world.dispatch(order_no)
    world.clock.set(2025, 1, 7, 23, 59, 59)  # 1 working day after dispatch, last second
    body = world.ok(SHANGZHOU, order_no, **RETURN_REQUEST)
    assert (body["status"], body["status_label"]) == ("return_requested", "退单审核中")
    assert body["pending_request"]["legal_basis"] == RETURN_REQUEST["legal_basis"]
    world.clock.set(2025, 1, 8, 9, 0)
    body = world.ok(AGENT, order_no, "return_approve", lead_unit="国网商洛供电公司")
    assert (body["status"], body["lead_unit"], body["return_count"]) == ("dispatched", "国网商洛供电公司", 1)
    assert body["due_at"] == "2025-01-15T23:59:59+08:00"  # counted from the new dispatch
    assert body["pending_request"] is None and body["signed_at"] is None
    assert world.client(SHANGZHOU).get(f"/api/v1/orders/{order_no}").status_code == 404
    assert world.ok(POWER, order_no, "sign")["status"] == "handling"
    assert world.events(order_no)[-2]["payload"]["previous_lead_unit"] == "商州区"


@pytest.mark.parametrize("signed", [False, True])
def test_return_rejected_goes_back_to_the_same_unit(world, signed):
    order_no = world.create()
    world.dispatch(order_no)
    if signed:
        world.ok(SHANGZHOU, order_no, "sign")
    world.ok(SHANGZHOU, order_no, **RETURN_REQUEST)
    body = world.ok(SUPERVISOR, order_no, "return_reject", refusal_case=1, note="属本单位职责")
    assert body["status"] == ("handling" if signed else "dispatched")
    assert (body["lead_unit"], body["pending_request"]) == ("商州区", None)
    assert world.events(order_no)[-1]["payload"]["refusal_case_text"] == "属于本单位职能范围但因客观原因暂时无法办理"
    for case in (0, 9, "1"):
        world.ok(SHANGZHOU, order_no, **RETURN_REQUEST) if case == 0 else None
        response = world.event(AGENT, order_no, "return_reject", refusal_case=case)
        assert response.status_code == 422, case


def test_return_request_after_one_working_day_is_409(world):
    world.clock.set(2025, 1, 24, 17, 0)  # Friday before 春节; next working day is Sunday 1月26日
    order_no = world.create()
    world.dispatch(order_no)
    world.clock.set(2025, 1, 27, 0, 0, 0)
    response = world.event(SHANGZHOU, order_no, **RETURN_REQUEST)
    assert response.status_code == 409
    assert response.json() == {"detail": "已超过退单申请时限（派单后1 个工作日内），请继续办理或申请延期"}
    assert world.client(AGENT).get(f"/api/v1/orders/{order_no}").json()["status"] == "dispatched"


def test_urgent_return_within_30_minutes(world):
    early, late = world.create(urgent=True), world.create()
    world.dispatch(early)
    world.dispatch(late, urgent=True)
    world.clock.advance(minutes=30)
    assert world.ok(SHANGZHOU, early, **RETURN_REQUEST)["status"] == "return_requested"
    world.clock.advance(seconds=1)
    response = world.event(SHANGZHOU, late, **RETURN_REQUEST)
    assert response.status_code == 409
    assert "30 分钟" in response.json()["detail"]


def test_return_request_needs_reason_and_legal_basis(world):
    order_no = world.create()
    world.dispatch(order_no)
    for missing in ("reason", "legal_basis"):
        body = {k: v for k, v in RETURN_REQUEST.items() if k != missing}
        response = world.event(SHANGZHOU, order_no, **body)
        assert response.status_code == 422
        assert "缺少必填字段" in response.json()["detail"] and missing in response.json()["detail"]


# -- extensions (第十六条) ----------------------------------------------------------------------
EXTENSION = {"kind": "extension_request", "reason": "需等待供电部门更换线路", "requested_due_date": "2025-01-20",
             "citizen_consent": True}


def test_extension_approved_moves_the_deadline(world):
    order_no = world.create()
    world.to_handling(order_no)
    body = world.ok(SHANGZHOU, order_no, **EXTENSION)
    assert (body["status"], body["status_label"]) == ("extension_requested", "延期审核中")
    assert body["pending_request"]["requested_due_date"] == "2025-01-20"
    body = world.ok(SUPERVISOR, order_no, "extension_approve")
    assert (body["status"], body["due_at"], body["extension_count"]) == ("handling", "2025-01-20T23:59:59+08:00", 1)
    world.clock.set(2025, 1, 17, 9, 0)
    world.ok(SHANGZHOU, order_no, **REPLY)
    assert world.ok(AGENT, order_no, "review_approve")["timeliness"] == "on_time"


def test_extension_approved_with_another_date_and_rejected(world):
    order_no = world.create()
    world.to_handling(order_no)
    world.ok(SHANGZHOU, order_no, **EXTENSION)
    assert world.ok(ADMIN, order_no, "extension_approve", due_date="2025-01-16")["due_at"].startswith("2025-01-16")
    world.ok(SHANGZHOU, order_no, **{**EXTENSION, "requested_due_date": "2025-01-30"})
    body = world.ok(SUPERVISOR, order_no, "extension_reject", reason="延期理由不充分")
    assert (body["status"], body["due_at"], body["extension_count"]) == ("handling", "2025-01-16T23:59:59+08:00", 1)


def test_extension_refusals(world):
    urgent = world.create(urgent=True)
    world.to_handling(urgent)
    response = world.event(SHANGZHOU, urgent, **EXTENSION)
    assert (response.status_code, response.json()["detail"]) == (409, "紧急突发类工单不能申请延期（第十六条）")

    order_no = world.create()
    world.to_handling(order_no)
    response = world.event(SHANGZHOU, order_no, **{**EXTENSION, "requested_due_date": "2025-01-13"})
    assert (response.status_code, response.json()["detail"]) == (422, "请求参数有误：申请延期至的日期须晚于当前办结期限")
    response = world.event(SHANGZHOU, order_no, **{**EXTENSION, "citizen_consent": False})
    assert response.status_code == 422 and "征得服务对象同意" in response.json()["detail"]
    response = world.event(SHANGZHOU, order_no, **{**EXTENSION, "requested_due_date": "下周"})
    assert response.status_code == 422 and "必须是日期" in response.json()["detail"]
    world.clock.set(2025, 1, 14, 0, 0)
    response = world.event(SHANGZHOU, order_no, **EXTENSION)
    assert response.status_code == 409 and "已超过办结期限" in response.json()["detail"]
    # approving a date not after the current deadline
    other = world.create()
    world.clock.set(2025, 1, 6, 10, 0)
    world.to_handling(other)
    world.ok(SHANGZHOU, other, **EXTENSION)
    response = world.event(SUPERVISOR, other, "extension_approve", due_date="2025-01-10")
    assert response.status_code == 422


# -- withdrawal, reopen, feedback ---------------------------------------------------------------
@pytest.mark.parametrize("stage", ["received", "dispatched", "handling", "replied"])
def test_withdraw_while_open(world, stage):
    order_no = world.create()
    if stage != "received":
        world.dispatch(order_no)
    if stage in ("handling", "replied"):
        world.ok(SHANGZHOU, order_no, "sign")
    if stage == "replied":
        world.ok(SHANGZHOU, order_no, **REPLY)
    body = world.ok(AGENT, order_no, "withdraw", reason="群众来电表示问题已解决")
    assert (body["status"], body["withdraw_reason"], body["timeliness"]) == ("withdrawn", "群众来电表示问题已解决", None)
    response = world.event(AGENT, order_no, "withdraw")
    assert (response.status_code, response.json()["detail"]) == (409, "工单当前状态为“已撤单”，不能执行“撤单”操作")


def test_citizen_withdraw_endpoint_works_after_dispatch(world):
    order_no = world.create()
    world.to_handling(order_no)
    response = world.client(BOT).post(f"/api/v1/orders/{order_no}/withdraw", json={"sender_id": "user-001"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    closed = world.create()
    world.to_completed(closed)
    response = world.client(BOT).post(f"/api/v1/orders/{closed}/withdraw", json={"sender_id": "user-001"})
    assert (response.status_code, response.json()["detail"]) == (409, "该工单当前状态不允许撤单")


def test_reopen_starts_a_new_round(world):
    order_no = world.create()
    world.to_completed(order_no)
    world.ok(BOT, order_no, "feedback", satisfaction="不满意", comment="路灯又坏了")
    world.clock.set(2025, 1, 20, 9, 0)
    body = world.ok(SUPERVISOR, order_no, "reopen", reason="群众不满意，路灯仍不亮")
    assert (body["status"], body["reopen_count"], body["satisfaction"]) == ("dispatched", 1, None)
    assert (body["lead_unit"], body["due_at"]) == ("商州区", "2025-01-26T23:59:59+08:00")  # make-up Sunday
    assert body["replied_at"] is None and body["completed_at"] is None and body["timeliness"] == "pending"
    world.ok(SHANGZHOU, order_no, "sign")


def test_bot_acts_on_events_only_for_the_orders_citizen(world):
    order_no = world.create()
    world.to_completed(order_no)
    path = f"/api/v1/orders/{order_no}/events"
    body = {"kind": "feedback", "satisfaction": "不满意"}
    refused = world.client(BOT).post(path, json=body)
    assert (refused.status_code, refused.json()["detail"]) == (403, "智能客服账号只能为工单提交人（sender_id）办理")
    assert world.client(BOT).post(path, json=body, params={"sender_id": "user-002"}).status_code == 404
    assert world.client(BOT).post(path, json=body, params={"sender_id": "user-001"}).status_code == 200


def test_feedback_rules(world):
    order_no = world.create()
    response = world.event(BOT, order_no, "feedback", satisfaction="满意")
    assert response.status_code == 409
    world.to_completed(order_no)
    response = world.event(BOT, order_no, "feedback", satisfaction="还行")
    assert response.status_code == 422 and "满意、基本满意、不满意" in response.json()["detail"]
    world.ok(AGENT, order_no, "feedback", satisfaction="基本满意")
    response = world.event(BOT, order_no, "feedback", satisfaction="满意")
    assert (response.status_code, response.json()["detail"]) == (409, "该工单已评价，不能重复评价")


# -- refusals -----------------------------------------------------------------------------------
BODIES: dict[str, dict[str, Any]] = {
    "dispatch": {"lead_unit": "商州区"},
    "sign": {},
    "return_request": {k: v for k, v in RETURN_REQUEST.items() if k != "kind"},
    "return_approve": {"lead_unit": "洛南县"},
    "return_reject": {"refusal_case": 5},
    "extension_request": {k: v for k, v in EXTENSION.items() if k != "kind"},
    "extension_approve": {},
    "extension_reject": {"reason": "理由不充分"},
    "reply": {k: v for k, v in REPLY.items() if k != "kind"},
    "review_approve": {},
    "review_reject": {"reason": "未正面回应"},
    "withdraw": {},
    "reopen": {"reason": "群众不满意"},
    "feedback": {"satisfaction": "满意"},
}
LABELS = {
    "dispatch": "派单", "sign": "签收", "return_request": "申请退单", "return_approve": "同意退单",
    "return_reject": "不同意退单", "extension_request": "申请延期", "extension_approve": "同意延期",
    "extension_reject": "不同意延期", "reply": "提交办理结果", "review_approve": "审核通过",
    "review_reject": "审核退回", "withdraw": "撤单", "reopen": "重办", "feedback": "满意度评价",
}
ALLOWED_FROM = {
    "dispatch": {"received"}, "sign": {"dispatched"}, "return_request": {"dispatched", "handling"},
    "return_approve": {"return_requested"}, "return_reject": {"return_requested"},
    "extension_request": {"handling"}, "extension_approve": {"extension_requested"},
    "extension_reject": {"extension_requested"}, "reply": {"handling"}, "review_approve": {"replied"},
    "review_reject": {"replied"}, "reopen": {"completed"}, "feedback": {"completed"},
    "withdraw": {"received", "dispatched", "handling", "return_requested", "extension_requested", "replied"},
}
STATUS_LABELS = {
    "received": "已受理", "dispatched": "已派单", "handling": "办理中", "return_requested": "退单审核中",
    "extension_requested": "延期审核中", "replied": "办结审核中", "completed": "已办结", "withdrawn": "已撤单",
}


def _reach(world: World, status: str) -> str:
    order_no = world.create()
    if status == "received":
        return order_no
    if status == "withdrawn":
        world.ok(AGENT, order_no, "withdraw")
        return order_no
    world.dispatch(order_no)
    if status == "dispatched":
        return order_no
    if status == "return_requested":
        world.ok(SHANGZHOU, order_no, **RETURN_REQUEST)
        return order_no
    world.ok(SHANGZHOU, order_no, "sign")
    if status == "extension_requested":
        world.ok(SHANGZHOU, order_no, **EXTENSION)
    elif status in ("replied", "completed"):
        world.ok(SHANGZHOU, order_no, **REPLY)
        if status == "completed":
            world.ok(AGENT, order_no, "review_approve")
    return order_no


def _actor_for(kind: str) -> str:
    if kind in ("sign", "return_request", "extension_request", "reply"):
        return SHANGZHOU
    if kind in ("extension_approve", "extension_reject"):
        return SUPERVISOR
    return AGENT


@pytest.mark.parametrize("status", list(STATUS_LABELS))
def test_every_illegal_transition_is_409(world, status):
    """From each status, every event not allowed there is refused with a clear message and changes nothing."""
    order_no = _reach(world, status)
    before = world.client(ADMIN).get(f"/api/v1/orders/{order_no}").json()
    count = len(world.events(order_no))
    for kind, body in BODIES.items():
        if status in ALLOWED_FROM[kind]:
            continue
        response = world.event(ADMIN, order_no, kind, **body)
        assert response.status_code == 409, (status, kind, response.text)
        assert response.json() == {"detail": f"工单当前状态为“{STATUS_LABELS[status]}”，不能执行“{LABELS[kind]}”操作"}
    assert world.client(ADMIN).get(f"/api/v1/orders/{order_no}").json() == before
    assert len(world.events(order_no)) == count


ROLE_TOKENS = {"bot": BOT, "agent": AGENT, "supervisor": SUPERVISOR, "admin": ADMIN, "unit": SHANGZHOU}
ROLE_LABELS = {"bot": "智能客服", "agent": "话务员", "supervisor": "督办人员", "admin": "管理员", "unit": "承办单位"}
ALLOWED_ROLES = {
    "dispatch": {"agent", "admin"}, "sign": {"unit", "admin"}, "return_request": {"unit", "admin"},
    "return_approve": {"agent", "supervisor", "admin"}, "return_reject": {"agent", "supervisor", "admin"},
    "extension_request": {"unit", "admin"}, "extension_approve": {"supervisor", "admin"},
    "extension_reject": {"supervisor", "admin"}, "reply": {"unit", "admin"},
    "review_approve": {"agent", "supervisor", "admin"}, "review_reject": {"agent", "supervisor", "admin"},
    "withdraw": {"bot", "agent", "admin"}, "reopen": {"agent", "supervisor", "admin"},
    "feedback": {"bot", "agent", "admin"},
}
FROM_STATUS = {kind: sorted(allowed)[0] for kind, allowed in ALLOWED_FROM.items()}
FROM_STATUS["return_request"] = "dispatched"


@pytest.mark.parametrize("kind", list(BODIES))
def test_roles_not_allowed_get_403(world, kind):
    order_no = _reach(world, FROM_STATUS[kind])
    for role, token in ROLE_TOKENS.items():
        if role in ALLOWED_ROLES[kind]:
            continue
        response = world.event(token, order_no, kind, **BODIES[kind])
        if role == "unit" and kind == "dispatch":  # an undispatched order is not the unit's: 404
            assert response.status_code == 404
            continue
        assert response.status_code == 403, (kind, role, response.text)
        assert response.json() == {"detail": f"当前账号（{ROLE_LABELS[role]}）无权执行“{LABELS[kind]}”操作"}
    # and the allowed role in the test's standard set-up succeeds
    assert world.event(_actor_for(kind), order_no, kind, **BODIES[kind]).status_code == 200


def test_co_unit_and_other_units(world):
    order_no = world.create()
    world.dispatch(order_no, co=["国网商洛供电公司"])
    response = world.event(POWER, order_no, "sign")
    assert (response.status_code, response.json()["detail"]) == (403, "只有主办单位可以执行“签收”操作")
    response = world.event(LUONAN, order_no, "sign")
    assert (response.status_code, response.json()["detail"]) == (404, "工单不存在")
    assert world.event(AGENT, "SL20250101999999", "sign").status_code == 404
    assert world.event(AGENT, "bad", "sign").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "缺少操作类型（kind）"),
        ({"kind": "close"}, "操作类型（kind）取值无效"),
        ({"kind": "dispatch", "co_units": ["洛南县"]}, "指定会办单位时须同时指定主办单位（lead_unit）"),
        ({"kind": "dispatch", "lead_unit": "市供电局"}, "未知承办单位：市供电局；请使用派单表中的单位名称"),
        ({"kind": "dispatch", "lead_unit": "商州区", "co_units": ["商州区"]}, "主办单位不能同时作为会办单位"),
        ({"kind": "dispatch", "lead_unit": "商州区", "co_units": ["洛南县", "洛南县"]}, "会办单位不能重复"),
        ({"kind": "dispatch", "lead_unit": "单" * 65}, "单位名称最多64个字"),
        ({"kind": "sign", "extra": 1}, "不支持的字段：extra"),
        ({"kind": "reopen", "reason": "'; DROP TABLE orders; --" + "x" * 500}, "理由最多500个字"),
    ],
)
def test_bad_event_bodies_are_422(world, body, message):
    order_no = world.create()
    response = world.client(AGENT).post(f"/api/v1/orders/{order_no}/events", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert [e["kind"] for e in world.events(order_no)] == ["created"]


def test_concurrent_events_apply_once(world):
    order_no = world.create()
    world.dispatch(order_no)
    threads = 8
    barrier = threading.Barrier(threads)

    def sign(_: int) -> int:
        barrier.wait()
        return world.event(SHANGZHOU, order_no, "sign").status_code

    with ThreadPoolExecutor(threads) as pool:
        codes = sorted(pool.map(sign, range(threads)))
    assert codes == [200] + [409] * (threads - 1)
    assert [e["kind"] for e in world.events(order_no)].count("sign") == 1

"""查询办理结果 on the web (issue 14): POST /api/portal/result-lookup with the order number and the
last four digits of the contact phone — what it shows and never shows, the same answer for every
miss, the failure counters per order number and per address in the database (locks and their end),
full-width input, CORS for portal pages elsewhere, and the audit of what it showed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update

from gateway.core.config import Settings
from gateway.main import create_app
from gateway.models import Order, PersonalDataRead, ResultLookupFailure
from gateway.services import result_lookup as svc

from .conftest import TOKEN
from .test_lifecycle import AGENT, BOT, REPLY, SHANGZHOU, TOKENS, Clock, World

PATH = "/api/portal/result-lookup"
PHONE = "13891407428"
DIGITS = "7428"
CITIZEN_IP = "203.0.113.7"
PORTAL = "https://www.shangluo.gov.cn"


def make_world(db_url: str, **settings: Any) -> World:
    app = create_app(Settings(database_url=db_url, api_token=TOKEN, tokens=json.dumps(TOKENS), auto_migrate=False,
                              **settings))
    app.state.clock = Clock()
    return World(app, app.state.clock)


@pytest.fixture
def world(db_url):
    w = make_world(db_url, result_lookup_origins=PORTAL)
    yield w
    w.close()


class Browser:
    """An anonymous caller from one address (no token)."""

    def __init__(self, app, ip: str) -> None:
        self.client = TestClient(app, client=(ip, 50000))

    def lookup(self, order_no: str, last4: str = DIGITS, **headers: str):
        return self.client.post(PATH, json={"order_no": order_no, "phone_last4": last4}, headers=headers)


@pytest.fixture
def browser(world):
    made: dict[str, Browser] = {}

    def at(ip: str = CITIZEN_IP, w: World | None = None) -> Browser:
        key = f"{id(w or world)}:{ip}"
        if key not in made:
            made[key] = Browser((w or world).app, ip)
        return made[key]

    yield at
    for b in made.values():
        b.client.close()


def create(world: World, **overrides: Any) -> str:
    return world.create(**{"address": "北新街 12 号", "contact_phone": PHONE, **overrides})


def completed(world: World, **overrides: Any) -> str:
    order_no = create(world, **overrides)
    world.clock.set(2025, 1, 6, 10, 0)
    world.to_handling(order_no)
    world.clock.set(2025, 1, 8, 16, 0)
    world.ok(SHANGZHOU, order_no, **REPLY)
    world.clock.set(2025, 1, 9, 9, 0)
    world.ok(AGENT, order_no, "review_approve")
    return order_no


def rows(world: World, model) -> list:
    with world.app.state.database.sessionmaker() as session:
        return list(session.scalars(select(model).order_by(model.id)))


# -- a match -----------------------------------------------------------------------------------
def test_a_match_shows_the_result_and_nothing_about_the_citizen(world, browser):
    order_no = completed(world, channel="webchat")
    response = browser().lookup(order_no)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body == {
        "order_no": order_no, "type": "投诉", "status": "completed", "status_label": "已办结",
        "handling_unit": "商州区城关街道办事处", "result": REPLY["result"], "handled_on": "2025-01-08",
        "completed_on": "2025-01-09", "due_on": None, "rating_possible": True,
        "rating_channel": svc.CHANNEL_LABELS["webchat"],
    }
    text = response.text
    for private in ("张三", PHONE, DIGITS, "北新街", "路灯坏了", "user-001", "王五", "已电话告知", "sender", "contact"):
        assert private not in text, private
    # what it showed is audited like every read of an order's personal data
    (read,) = [r for r in rows(world, PersonalDataRead) if r.action == "result_lookup"]
    assert (read.order_no, read.action, read.actor) == (order_no, "result_lookup", f"citizen:result-lookup:{CITIZEN_IP}")


def test_an_open_order_shows_its_status_unit_and_deadline_but_no_reply(world, browser):
    order_no = create(world)
    body = browser().lookup(order_no).json()
    assert (body["status_label"], body["handling_unit"], body["result"]) == ("已受理", None, None)
    world.to_handling(order_no)
    world.ok(SHANGZHOU, order_no, **REPLY)  # submitted, not yet accepted by the hotline: not shown
    body = browser().lookup(order_no).json()
    assert (body["status"], body["status_label"], body["handling_unit"]) == ("replied", "办结审核中", "商州区")
    assert body["result"] is None and body["handled_on"] is None and body["completed_on"] is None
    assert body["due_on"] == "2025-01-13" and body["rating_possible"] is False


def test_a_withdrawn_order_shows_only_that(world, browser):
    order_no = create(world)
    world.dispatch(order_no)
    world.ok(BOT, order_no, "withdraw", reason="问题已自行解决")
    body = browser().lookup(order_no).json()
    assert (body["status_label"], body["handling_unit"], body["due_on"], body["result"]) == ("已撤单", None, None, None)


def test_full_width_digits_spaces_and_lower_case_are_accepted(world, browser):
    order_no = completed(world)
    wide = order_no.translate(str.maketrans("SL0123456789", "ＳＬ０１２３４５６７８９"))
    assert browser().lookup(f" {wide[:8]} {wide[8:]} ", "７ ４ ２ ８").status_code == 200
    assert browser().lookup(order_no.lower(), " 7428 ").status_code == 200
    assert browser().lookup(order_no, "７４２８").json()["order_no"] == order_no
    assert svc.normalise_order_no("ｓｌ２０２５－０１０６ ０００００１") == "SL20250106000001"


def test_a_landline_contact_phone_matches_its_last_four_digits(world, browser):
    order_no = completed(world, contact_phone="0914-2345678")
    assert browser().lookup(order_no, "5678").status_code == 200
    assert browser().lookup(order_no, "0914").status_code == 404


# -- misses: one answer for all -----------------------------------------------------------------
def test_wrong_digits_unknown_orders_anonymous_and_phoneless_orders_get_the_same_answer(world, browser):
    real = completed(world)
    anonymous = completed(world, anonymous=True, contact_name=None)  # a phone kept, but anonymous
    anonymous_no_phone = completed(world, anonymous=True, contact_name=None, contact_phone=None)
    erased = completed(world)
    with world.app.state.database.sessionmaker() as session:  # a phone removed (retention)
        session.execute(update(Order).where(Order.order_no == erased).values(contact_phone=None))
        session.commit()
    unknown = real[:-6] + "999999"
    answers = [browser(f"198.51.100.{i}").lookup(no, digits) for i, (no, digits) in enumerate(
        [(real, "1234"), (unknown, DIGITS), (anonymous, DIGITS), (anonymous_no_phone, DIGITS), (erased, DIGITS)])]
    assert {(a.status_code, a.text) for a in answers} == {(404, json.dumps({"detail": svc.NOT_FOUND},
                                                                            ensure_ascii=False, separators=(",", ":")))}
    assert "未查询到匹配的工单" in answers[0].json()["detail"]
    assert [r for r in rows(world, PersonalDataRead) if r.action == "result_lookup"] == []


@pytest.mark.parametrize("body, detail", [
    ({"order_no": "SL2025", "phone_last4": "0000"}, svc.BAD_ORDER_NO),
    ({"order_no": "XX20250106000001", "phone_last4": "0000"}, svc.BAD_ORDER_NO),
    ({"order_no": "SL20250106000001", "phone_last4": "000"}, svc.BAD_LAST4),
    ({"order_no": "SL20250106000001", "phone_last4": "00000"}, svc.BAD_LAST4),
    ({"order_no": "SL20250106000001", "phone_last4": "abcd"}, svc.BAD_LAST4),
    ({"order_no": "SL20250106000001"}, "请填写工单编号和联系电话后四位。"),
    ({"order_no": 1, "phone_last4": "0000"}, "请填写工单编号和联系电话后四位。"),
    ({"order_no": "S" * 65, "phone_last4": "0000"}, "请填写工单编号和联系电话后四位。"),
])
def test_malformed_input_is_answered_in_chinese_and_not_counted(world, browser, body, detail):
    response = browser().client.post(PATH, json=body)
    assert (response.status_code, response.json()["detail"]) == (422, detail)
    assert rows(world, ResultLookupFailure) == []


def test_a_body_that_is_no_json_is_422(world, browser):
    response = browser().client.post(PATH, content=b"\xff{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "工单编号" in response.json()["detail"]


def test_no_token_is_needed_and_a_token_changes_nothing(world, browser):
    order_no = completed(world)
    assert browser().lookup(order_no, Authorization=f"Bearer {AGENT}").json()["result"] == REPLY["result"]
    assert browser().lookup(order_no, Authorization="Bearer wrong").status_code == 200


# -- guessing: per order number ------------------------------------------------------------------
def test_five_failures_lock_the_order_number_for_an_hour_even_with_the_right_digits(world, browser):
    order_no = completed(world)
    world.clock.set(2025, 2, 1, 10, 0)
    for i in range(5):  # from five addresses: the order's own counter
        assert browser(f"198.51.100.{i}").lookup(order_no, f"{1111 * (i + 1):04d}"[:4]).status_code == 404
        world.clock.advance(minutes=5)
    locked = browser().lookup(order_no)
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("该工单编号查询失败次数过多") and "12345" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) == 55 * 60  # the lock began with the fifth failure, 5 minutes ago
    assert browser().lookup(completed(world)).status_code == 200  # the same address, another order: served
    # refused attempts are not counted: the lock still ends an hour after the fifth failure
    world.clock.set(2025, 2, 1, 11, 19)
    assert browser().lookup(order_no).status_code == 429
    world.clock.set(2025, 2, 1, 11, 20, 1)
    assert browser().lookup(order_no).status_code == 200


def test_an_unknown_order_number_locks_the_same_way(world, browser):
    unknown = "SL20250106999999"
    for i in range(5):
        assert browser(f"198.51.100.{i}").lookup(unknown).status_code == 404
    assert browser().lookup(unknown).status_code == 429


def test_failures_spread_over_more_than_the_window_do_not_lock(world, browser):
    order_no = completed(world)
    world.clock.set(2025, 2, 1, 10, 0)
    for i in range(8):
        assert browser(f"198.51.100.{i}").lookup(order_no, "9999").status_code == 404
        world.clock.advance(minutes=16)  # at most four within any hour
    assert browser().lookup(order_no).status_code == 200


def test_a_success_clears_the_order_counter(world, browser):
    order_no = completed(world)
    for _ in range(2):
        for _ in range(4):
            assert browser().lookup(order_no, "9999").status_code == 404
        assert browser().lookup(order_no).status_code == 200
    assert browser().lookup(order_no, "9999").status_code == 404


# -- guessing: per address -----------------------------------------------------------------------
def test_twenty_failures_lock_the_address_and_a_success_does_not_reset_it(world, browser):
    known = completed(world)
    world.clock.set(2025, 2, 1, 10, 0)
    for i in range(19):  # many order numbers, each guessed once
        assert browser().lookup(f"SL20250201{i:06d}").status_code == 404
    assert browser().lookup(known).status_code == 200  # the guesser's own order resets nothing
    assert browser().lookup("SL20250201999999").status_code == 404  # the twentieth
    locked = browser().lookup(known)
    assert locked.status_code == 429 and locked.json()["detail"].startswith("查询失败次数过多")
    assert int(locked.headers["retry-after"]) == 3600
    assert browser("198.51.100.200").lookup(known).status_code == 200  # other addresses are served
    world.clock.advance(minutes=60, seconds=1)
    assert browser().lookup(known).status_code == 200


def test_an_ipv6_line_counts_as_one_address():
    assert svc.address_key("2001:db8:1:2:aaaa::1") == svc.address_key("2001:db8:1:2:bbbb::2") == "ip:2001:db8:1:2::/64"
    assert svc.address_key("2001:db8:1:3::1") != svc.address_key("2001:db8:1:2::1")
    assert svc.address_key("::ffff:198.51.100.1") == "ip:198.51.100.1"
    assert svc.address_key("198.51.100.1") == "ip:198.51.100.1"
    assert svc.address_key(None) == "ip:unknown"


def test_the_limits_come_from_the_settings(db_url, monkeypatch):
    monkeypatch.setenv("GATEWAY_RESULT_LOOKUP_ORDER_MAX_FAILURES", "2")
    monkeypatch.setenv("GATEWAY_RESULT_LOOKUP_IP_MAX_FAILURES", "3")
    monkeypatch.setenv("GATEWAY_RESULT_LOOKUP_LOCK_MINUTES", "5")
    w = make_world(db_url)
    try:
        assert (w.app.state.settings.result_lookup_order_max_failures, w.app.state.settings.result_lookup_window_minutes) \
            == (2, 60)
        order_no = completed(w)
        with TestClient(w.app, client=(CITIZEN_IP, 1)) as c:
            post = lambda no, digits=DIGITS: c.post(PATH, json={"order_no": no, "phone_last4": digits})  # noqa: E731
            assert [post(order_no, "9999").status_code for _ in range(2)] == [404, 404]
            assert post(order_no).status_code == 429
            w.clock.advance(minutes=5, seconds=1)
            assert post(order_no).status_code == 200
            assert post("SL20250106999999").status_code == 404  # the third failure of this address
            assert post(order_no).status_code == 429
    finally:
        w.close()


def test_replicas_share_the_counters(db_url, world, browser):
    other = make_world(db_url)
    other.app.state.clock = world.clock
    try:
        order_no = completed(world)
        for i in range(5):
            assert browser(f"198.51.100.{i}", other if i % 2 else world).lookup(order_no, "9999").status_code == 404
        assert browser(w=other).lookup(order_no).status_code == 429
        assert browser().lookup(order_no).status_code == 429
    finally:
        other.close()


def test_old_failures_are_deleted_when_they_can_lock_nothing(world, browser):
    world.clock.set(2025, 2, 1, 10, 0)
    browser().lookup("SL20250201000001")
    world.clock.advance(hours=2, seconds=1)
    browser().lookup("SL20250201000002")
    assert [r.key for r in rows(world, ResultLookupFailure)] == [f"ip:{CITIZEN_IP}", "order:SL20250201000002"]


def test_the_lock_rule():
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    at = [t0 + dt.timedelta(minutes=m) for m in (0, 10, 20, 30, 40)]
    assert svc._locked_until(at, 5, hour, hour) == at[-1] + hour
    assert svc._locked_until(at[:4], 5, hour, hour) is None
    assert svc._locked_until([t0 + dt.timedelta(minutes=20 * m) for m in range(5)], 5, hour, hour) is None


# -- rating --------------------------------------------------------------------------------------
def test_rating_is_possible_only_while_the_bot_would_take_it(world, browser):
    order_no = completed(world, channel="webchat")  # the result was queued for the citizen's web chat
    assert browser().lookup(order_no).json()["rating_possible"] is True
    world.clock.advance(hours=73)  # GATEWAY_NOTIFY_RATING_HOURS = 72
    assert browser().lookup(order_no).json()["rating_possible"] is False
    rated = completed(world, channel="wechat")
    world.ok(BOT, rated, "feedback", satisfaction="满意")
    body = browser().lookup(rated).json()
    assert (body["rating_possible"], body["rating_channel"]) == (False, None)
    assert "满意" not in json.dumps(body, ensure_ascii=False)
    by_phone = completed(world, channel="phone")  # no message went anywhere: nothing to answer
    assert browser().lookup(by_phone).json()["rating_possible"] is False


# -- portal pages on other hosts -----------------------------------------------------------------
def test_cors_only_for_the_configured_portal_origins(world, browser):
    order_no = completed(world)
    allowed = browser().lookup(order_no, Origin=PORTAL)
    assert allowed.headers["access-control-allow-origin"] == PORTAL and "Origin" in allowed.headers["vary"]
    missed = browser().lookup(order_no, "9999", Origin=PORTAL)
    assert missed.status_code == 404 and missed.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-origin" not in browser().lookup(order_no, Origin="https://evil.example").headers
    pre = browser().client.options(PATH, headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == PORTAL
    assert pre.headers["access-control-allow-methods"] == "POST"
    assert browser().client.options(PATH, headers={"Origin": "https://evil.example"}).status_code == 403


@pytest.mark.parametrize("value", ["*", "www.shangluo.gov.cn", "https://x/path", "javascript:alert(1)"])
def test_origins_setting_takes_only_origins(value):
    with pytest.raises(ValidationError):
        Settings(result_lookup_origins=value)
    assert Settings(result_lookup_origins=" https://a.gov.cn/ ,http://b:8080").result_lookup_origin_set == {
        "https://a.gov.cn", "http://b:8080"}

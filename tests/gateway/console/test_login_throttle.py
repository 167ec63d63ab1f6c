"""Login throttling slows guessing by address and name but never locks the supervisor out
of her own known browser (issue 12.10; design in gateway/console/login_throttle.py)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.gateway.console.conftest import DAYTIME, PASSWORD, login

OFFICE = ("10.12.3.45", 52000)       # the supervisor's own desk
ATTACKER = ("203.0.113.66", 41000)   # somebody who read the README


def _browser(app, address: tuple[str, int]) -> TestClient:
    return TestClient(app, client=address)


def _at(app, seconds: float) -> None:
    app.state.clock = lambda: DAYTIME + dt.timedelta(seconds=seconds)


def test_device_cookie_is_httponly_strict_and_only_sent_to_the_login(console_app):
    with _browser(console_app, OFFICE) as desk:
        response = login(desk, "张主任")
        assert response.status_code == 303
        cookie = [c for c in response.headers.get_list("set-cookie") if c.startswith("console_device=")][0]
        assert "HttpOnly" in cookie and "Path=/console/login" in cookie
        assert "samesite=strict" in cookie.lower()


def test_a_flood_of_wrong_passwords_does_not_keep_the_supervisor_out_of_her_browser(console_app):
    with _browser(console_app, OFFICE) as desk:
        assert login(desk, "张主任").status_code == 303  # earlier: her browser becomes known
        device = desk.cookies.get("console_device", path="/console/login")
        assert device
    # an attacker guesses from one address ...
    with _browser(console_app, ATTACKER) as attacker:
        for _ in range(5):
            assert login(attacker, "张主任", "zhang123456").status_code == 401
        refused = login(attacker, "张主任", "zhang1234567")
        assert refused.status_code == 429 and "15 分钟" in refused.text
        assert login(attacker, "张主任", PASSWORD).status_code == 429  # locked at that address, even if right
    # ... then from many, all inside one 15-minute window
    for host in range(1, 11):
        with _browser(console_app, (f"198.51.100.{host}", 40000)) as guesser:
            for attempt in range(5):
                _at(console_app, host * 60 + attempt)
                assert login(guesser, "张主任", f"guess-{host}-{attempt}").status_code in (401, 429)
    with _browser(console_app, OFFICE) as desk:
        desk.cookies.set("console_device", device, path="/console/login")
        response = login(desk, "张主任")  # the right password from her known browser: in at once
        assert response.status_code == 303, response.text


def test_known_browser_gets_in_while_the_name_is_slowed_elsewhere(console_app):
    with _browser(console_app, OFFICE) as desk:
        assert login(desk, "张主任").status_code == 303
        device = desk.cookies.get("console_device", path="/console/login")
        assert device
    # twelve failures for the name from twelve addresses (none reaches its own address limit)
    for host in range(12):
        _at(console_app, host * 70)
        with _browser(console_app, (f"198.51.100.{host + 1}", 40000)) as guesser:
            assert login(guesser, "张主任", f"wrong-{host}-pass").status_code == 401
    last_failure = 11 * 70
    # a new machine of hers (no device cookie): slowed, told how long, never locked for the window
    _at(console_app, last_failure + 1)
    with _browser(console_app, ("10.12.3.99", 50000)) as new_pc:
        slowed = login(new_pc, "张主任")
        assert slowed.status_code == 429 and "秒后再试" in slowed.text
        wait = int(slowed.headers["retry-after"])
        assert 1 <= wait <= 60
        _at(console_app, last_failure + 1 + wait)
        assert login(new_pc, "张主任").status_code == 303
    # her known browser is not slowed at all, even right after another failure elsewhere
    _at(console_app, last_failure + 200)
    with _browser(console_app, ("198.51.100.77", 40000)) as guesser:
        assert login(guesser, "张主任", "yet-another-guess").status_code == 401
    with _browser(console_app, OFFICE) as desk:
        desk.cookies.set("console_device", device, path="/console/login")
        assert login(desk, "张主任").status_code == 303


def test_known_browser_has_its_own_limit_and_another_users_cookie_is_no_key(console_app):
    with _browser(console_app, OFFICE) as desk:
        assert login(desk, "王芳").status_code == 303
        device = desk.cookies.get("console_device", path="/console/login")
    with _browser(console_app, OFFICE) as desk:
        desk.cookies.set("console_device", device, path="/console/login")
        for _ in range(5):
            assert login(desk, "王芳", "typo typo typo").status_code == 401
        assert login(desk, "王芳").status_code == 429  # her own five mistakes: the window applies
    # 王芳's browser cookie does not make 张主任's attempts "known"
    with _browser(console_app, ATTACKER) as attacker:
        attacker.cookies.set("console_device", device, path="/console/login")
        for _ in range(5):
            assert login(attacker, "张主任", "wrong wrong wrong").status_code == 401
        assert login(attacker, "张主任").status_code == 429


def test_spraying_many_names_from_one_address_is_refused(console_app):
    with _browser(console_app, ATTACKER) as attacker:
        for i in range(20):
            assert login(attacker, f"用户{i}", "123456abcdef").status_code == 401
        assert login(attacker, "王芳").status_code == 429
    with _browser(console_app, OFFICE) as desk:
        assert login(desk, "王芳").status_code == 303


def test_throttled_attempts_are_audited_with_the_reason(console_app):
    with _browser(console_app, ATTACKER) as attacker:
        for _ in range(6):
            login(attacker, "李强", "not the password")
    with console_app.state.database.sessionmaker() as session:
        from gateway.console import audit

        rows = [e for e in audit.entries(session) if e.action == "login_throttled"]
    assert rows and rows[0].detail["reason"] == "locked" and rows[0].detail["client"] == ATTACKER[0]

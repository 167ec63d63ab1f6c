"""Human takeover in two browsers (issue 7): a citizen in the portal's chat widget and an
agent in the console, both headless Chromium against the whole product.

Screenshots: var/test-results/screenshots/takeover-*.png.
"""
from __future__ import annotations

import re

import pytest

from tests.e2e.test_takeover import AGENT, AGENT_PASSWORD, add_agent
from tests.e2e.test_webchat_browser import Widget
from tests.support.browser import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    ConsoleLog,
    chromium_available,
    pytest_runtest_makereport,
    shoot,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def two_contexts():
    """One headless Chromium with two independent browser contexts (own cookies and storage each)."""
    from playwright.sync_api import sync_playwright

    if not chromium_available():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            contexts = [browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
                        for _ in range(2)]
            for context in contexts:
                context.set_default_timeout(30_000)
            yield contexts
        finally:
            browser.close()


def log_in(page, stack, name: str, password: str) -> None:
    page.goto(stack.gateway.url + "/console")
    page.wait_for_selector("input[name=name]")  # redirected to the login page
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#waiting")


def test_citizen_in_the_widget_and_agent_in_the_console(stack, two_contexts):
    add_agent(stack, AGENT, AGENT_PASSWORD)
    citizen_context, agent_context = two_contexts
    citizen = citizen_context.new_page()
    agent = agent_context.new_page()
    agent_log = ConsoleLog(agent)

    widget = Widget(citizen, stack).open_portal()
    widget.open()
    widget.accept_privacy()
    widget.wait_connected()
    replies = widget.say("我要转人工")
    assert any("正在为您转接人工客服" in r for r in replies), replies
    sender_id = widget.sender_id  # what the console shows: the HMAC of the browser's session id
    assert sender_id != widget.session_id

    # the agent sees the conversation waiting, opens it and takes over
    log_in(agent, stack, AGENT, AGENT_PASSWORD)
    row = f'#waiting tr[data-sender-id="{sender_id}"]'
    agent.wait_for_selector(row)
    assert "群众要求转人工" in agent.inner_text(row)
    shoot(agent, "takeover-queue")
    agent.click(f"{row} a:has-text('查看并接管')")
    agent.wait_for_selector("#transcript li")
    agent.click("#takeover-btn")
    agent.wait_for_selector("#reply-text:not([disabled])")

    # the citizen writes while the bot is paused: no bot answer, the agent sees it
    bot_before = len(widget.texts("bot"))
    citizen.fill("#hlw-input", "有人吗？我家停水两天了")
    citizen.keyboard.press("Enter")
    agent.wait_for_selector(".turn.user .text:has-text('我家停水两天了')", timeout=30_000)

    # agent → citizen
    agent.fill("#reply-text", "您好，我是话务员王芳，马上为您登记。")
    agent.click("#reply-btn")
    citizen.wait_for_selector(".hlw-log [data-from=agent] .hlw-bubble:has-text('我是话务员王芳')")
    assert len(widget.texts("bot")) == bot_before  # the bot said nothing while the agent held it
    # citizen → agent, both ways once more
    citizen.fill("#hlw-input", "好的，地址是商州区北新街12号，电话13891400077")
    citizen.keyboard.press("Enter")
    agent.wait_for_selector(".turn.user .text:has-text('北新街12号')", timeout=30_000)

    # the order from the conversation
    agent.fill("#order-form textarea[name=description]", "家里停水两天了，一直没有人来修")
    agent.fill("#order-form input[name=district]", "商州区")
    agent.fill("#order-form input[name=address]", "北新街12号")
    agent.fill("#order-form input[name=contact_name]", "刘先生")
    agent.fill("#order-form input[name=contact_phone]", "13891400077")
    agent.click("#order-btn")
    agent.wait_for_selector("#order-result:has-text('SL')")
    order_no = re.search(r"SL\d{14}", agent.inner_text("#order-result")).group(0)
    orders = stack.orders_of(sender_id)
    assert [o["order_no"] for o in orders] == [order_no] and orders[0]["channel"] == "webchat"
    shoot(agent, "takeover-conversation")

    # hand back: the citizen is told, and the bot answers again
    agent.click("#handback-btn")
    citizen.wait_for_selector(".hlw-log [data-from=bot] .hlw-bubble:has-text('智能助手继续为您服务')")
    replies = widget.say("你好")
    assert replies and all(r.strip() for r in replies), replies
    agent.wait_for_selector("#takeover-btn:not([disabled])")
    shoot(citizen, "takeover-citizen")
    assert agent_log.errors == [] and agent_log.dialogs == []
    assert widget.log.errors == []

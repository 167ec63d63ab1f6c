"""查询办理结果 in the widget (issue 14), in headless Chromium against the whole product: a unit records
its result through the gateway API and an agent accepts it; a citizen on **another browser** (no
conversation there) opens the widget on the gateway's demo page, types the order number and the last
four digits of the contact phone, and reads the result — a wrong guess gets the one Chinese answer,
full-width digits work, with the keyboard alone and on a phone.

Screenshots: var/test-results/screenshots/result-lookup-*.png.
"""
from __future__ import annotations

import secrets

import pytest

from channels.webchat.session import sender_for
from tests.e2e.test_result_feedback import REPLY, completed
from tests.support import processes
from tests.support.browser import PHONE, ConsoleLog, launch, pytest_runtest_makereport, shoot  # noqa: F401

pytestmark = pytest.mark.slow

WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def order_of_another_browser(stack) -> str:
    """A completed web chat order whose conversation lives in some other browser."""
    sender = sender_for(processes.WEBCHAT_SENDER_SECRET, "web-" + secrets.token_hex(16))
    return completed(stack, "webchat", sender)  # contact phone 13891400001


def open_lookup(page, stack) -> ConsoleLog:
    log = ConsoleLog(page)
    page.goto(stack.gateway.url + "/")
    page.wait_for_selector("[data-hotline-webchat][data-ready=true]", state="attached")
    page.click(".hlw-launcher")
    page.wait_for_selector("#hlw-panel", state="visible")
    page.click(".hlw-lookup-toggle")
    page.wait_for_selector("#hlw-lookup", state="visible")
    return log


def test_a_result_is_found_by_order_number_and_the_phones_last_four_digits_on_another_browser(stack):
    order_no = order_of_another_browser(stack)
    with launch(reduced_motion="reduce") as context:
        page = context.pages[0] if context.pages else context.new_page()
        log = open_lookup(page, stack)
        assert page.evaluate("document.activeElement.id") == "hlw-lookup-order"  # focus moved into the form
        assert page.get_attribute(".hlw-lookup-toggle", "aria-expanded") == "true"
        assert page.locator(".hlw-log").is_hidden()

        # a wrong guess: the one answer for every miss, nothing shown
        page.keyboard.type(order_no)
        page.keyboard.press("Tab")
        page.keyboard.type("1234")
        page.keyboard.press("Enter")
        page.wait_for_selector(".hlw-lookup-error:not([hidden])")
        assert "未查询到匹配的工单" in page.inner_text(".hlw-lookup-error")
        assert page.locator(".hlw-lookup-result").is_hidden()

        # the right digits, typed full-width with a space, as a Chinese input method may give them
        page.fill("#hlw-lookup-last4", "0 0 0 1".translate(WIDE))
        page.keyboard.press("Enter")
        page.wait_for_selector(".hlw-lookup-result:not([hidden])")
        assert page.locator(".hlw-lookup-error").is_hidden()
        result = page.inner_text(".hlw-lookup-result")
        for part in ("您的工单已办理完毕", order_no, "已办结", REPLY["handling_unit"], REPLY["result"], "2026年12月2日",
                     "回复“满意”“基本满意”或“不满意”", "网页在线咨询"):
            assert part in result, (part, result)
        for private in ("王建军", "13891400001", "北新街的路灯", "王五", "已电话告知群众"):
            assert private not in result and private not in page.content()
        assert page.evaluate("document.activeElement.className") == "hlw-lookup-result"  # read out next
        shoot(page, "result-lookup-desktop")

        # back to the conversation, and Esc closes the panel as before
        page.click(".hlw-lookup-toggle")
        assert page.locator(".hlw-log").is_visible() and page.locator("#hlw-lookup").is_hidden()
        page.keyboard.press("Escape")
        assert page.locator("#hlw-panel").is_hidden()
        assert not log.errors and not log.dialogs, (log.errors, log.dialogs)
        assert not [m for m in log.messages if "Content Security Policy" in m], log.messages


def test_the_lookup_form_works_on_a_phone(stack):
    order_no = order_of_another_browser(stack)
    with launch(viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce") as context:
        page = context.pages[0] if context.pages else context.new_page()
        open_lookup(page, stack)
        assert page.get_attribute("#hlw-lookup-last4", "inputmode") == "numeric"  # the digit keyboard
        page.fill("#hlw-lookup-order", order_no)
        page.fill("#hlw-lookup-last4", "0001")
        page.tap(".hlw-lookup-submit")
        page.wait_for_selector(".hlw-lookup-result:not([hidden])")
        assert REPLY["result"] in page.inner_text(".hlw-lookup-result")
        for selector in ("#hlw-lookup-order", ".hlw-lookup-submit", ".hlw-lookup-result"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (selector, box)
        shoot(page, "result-lookup-phone")

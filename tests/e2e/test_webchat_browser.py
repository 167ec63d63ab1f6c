"""The portal's chat widget in headless Chromium, against the whole product: the gateway's
demo page embeds the widget, which talks over socket.io to the stack's Rasa server
(webchat channel, Redis stores and Redis-shared socket.io rooms).

Screenshots: var/test-results/screenshots/webchat-*.png.
"""
from __future__ import annotations

import re
from typing import List

import httpx
import pytest

from tests.support.browser import PHONE, ConsoleLog, launch, pytest_runtest_makereport, shoot  # noqa: F401
from channels.webchat.session import sender_for
from tests.support import processes
from tests.support.citizen import Profile, answer

pytestmark = pytest.mark.slow

XSS = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'


class Widget:
    """Drives the widget on the demo page the way a citizen does."""

    def __init__(self, page, stack) -> None:
        self.page = page
        self.stack = stack
        self.log = ConsoleLog(page)

    @classmethod
    def started(cls, context, stack) -> "Widget":
        """The demo page with the panel open, the privacy notice accepted and the socket up."""
        widget = cls(context.pages[0] if context.pages else context.new_page(), stack).open_portal()
        widget.open()
        widget.accept_privacy()
        widget.wait_connected()
        return widget

    # -- page
    def open_portal(self) -> "Widget":
        self.page.goto(self.stack.gateway.url + "/")
        self.page.wait_for_selector("[data-hotline-webchat][data-ready=true]", state="attached")
        return self

    def open(self) -> None:
        self.page.click(".hlw-launcher")
        self.page.wait_for_selector("#hlw-panel", state="visible")

    def accept_privacy(self) -> None:
        self.page.click(".hlw-privacy button")

    def wait_connected(self) -> None:
        self.page.wait_for_selector(".hlw-send:not([disabled])")

    @property
    def session_id(self) -> str:
        """The browser's secret (localStorage); the server derives the sender id from it."""
        return self.page.evaluate("localStorage.getItem('hotline-webchat-session')")

    @property
    def sender_id(self) -> str:
        """The conversation's sender id, as the gateway, the console and Rasa's API know it."""
        return sender_for(processes.WEBCHAT_SENDER_SECRET, self.session_id)

    # -- transcript
    def texts(self, who: str) -> List[str]:
        return self.page.locator(f".hlw-log [data-from={who}] .hlw-bubble").all_inner_texts()

    def turns(self) -> int:
        return int(self.page.get_attribute("[data-hotline-webchat]", "data-turns") or 0)

    def wait_turn(self, before: int) -> None:
        """Waits until the bot finished its answer to the message sent after `before` turns
        (a selector, not a script: the demo page's CSP forbids eval, which wait_for_function needs)."""
        self.page.wait_for_selector(f'[data-hotline-webchat][data-turns="{before + 1}"]', state="attached",
                                    timeout=90_000)

    def _await_turn(self, before_turns: int, before_bot: int) -> List[str]:
        self.wait_turn(before_turns)
        return self.texts("bot")[before_bot:]

    def say(self, text: str) -> List[str]:
        """Types `text` (or clicks the quick reply with that title) and returns the bot's new messages."""
        before_turns, before_bot = self.turns(), len(self.texts("bot"))
        button = self.page.locator(".hlw-reply", has_text=re.compile("^" + re.escape(text) + "$"))
        if button.count():
            button.first.click()
        else:
            self.page.fill("#hlw-input", text)
            self.page.keyboard.press("Enter")
        return self._await_turn(before_turns, before_bot)

    def run_order(self, first: str, profile: Profile, max_turns: int = 15) -> List[str]:
        transcript: List[str] = []
        replies = self.say(first)
        for _ in range(max_turns):
            transcript += replies
            joined = "\n".join(replies)
            if "工单编号" in joined:
                return transcript
            reply = answer(replies[-1] if replies else "", profile) or answer(joined, profile)
            assert reply is not None, f"no answer for: {joined}"
            replies = self.say(reply)
        raise AssertionError("no order after %d turns:\n%s" % (max_turns, "\n".join(transcript)))


@pytest.fixture
def desktop():
    # reduced motion: screenshots and boxes without the panel's slide-in half-way
    with launch(reduced_motion="reduce") as context:
        yield context


@pytest.fixture
def phone():
    # reduced motion: the panel's slide-in would otherwise be measured half-way
    with launch(viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce") as context:
        yield context


def _order_of(stack, sender_id: str, transcript: List[str]) -> dict:
    orders = stack.orders_of(sender_id)
    assert len(orders) == 1, (orders, transcript)
    return orders[0]


def test_full_conversation_in_the_widget_becomes_a_stored_order_and_survives_a_reload(stack, desktop):
    page = desktop.pages[0] if desktop.pages else desktop.new_page()
    widget = Widget(page, stack).open_portal()
    widget.open()
    # the privacy notice comes first: nothing can be sent before it is accepted
    assert page.is_visible(".hlw-privacy") and not page.is_visible("#hlw-input")
    shoot(page, "webchat-privacy")
    widget.accept_privacy()
    widget.wait_connected()
    assert page.evaluate("document.activeElement.id") == "hlw-input"

    transcript = widget.run_order("我要投诉，商州区北新街有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着",
                                  Profile(phone="13891400061"))
    session_id = widget.session_id
    order = _order_of(stack, widget.sender_id, transcript)
    assert order["sender_id"] == widget.sender_id != session_id  # the session id never reaches the gateway
    assert order["channel"] == "webchat" and order["type"] == "投诉" and order["contact_phone"] == "13891400061"
    assert order["order_no"] in transcript[-1]
    shoot(page, "webchat-conversation")

    citizen_before = widget.texts("citizen")
    page.reload()
    page.wait_for_selector("[data-hotline-webchat][data-ready=true]", state="attached")
    # the panel was open, so it opens again with the whole conversation
    page.wait_for_selector(f".hlw-log [data-from=bot] .hlw-bubble:has-text('{order['order_no']}')")
    assert widget.session_id == session_id
    assert widget.texts("bot")[-1] == transcript[-1]
    assert widget.texts("citizen") == citizen_before
    assert not page.is_visible(".hlw-privacy")  # accepted once in this browser
    shoot(page, "webchat-after-reload")
    assert widget.log.errors == [] and widget.log.dialogs == []


def test_an_agent_message_reaches_the_open_page_and_the_history(stack, desktop):
    """The takeover contract: Rasa's tracker-events API with output_channel=latest."""
    widget = Widget.started(desktop, stack)
    page = widget.page
    widget.say("你好")
    sender_id = widget.sender_id
    _agent_says(stack, sender_id, "您好，我是人工客服王芳，<b>正在</b>为您处理。")
    page.wait_for_selector(".hlw-log [data-from=agent]")
    assert widget.texts("agent") == ["您好，我是人工客服王芳，<b>正在</b>为您处理。"]
    assert "王芳" in page.inner_text(".hlw-log [data-from=agent] .hlw-who")
    page.reload()
    page.wait_for_selector(".hlw-log [data-from=agent]")
    assert widget.texts("agent") == ["您好，我是人工客服王芳，<b>正在</b>为您处理。"]

    # a message sent while no page is open is there when the citizen comes back
    page.close()
    _agent_says(stack, sender_id, "您反映的问题已转交商州区水务局，请保持电话畅通。")
    page = desktop.new_page()
    widget = Widget(page, stack).open_portal()
    page.wait_for_selector(".hlw-launcher.hlw-unread")  # a reconnecting session shows new messages on the launcher
    widget.open()
    page.wait_for_selector(".hlw-log [data-from=agent] >> nth=1")
    assert widget.texts("agent")[-1] == "您反映的问题已转交商州区水务局，请保持电话畅通。"
    shoot(page, "webchat-agent")


def _agent_says(stack, sender_id: str, text: str) -> None:
    response = httpx.post(
        f"{stack.rasa.url}/conversations/{sender_id}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest", "token": stack.rasa_token},
        json={"event": "bot", "text": text, "metadata": {"agent": "王芳"}}, timeout=30)
    assert response.status_code == 200, response.text


def test_xss_payload_is_shown_as_text_and_runs_nothing(stack, desktop):
    widget = Widget.started(desktop, stack)
    page = widget.page
    widget.say(XSS)
    assert XSS in widget.texts("citizen")
    assert page.locator(".hlw-log img, .hlw-log script").count() == 0
    # the bot may echo parts of it back; after a reload the history renders it as text too
    page.reload()
    page.wait_for_selector(".hlw-log [data-from=citizen]")
    assert XSS in widget.texts("citizen")
    assert page.locator(".hlw-log img, .hlw-log script").count() == 0
    assert page.evaluate("window.__xss") is None
    assert widget.log.dialogs == []
    shoot(page, "webchat-xss")


def test_oversized_and_empty_messages_get_a_clear_chinese_error(stack, desktop):
    widget = Widget.started(desktop, stack)
    page = widget.page
    page.keyboard.press("Enter")  # empty
    assert "不能为空" in page.inner_text(".hlw-error")
    # the input stops at 2000 characters; a page script going around it is refused by the server
    page.fill("#hlw-input", "长" * 2100)
    assert len(page.input_value("#hlw-input")) == 2000
    # a script going around the widget is refused by the server, in Chinese, and nothing reaches the bot
    error = page.evaluate("""url => new Promise((resolve, reject) => {
        const s = window.io(url, {transports: ["websocket"]});
        s.on("session_confirm", m => s.emit("user_uttered", {session_id: m.session_id, message: "长".repeat(2001)}));
        s.on("webchat_error", e => { s.close(); resolve(e); });
        s.on("bot_uttered", m => { s.close(); reject(new Error("answered: " + m.text)); });
        s.emit("session_request", {});
        setTimeout(() => reject(new Error("no answer")), 20000);
    })""", stack.rasa.url)
    assert error["code"] == "too_long" and "2000" in error["text"] and "太长" in error["text"]
    assert widget.texts("citizen") == []
    # text that is empty once cleaned (control characters only) is refused by the server: marked 未发送
    page.fill("#hlw-input", "\u0001\u0002\u0003")
    page.keyboard.press("Enter")
    page.wait_for_selector(".hlw-log [data-from=citizen].hlw-unsent >> text=未发送")
    assert "不能为空" in page.inner_text(".hlw-error")


def test_phone_viewport_takes_the_whole_screen_and_works(stack, phone):
    page = phone.pages[0] if phone.pages else phone.new_page()
    widget = Widget(page, stack).open_portal()
    launcher = page.locator(".hlw-launcher").bounding_box()
    assert launcher["x"] + launcher["width"] <= PHONE["width"] and launcher["y"] + launcher["height"] <= PHONE["height"]
    page.tap(".hlw-launcher")
    page.wait_for_selector("#hlw-panel", state="visible")
    box = page.locator("#hlw-panel").bounding_box()
    assert box["x"] == 0 and box["y"] == 0
    assert box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
    page.tap(".hlw-privacy button")
    widget.wait_connected()
    replies = widget.say("我们小区停水两天了")
    assert replies and all(r.strip() for r in replies)
    send_box = page.locator(".hlw-send").bounding_box()
    assert send_box["y"] + send_box["height"] <= PHONE["height"]  # the send button stays on screen
    shoot(page, "webchat-phone")
    page.tap(".hlw-close")
    assert not page.is_visible("#hlw-panel")


def test_keyboard_only_use_and_screen_reader_markup(stack, desktop):
    page = desktop.pages[0] if desktop.pages else desktop.new_page()
    widget = Widget(page, stack).open_portal()
    # ARIA: the launcher says what it controls, the panel is a labelled dialog, new messages are announced
    assert page.get_attribute(".hlw-launcher", "aria-expanded") == "false"
    assert page.get_attribute(".hlw-launcher", "aria-controls") == "hlw-panel"
    page.focus(".hlw-launcher")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hlw-panel", state="visible")
    assert page.get_attribute("#hlw-panel", "role") == "dialog"
    assert page.inner_text("#" + page.get_attribute("#hlw-panel", "aria-labelledby"))
    assert page.get_attribute(".hlw-log", "role") == "log" and page.get_attribute(".hlw-log", "aria-live") == "polite"
    assert page.get_attribute(".hlw-launcher", "aria-expanded") == "true"
    # focus moved into the panel, onto the privacy notice's button
    assert page.evaluate("document.activeElement.textContent") == "同意并开始咨询"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "hlw-input"
    widget.wait_connected()
    assert page.evaluate("document.querySelector('label[for=hlw-input]').textContent")
    page.keyboard.type("我想咨询一下")
    before = widget.turns()
    page.keyboard.press("Enter")
    widget.wait_turn(before)
    # quick replies (when the bot offers them) sit between the transcript and the text box:
    # Shift+Tab from the text box reaches them, Enter presses one
    if page.locator(".hlw-reply").count():
        assert page.evaluate("document.activeElement.id") == "hlw-input"
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.classList.contains('hlw-reply')")
        before = widget.turns()
        page.keyboard.press("Enter")
        widget.wait_turn(before)
    # Esc closes the panel and gives the focus back to the launcher
    page.focus("#hlw-input")
    page.keyboard.press("Escape")
    assert not page.is_visible("#hlw-panel")
    assert page.evaluate("document.activeElement.classList.contains('hlw-launcher')")
    assert page.get_attribute(".hlw-launcher", "aria-expanded") == "false"
    shoot(page, "webchat-keyboard")


def test_the_widget_reconnects_after_the_rasa_server_comes_back(stack, desktop):
    """Runs last: it restarts the stack's Rasa server."""
    widget = Widget.started(desktop, stack)
    page = widget.page
    widget.say("你好")
    session_id = widget.session_id
    stack.crash_rasa()
    page.wait_for_selector(".hlw-status:has-text('连接中')")
    assert page.is_disabled(".hlw-send")
    shoot(page, "webchat-reconnecting")
    page.fill("#hlw-input", "我们小区停水两天了")  # typed while down: kept in the box
    stack.restart_rasa()
    widget.wait_connected()  # socket.io reconnected by itself, same session
    assert not page.is_visible(".hlw-status") and widget.session_id == session_id
    assert "你好" in widget.texts("citizen")  # the transcript came back from the server
    assert page.input_value("#hlw-input") == "我们小区停水两天了"
    before_turns, before_bot = widget.turns(), len(widget.texts("bot"))
    page.keyboard.press("Enter")
    assert widget._await_turn(before_turns, before_bot)

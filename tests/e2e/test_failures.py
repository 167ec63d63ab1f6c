"""Nothing is lost or duplicated when the gateway is down or the Rasa server dies."""
from __future__ import annotations

import pytest

from tests.support.citizen import Profile, answer

pytestmark = pytest.mark.slow


def _fill_until_summary(say, first, profile):
    replies = say(first)
    for _ in range(12):
        if "请核对" in replies[-1]:
            return replies
        replies = say(answer(replies[-1], profile))
    raise AssertionError(replies)


def test_gateway_down_keeps_the_order_and_retries_once(stack, sender):
    say = stack.say(sender)
    profile = Profile(district="柞水县", address="乾佑街道滨河路", phone="13891400003")
    _fill_until_summary(say, "柞水县乾佑街道滨河路下水道堵了污水冒到路上好几天了", profile)
    stack.stop_gateway()
    try:
        replies = say("确认")
        assert any("没有提交成功" in r for r in replies), replies
    finally:
        stack.start_gateway()
    assert not stack.orders_of(sender)
    replies = say("确认")
    assert any("工单编号" in r for r in replies), replies
    # the same confirmation delivered twice (a channel retry) does not create a second order
    say("确认")
    assert len(stack.orders_of(sender)) == 1


def test_rasa_server_crash_mid_form_loses_nothing(stack, sender):
    say = stack.say(sender)
    say("商南县城关街道新民街的井盖丢了，晚上很危险，赶紧派人来修一下")
    replies = say("商南县")
    stack.crash_rasa()
    stack.restart_rasa()
    # the conversation lives in Redis: the form goes on where it was
    profile = Profile(district="商南县", address="城关街道新民街", phone="13891400004")
    for _ in range(12):
        replies = say(answer(replies[-1], profile) or "商南县城关街道新民街")
        if any("工单编号" in r for r in replies):
            break
    orders = stack.orders_of(sender)
    assert len(orders) == 1 and orders[0]["district"] == "商南县"

"""Emergencies get the number at once and never an order; refusals name the right channel."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "bot" / "data"
NUMBERS = {"police": "110", "fire": "119", "medical": "120", "traffic": "122"}


def held_out_emergencies():
    return yaml.safe_load((DATA / "emergency_kinds.yml").read_text(encoding="utf-8"))


def test_every_held_out_emergency_gets_its_number_and_no_order(stack):
    cases = held_out_emergencies()
    assert len(cases) >= 40
    failures = []
    for i, case in enumerate(cases):
        sender = f"rest-emg-{i}-{stack.redis_prefix}"
        replies = [m.get("text", "") for m in stack.send(sender, case["text"])]
        first = replies[0] if replies else ""
        missing = [NUMBERS[k] for k in case["kinds"] if NUMBERS[k] not in first]
        if missing:
            failures.append((case["text"], missing, first))
        assert not stack.orders_of(sender)
    assert not failures, failures


def test_emergency_in_the_middle_of_a_form_interrupts_it(stack, sender):
    say = stack.say(sender)
    say("我要投诉镇安县永乐街道有个工地晚上施工噪音特别大")
    replies = say("哎呀不好了楼下着火了烟好大")
    assert "119" in replies[0]
    assert not stack.orders_of(sender)
    # the form is over: a bare answer is not taken as the address of the old complaint
    replies = say("你好")
    assert not any("请核对" in r for r in replies)


def test_ordinary_complaint_mentioning_120_is_not_an_emergency(stack, sender):
    replies = stack.say(sender)("我要投诉120急救车收费太贵了，拉了三公里收了我三百块")
    assert not any("立即拨打" in r or "马上拨打" in r for r in replies), replies


@pytest.mark.parametrize("text, channel", [
    ("法院判决都下来半年了对方就是不执行，你们能不能管管", "12368"),
    ("我要举报我们镇的书记贪污受贿", "12388"),
    ("我已经去信访局上访过了还没结果", "信访"),
    ("帮我查一下我前妻现在住在哪里", "个人信息"),
])
def test_out_of_scope_is_refused_with_the_channel(stack, sender, text, channel):
    replies = "\n".join(stack.say(sender)(text))
    assert channel in replies, replies
    assert not stack.orders_of(sender)


def test_cross_region_is_handed_to_the_province(stack, sender):
    replies = "\n".join(stack.say(sender)("我在西安市雁塔区租的房子房东不退押金"))
    assert "省" in replies and "12345" in replies, replies


def test_unclear_message_gets_a_prompt_not_a_refusal(stack, sender):
    replies = "\n".join(stack.say(sender)("我有个事"))
    assert "什么事" in replies or "说说" in replies, replies

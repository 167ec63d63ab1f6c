"""A Chinese request goes end to end over the REST channel and lands in the gateway."""
from __future__ import annotations

import pytest

from tests.support.citizen import Profile, run_form

pytestmark = pytest.mark.slow


def test_complaint_becomes_one_stored_order(stack, sender):
    profile = Profile()
    transcript = run_form(stack.say(sender), "我要投诉，商州区北新街有个烧烤摊天天晚上吵到凌晨两点，油烟也大，根本睡不着", profile)
    orders = stack.orders_of(sender)
    assert len(orders) == 1, transcript
    order = orders[0]
    assert order["type"] == "投诉"
    assert order["district"] == "商州区"
    assert order["contact_phone"] == "13891400001", transcript
    assert order["channel"] == "rest"
    assert "烧烤" in order["description"]
    assert order["order_no"] in transcript[-1]
    assert "5个工作日" in transcript[-1]


def test_help_request_with_details_in_one_message(stack, sender):
    profile = Profile(address="丹凤县龙驹寨街道花园小区3号楼")
    first = "我们丹凤县龙驹寨街道花园小区停水两天了，一直没人管，我叫刘芳，电话15191401234"
    transcript = run_form(stack.say(sender), first, profile)
    joined = "\n".join(transcript)
    # the name and phone given in the first message were taken, not asked again
    assert "怎么称呼" not in joined and "电话号码" not in joined, joined
    order = stack.orders_of(sender)[0]
    assert order["type"] == "求助" and order["district"] == "丹凤县"
    assert order["contact_phone"] == "15191401234"


def test_correction_on_the_summary(stack, sender):
    say = stack.say(sender)
    replies = say("洛南县城关街道西街的路灯坏了一个多月了晚上黑乎乎的")
    profile = Profile(district="洛南县", address="城关街道西街", phone="13891400002")
    # answer until the summary is shown
    from tests.support.citizen import answer

    for _ in range(12):
        last = replies[-1]
        if "请核对" in last:
            break
        replies = say(answer(last, profile))
    assert "13891400002" in replies[-1]
    replies = say("电话写错了，是13991234567")
    assert "请核对" in replies[-1] and "13991234567" in replies[-1], replies
    replies = say("确认")
    assert "工单编号" in replies[-1]
    assert stack.orders_of(sender)[0]["contact_phone"] == "13991234567"


def test_status_and_withdrawal(stack, sender):
    run_form(stack.say(sender), "我要举报，山阳县城关镇有家饭店把油烟直接排到居民楼里", Profile(district="山阳县"))
    order_no = stack.orders_of(sender)[0]["order_no"]
    say = stack.say(sender)
    status = "\n".join(say("我的工单办得怎么样了"))
    assert order_no in status and "已受理" in status
    ask = "\n".join(say("问题已经解决了，我想撤单"))
    assert order_no in ask and "撤销" in ask
    done = "\n".join(say("确定"))
    assert "已撤销" in done
    assert stack.orders_of(sender)[0]["status"] == "withdrawn"


def test_the_readme_example_conversation(stack, sender):
    """README "Try it": 我们小区停水两天了 is a help request, never another region or an emergency."""
    say = stack.say(sender)
    first = "\n".join(say("我们小区停水两天了"))
    assert "陕西省" not in first and "110" not in first and "没太明白" not in first, first
    assert "哪个县区" in first, first
    replies = say("商州区城关街道幸福路12号")  # the district answer that goes on to the address
    assert "具体地址" not in "\n".join(replies), replies
    profile = Profile(phone="139-9140-5566", name="额姓王，叫王有福")
    from tests.support.citizen import answer

    for _ in range(10):
        if "工单编号" in "\n".join(replies):
            break
        reply = answer(replies[-1], profile)
        assert reply is not None, replies
        replies = say(reply)
    order = stack.orders_of(sender)[0]
    assert order["district"] == "商州区" and "幸福路12号" in order["address"]
    assert order["contact_name"] == "王有福" and order["contact_phone"] == "13991405566"
    assert "停水" in order["description"]

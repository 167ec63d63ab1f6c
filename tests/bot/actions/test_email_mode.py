"""Email mode of the order form: every missing detail asked in one mail, all taken from one answer."""
from __future__ import annotations

from bot.actions import email_mode as em
from bot.actions.order_form import ActionAskAnonymous, ValidateOrderForm
from tests.bot.conftest import make_tracker, slot_events, texts

FORM = "order_form"
COMPLAINT = "我要投诉商州区北新街的烧烤店，每天晚上油烟和噪音扰民，希望管一管"


def test_question_block_is_numbered_chinese():
    block = em.question_block(["district", "address", "contact_phone"], "投诉")
    assert "1. 所在区县" in block and "2. 详细地址" in block and "3. 联系电话" in block
    assert block.count("\n") == 3


def test_question_block_for_suggestions_offers_citywide():
    assert "全市" in em.question_block(["district"], "意见建议")
    assert "全市" not in em.question_block(["district"], "投诉")


def test_missing_fields_skip_confirmation_and_filled():
    required = ["description", "district", "address", "order_confirmed"]
    assert em.missing_fields(required, {"description": "x"}) == ["district", "address"]


def test_parse_labelled_reply():
    text = "1. 所在区县（商州区、洛南县）：商州区\n详细地址：北新街 88 号\n联系电话：13891401234\n您的姓名：王建军\n是否需要回复办理结果：需要"
    fields = em.parse_reply(text)
    assert fields == {"district": "商州区", "address": "北新街 88 号", "contact_phone": "13891401234",
                      "contact_name": "王建军", "reply_required": "需要"}


def test_parse_numbered_reply_uses_the_questions_asked():
    fields = em.parse_reply("1. 山阳县\n2. 城关镇河堤\n3、昨天晚上", ["district", "address", "occurred_at"])
    assert fields == {"district": "山阳县", "address": "城关镇河堤", "occurred_at": "昨天晚上"}


def test_parse_ignores_blank_answers_and_unknown_lines():
    text = "所在区县（商州区）：\n联系电话：\n姓名：李\n今天天气不错"
    assert em.parse_reply(text) == {"contact_name": "李"}


def test_parse_description_over_several_lines():
    assert em.parse_reply("问题描述：楼下烧烤店\n每晚吵到两点\n联系电话：13891401234") == {
        "description": "楼下烧烤店\n每晚吵到两点", "contact_phone": "13891401234"}


def test_parse_plain_text_has_no_fields():
    assert em.parse_reply("好的，我住在商州区") == {}


def test_slot_for_label_prefers_phone_over_name():
    assert em.slot_for_label("联系电话") == "contact_phone"
    assert em.slot_for_label("联系人") == "contact_name"
    assert em.slot_for_label("是否需要回复办理结果") == "reply_required"


async def test_first_mail_asks_every_missing_detail_at_once(domain, dispatcher):
    tracker = make_tracker(text=COMPLAINT, intent="complaint", channel="email", active_loop=FORM,
                           slots={"order_type": "投诉"}, new_slots={"description": COMPLAINT})
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["district"] == "商州区"
    block = events["email_questions"]
    assert "1. 详细地址" in block and "联系电话" in block and "是否匿名" in block and "发生时间" in block
    assert events["email_asked"][0] == "address"
    assert events["requested_slot"] == "address"


async def test_answer_fills_every_slot_in_one_turn(domain, dispatcher):
    asked = ["address", "occurred_at", "anonymous", "contact_name", "contact_phone", "reply_required"]
    answer = ("1. 详细地址：北新街88号楼下\n2. 发生时间：每天晚上十点以后\n3. 是否匿名：实名\n"
              "4. 您的姓名：王建军\n5. 联系电话：13891401234\n6. 是否需要回复办理结果：需要")
    slots = {"order_type": "投诉", "description": COMPLAINT, "district": "商州区", "own_rights": False,
             "requested_slot": "address", "email_asked": asked}
    tracker = make_tracker(text=answer, channel="email", active_loop=FORM, slots=slots,
                           new_slots={"address": answer, "contact_phone": "13891401234"})
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["address"] == "北新街88号楼下"
    assert events["occurred_at"] == "每天晚上十点以后"
    assert events["anonymous"] is False
    assert events["contact_name"] == "王建军"
    assert events["contact_phone"] == "13891401234"
    assert events["reply_required"] is True
    assert events["requested_slot"] == "order_confirmed"
    assert events["email_questions"] is None


async def test_partial_answer_explains_and_asks_the_rest(domain, dispatcher):
    asked = ["address", "contact_phone"]
    answer = "详细地址：北新街88号\n联系电话：12"
    slots = {"order_type": "求助", "description": "路灯坏了一个月没人修", "district": "商州区", "occurred_at": "一个月",
             "contact_name": "王先生", "reply_required": True, "requested_slot": "address", "email_asked": asked}
    tracker = make_tracker(text=answer, channel="email", active_loop=FORM, slots=slots, new_slots={"address": answer})
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["address"] == "北新街88号"
    assert events["contact_phone"] is None
    assert "号码" in texts(dispatcher)
    assert events["requested_slot"] == "contact_phone"
    assert "1. 联系电话" in events["email_questions"]


async def test_anonymous_answer_drops_contact_questions(domain, dispatcher):
    asked = ["anonymous", "contact_name", "contact_phone"]
    answer = "是否匿名：匿名\n您的姓名：\n联系电话："
    slots = {"order_type": "举报", "description": "有人往河里倒垃圾", "district": "山阳县", "address": "城关镇河堤",
             "occurred_at": "昨天", "requested_slot": "anonymous", "email_asked": asked}
    tracker = make_tracker(text=answer, channel="email", active_loop=FORM, slots=slots, new_slots={"anonymous": answer})
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["anonymous"] is True
    assert events["requested_slot"] == "order_confirmed"


async def test_other_channels_are_unchanged(domain, dispatcher):
    tracker = make_tracker(text=COMPLAINT, channel="rest", active_loop=FORM,
                           slots={"order_type": "投诉"}, new_slots={"description": COMPLAINT})
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert "email_questions" not in events


async def test_anonymity_question_shows_the_block_by_email(domain, dispatcher):
    tracker = make_tracker(text="x", channel="email", slots={"order_type": "投诉", "email_questions": "1. 是否匿名（…）："})
    await ActionAskAnonymous().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == "1. 是否匿名（…）："


def test_the_block_copied_back_with_answers_is_read():
    asked = ["district", "occurred_at", "anonymous", "contact_name", "contact_phone", "reply_required"]
    block = em.question_block(asked, "投诉")
    answers = ["山阳县", "不清楚", "实名", "王先生", "0914-2312345", "不需要"]
    filled = "\n".join(line + answers[i] for i, line in enumerate(block.splitlines()[1:]))
    assert em.parse_reply("好的\n" + filled, asked) == dict(zip(asked, answers))

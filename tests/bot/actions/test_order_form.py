"""validate_order_form: one question at a time, several details per message, corrections."""
from __future__ import annotations

import pytest

from bot.actions.order_form import ActionAskAnonymous, ActionAskOrderConfirmed, ValidateOrderForm
from tests.bot.conftest import make_tracker, slot_events, texts

FORM = "order_form"


async def run_form(domain, dispatcher, **kwargs):
    tracker = make_tracker(active_loop=FORM, **kwargs)
    return slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))


async def test_description_also_takes_district_and_phone(domain, dispatcher):
    text = "商州区北新街烧烤摊天天吵到两点，我电话13891401234"
    events = await run_form(domain, dispatcher, text=text, slots={"order_type": "投诉"},
                            new_slots={"description": text})
    assert events["description"] == text
    assert events["district"] == "商州区"
    assert events["contact_phone"] == "13891401234"
    assert events["own_rights"] is False
    assert events["requested_slot"] == "address"


async def test_too_short_description_is_asked_again(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="投诉", slots={"order_type": "投诉"}, new_slots={"description": "投诉"})
    assert events["description"] is None
    assert events["requested_slot"] == "description"
    assert "具体" in texts(dispatcher)


async def test_oversized_description_is_refused_with_a_reason(domain, dispatcher):
    text = "吵" * 2500
    events = await run_form(domain, dispatcher, text=text, slots={"order_type": "投诉"}, new_slots={"description": text})
    assert events["description"] is None
    assert "2000" in texts(dispatcher)


async def test_district_alias_and_unknown(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="高新区", slots={"order_type": "求助", "description": "路灯坏了一个月", "requested_slot": "district"},
                            new_slots={"district": "高新区"})
    assert events["district"] == "商洛高新区（商丹园区）"
    dispatcher.messages.clear()
    events = await run_form(domain, dispatcher, text="火星", slots={"order_type": "求助", "description": "路灯坏了一个月", "requested_slot": "district"},
                            new_slots={"district": "火星"})
    assert events["district"] is None and "商州区" in texts(dispatcher)


async def test_other_city_is_told_about_the_province(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="西安雁塔区", slots={"order_type": "求助", "description": "路灯坏了一个月", "requested_slot": "district"},
                            new_slots={"district": "西安雁塔区"})
    assert events["district"] is None
    assert "省" in texts(dispatcher)


async def test_citywide_only_for_suggestions(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="全市", slots={"order_type": "意见建议", "description": "建议多设公交线路", "requested_slot": "district"},
                            new_slots={"district": "全市"})
    assert events["district"] == "全市"
    events = await run_form(domain, dispatcher, text="全市", slots={"order_type": "投诉", "description": "公交车司机态度差", "requested_slot": "district"},
                            new_slots={"district": "全市"})
    assert events["district"] is None


async def test_anonymous_report_skips_contact(domain, dispatcher):
    slots = {"order_type": "举报", "description": "有人非法排污到河里", "district": "山阳县", "address": "城关镇河堤",
             "occurred_at": "昨天"}
    events = await run_form(domain, dispatcher, text="/affirm", intent="affirm", slots=slots, new_slots={"anonymous": True})
    assert events["anonymous"] is True
    assert events["requested_slot"] == "reply_required"  # an anonymous citizen may still hear the result


async def test_own_rights_complaint_asks_for_name_not_anonymity(domain, dispatcher):
    text = "老板拖欠我三个月工资一直不给"
    events = await run_form(domain, dispatcher, text=text, slots={"order_type": "投诉"}, new_slots={"description": text})
    assert events["own_rights"] is True
    slots = {"order_type": "投诉", "description": text, "own_rights": True, "district": "洛南县", "address": "城关街道",
             "occurred_at": "今年"}
    events = await run_form(domain, dispatcher, text="今年", slots=slots, new_slots={"occurred_at": "今年"})
    assert events["requested_slot"] == "contact_name"


async def test_phone_validation(domain, dispatcher):
    slots = {"order_type": "求助", "description": "停水", "district": "商州区", "address": "x", "contact_name": "王先生",
             "requested_slot": "contact_phone"}
    events = await run_form(domain, dispatcher, text="12345", slots=slots, new_slots={"contact_phone": "12345"})
    assert events["contact_phone"] is None and "号码" in texts(dispatcher)
    events = await run_form(domain, dispatcher, text="138 9140 1234", slots=slots, new_slots={"contact_phone": "138 9140 1234"})
    assert events["contact_phone"] == "13891401234"


async def test_correction_while_another_slot_is_asked(domain, dispatcher):
    slots = {"order_type": "求助", "description": "小区停水两天", "district": "商州区", "contact_phone": "13891400000",
             "requested_slot": "address"}
    text = "电话写错了，是13991234567"
    events = await run_form(domain, dispatcher, text=text, slots=slots,
                            new_slots={"contact_phone": "13991234567", "address": text})
    assert events["contact_phone"] == "13991234567"
    assert events["address"] is None
    assert events["requested_slot"] == "address"


def _complete_slots():
    return {"order_type": "求助", "description": "小区停水两天", "district": "商州区", "address": "北新街", "occurred_at": "前天",
            "contact_name": "王先生", "contact_phone": "13891400000", "reply_required": True,
            "requested_slot": "order_confirmed"}


async def test_confirmation_completes_the_form(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="确认", intent="affirm", slots=_complete_slots(),
                            new_slots={"order_confirmed": True})
    assert events["order_confirmed"] is True
    assert events["requested_slot"] is None


async def test_naming_a_field_on_the_summary_asks_it_again(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="地址不对", intent="deny", slots=_complete_slots(),
                            new_slots={"order_confirmed": "地址不对"})
    assert events["address"] is None
    assert events["requested_slot"] == "address"


async def test_plain_no_on_the_summary_asks_what_to_change(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="不对", intent="deny", slots=_complete_slots(),
                            new_slots={"order_confirmed": "不对"})
    assert events["requested_slot"] == "order_confirmed"
    assert "修改" in texts(dispatcher)


async def test_summary_shows_every_detail(domain, dispatcher):
    tracker = make_tracker(slots=_complete_slots())
    await ActionAskOrderConfirmed().run(dispatcher, tracker, domain)
    text = texts(dispatcher)
    for part in ("求助", "小区停水两天", "商州区", "北新街", "王先生", "13891400000"):
        assert part in text
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/affirm"


@pytest.mark.parametrize("order_type", ["投诉", "表扬"])
async def test_anonymity_question(domain, dispatcher, order_type):
    await ActionAskAnonymous().run(dispatcher, make_tracker(slots={"order_type": order_type}), domain)
    assert "匿名" in texts(dispatcher)


async def test_words_win_over_a_misread_intent(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "烧烤摊吵", "district": "商州区", "address": "北新街", "occurred_at": "昨天"}
    # "实名" read by NLU as affirm to "您需要匿名反映吗？" must not make the order anonymous
    events = await run_form(domain, dispatcher, text="实名", intent="affirm", slots=slots, new_slots={"anonymous": True})
    assert events["anonymous"] is False
    assert events["requested_slot"] == "contact_name"


async def test_a_stray_entity_does_not_clear_a_known_district(domain, dispatcher):
    slots = {"order_type": "求助", "description": "路灯坏了一个月", "district": "商南县", "requested_slot": "address"}
    tracker = make_tracker(text="城关街道鹿城中路南巷", slots=slots, new_slots={"district": "路南巷", "address": "城关街道鹿城中路南巷"},
                           active_loop=FORM)
    tracker.events.insert(0, {"event": "slot", "name": "district", "value": "商南县"})
    from bot.actions.order_form import ValidateOrderForm as V
    events = slot_events(await V().run(dispatcher, tracker, domain))
    assert events["district"] == "商南县"
    assert events["address"] == "城关街道鹿城中路南巷"


async def test_negated_district_is_left_out(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="不是商南 是丹凤县",
                            slots={"order_type": "求助", "description": "路灯坏了一个月", "requested_slot": "district"},
                            new_slots={"district": "不是商南 是丹凤县"})
    assert events["district"] == "丹凤县"


async def test_help_request_without_a_name_goes_in_anonymously(domain, dispatcher):
    # a pothole on a public road is no 维护自身权益 (第七条(九)): no name is no obstacle
    slots = {"order_type": "求助", "description": "县城路上有个大坑，晚上看不见", "district": "柞水县",
             "address": "乾佑街道西街十字", "occurred_at": "上周", "requested_slot": "contact_name"}
    events = await run_form(domain, dispatcher, text="不写", intent="deny", slots=slots,
                            new_slots={"contact_name": "不写"})
    assert events["contact_name"] is None
    assert events["anonymous"] is True
    assert events["requested_slot"] == "reply_required"
    assert "第七条" not in " ".join(texts(dispatcher))


async def test_address_answer_is_led_by_the_town_told_before(domain, dispatcher):
    slots = {"order_type": "求助", "district": "丹凤县", "requested_slot": "address",
             "description": "我是丹凤县棣花镇的，我们村通往镇上的漫水桥去年冲坏了一半，到现在没人修"}
    events = await run_form(domain, dispatcher, text="贾家村", slots=slots, new_slots={"address": "贾家村"})
    assert events["address"] == "棣花镇贾家村"
    # an answer naming its own town or street keeps its words
    events = await run_form(domain, dispatcher, text="龙驹寨街道滨江路", slots=slots, new_slots={"address": "龙驹寨街道滨江路"})
    assert events["address"] == "龙驹寨街道滨江路"


async def test_an_order_type_typed_at_the_address_question_is_no_address(domain, dispatcher):
    slots = {"order_type": "求助", "district": "商州区", "requested_slot": "address",
             "description": "小区旁边新开了一家KTV，每天晚上营业到凌晨两三点，吵得睡不着"}
    events = await run_form(domain, dispatcher, text="投诉", intent="complaint", slots=slots, new_slots={"address": "投诉"})
    assert events["address"] is None
    assert events["order_type"] == "投诉"
    assert events["requested_slot"] == "address"


async def test_more_of_the_matter_at_the_address_question_is_kept_and_the_place_asked_again(domain, dispatcher):
    told = "把人能气死！丹凤县城的出租车司机不打表，硬要额二十块"
    slots = {"order_type": "投诉", "district": "丹凤县", "requested_slot": "address", "description": told}
    events = await run_form(domain, dispatcher, text="这些司机太瞎咧，专门欺负老年人", slots=slots,
                            new_slots={"address": "这些司机太瞎咧，专门欺负老年人"})
    assert events["address"] is None and events["requested_slot"] == "address"
    assert events["description"] == told + "，这些司机太瞎咧，专门欺负老年人"
    # an anonymity wish there is taken as one
    slots = {"order_type": "举报", "district": "商州区", "requested_slot": "address", "description": "后厨脏得要命，老鼠从案板上跑过去"}
    events = await run_form(domain, dispatcher, text="别说是我举报的", slots=slots, new_slots={"address": "别说是我举报的"})
    assert events["address"] is None and events["anonymous"] is True
    # a place without any address word stays an address
    events = await run_form(domain, dispatcher, text="老刘家面馆", slots=slots, new_slots={"address": "老刘家面馆"})
    assert events["address"].endswith("老刘家面馆")


async def test_confirm_in_words_wins_over_a_misread_deny(domain, dispatcher):
    slots = {**_complete_slots(), "requested_slot": "order_confirmed"}
    events = await run_form(domain, dispatcher, text="queren，确认", intent="deny", slots=slots,
                            new_slots={"order_confirmed": "queren，确认"})
    assert events["order_confirmed"] is True


async def test_a_denied_district_named_at_the_summary_is_not_taken(domain, dispatcher):
    slots = {**_complete_slots(), "district": "镇安县", "address": "米粮镇西华村村口的过河桥"}
    text = "哎说错了，不是山阳县，米粮镇是镇安县的"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"district": "山阳县"})
    assert events.get("district", "镇安县") == "镇安县"


async def test_no_reply_said_at_the_summary_is_applied_at_once(domain, dispatcher):
    slots = {**_complete_slots(), "order_type": "投诉", "anonymous": False}
    text = "结果就不用专门回复我了，你们去处理就行"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"order_confirmed": text})
    assert events["reply_required"] is False
    assert events["requested_slot"] == "order_confirmed"


async def test_nothing_more_to_tell_keeps_what_the_opening_told(domain, dispatcher):
    opening = "对县城广场提点意见，晚上那边一盏灯都没有，老人散步老摔跤"
    slots = {"order_type": "意见建议", "opening_matter": opening, "requested_slot": "description"}
    events = await run_form(domain, dispatcher, text="不知道", slots=slots, new_slots={"description": "不知道"})
    assert events["description"] == opening
    # without an opening the question is asked again
    dispatcher.messages.clear()
    events = await run_form(domain, dispatcher, text="不知道", slots={"order_type": "意见建议", "requested_slot": "description"},
                            new_slots={"description": "不知道"})
    assert events["description"] is None


async def test_not_knowing_the_address_is_no_address(domain, dispatcher):
    slots = {"order_type": "求助", "description": "镇上那座桥的护栏被水冲掉了", "district": "山阳县", "requested_slot": "address"}
    events = await run_form(domain, dispatcher, text="不知道", slots=slots, new_slots={"address": "不知道"})
    assert events.get("address") in (None, "未说明具体地点")
    assert "不知道" not in str(events.get("address"))


async def test_an_answer_for_another_question_is_stored_there(domain, dispatcher):
    base = {"order_type": "求助", "description": "村里的自来水又浑了，黄汤汤的", "district": "丹凤县"}
    # a time at the address question: the time is kept, the address asked again
    events = await run_form(domain, dispatcher, text="上个礼拜五开始的", slots={**base, "requested_slot": "address"},
                            new_slots={"address": "上个礼拜五开始的"})
    assert events.get("address") is None and events["occurred_at"].startswith("上个礼拜五")
    assert events["requested_slot"] == "address"
    # a name at the time question
    slots = {**base, "address": "铁峪铺镇三组", "requested_slot": "occurred_at"}
    events = await run_form(domain, dispatcher, text="我叫闫秀梅", slots=slots, new_slots={"occurred_at": "我叫闫秀梅"})
    assert events.get("occurred_at") is None and events["contact_name"] == "闫秀梅"
    # "不匿名" at the time question is no time
    events = await run_form(domain, dispatcher, text="不匿名", slots={**slots, "order_type": "投诉"},
                            new_slots={"occurred_at": "不匿名"})
    assert events.get("occurred_at") != "不匿名" and events.get("anonymous") is False


async def test_an_address_at_the_type_question_is_the_address(domain, dispatcher):
    slots = {"description": "村里的自来水又浑了，娃喝了拉肚子", "requested_slot": "order_type"}
    events = await run_form(domain, dispatcher, text="丹凤县铁峪铺镇铁峪铺村三组", slots=slots,
                            new_slots={"order_type": "丹凤县铁峪铺镇铁峪铺村三组"})
    assert events["address"] == "丹凤县铁峪铺镇铁峪铺村三组" and events["district"] == "丹凤县"
    assert events.get("order_type") is None and events["requested_slot"] == "order_type"


async def test_either_way_at_the_type_question_is_a_help_request(domain, dispatcher):
    slots = {"description": "屋里电视没信号半个月了，老婆子一个人也不会弄", "requested_slot": "order_type"}
    events = await run_form(domain, dispatcher, text="随便 你看着弄", slots=slots, new_slots={"order_type": "随便 你看着弄"})
    assert events["order_type"] == "求助"


async def test_submit_now_confirms(domain, dispatcher):
    slots = {**_complete_slots(), "requested_slot": "order_confirmed"}
    events = await run_form(domain, dispatcher, text="快提交", slots=slots, new_slots={"order_confirmed": "快提交"})
    assert events["order_confirmed"] is True
    events = await run_form(domain, dispatcher, text="先别提交", slots=slots, new_slots={"order_confirmed": "先别提交"})
    assert events.get("order_confirmed") is not True


async def test_not_knowing_the_address_twice_takes_the_place_the_matter_names(domain, dispatcher):
    told = "洛南县永丰镇街道从加油站到中学那段路灯坏了一个月了 晚上黑得很"
    slots = {"order_type": "求助", "district": "洛南县", "requested_slot": "address", "description": told}
    tracker_events = await run_form(domain, dispatcher, text="不知道", slots=slots, new_slots={"address": "不知道"})
    assert tracker_events.get("address") is None  # asked once more first


async def test_a_question_at_the_summary_is_answered_not_taken_for_a_yes(domain, dispatcher):
    slots = {**_complete_slots(), "requested_slot": "order_confirmed"}
    events = await run_form(domain, dispatcher, text="这个一般几天能处理好？", intent="affirm", slots=slots,
                            new_slots={"order_confirmed": "这个一般几天能处理好？"})
    assert events["order_confirmed"] is None
    assert "工作日内办结" in texts(dispatcher)
    events = await run_form(domain, dispatcher, text="好，确认", intent="affirm", slots=slots,
                            new_slots={"order_confirmed": "好，确认"})
    assert events["order_confirmed"] is True


async def test_a_place_outside_the_city_told_at_the_address_question_is_referred(domain, dispatcher):
    slots = {"order_type": "投诉", "district": "商州区", "requested_slot": "address", "description": "投诉一家饭馆卫生差"}
    text = "其实是在西安市长安区那个分店，不在商洛"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"address": text})
    assert events["address"] is None and events["district"] is None
    assert "陕西省" in texts(dispatcher) or "省" in texts(dispatcher)


async def test_a_name_told_with_the_phone_and_the_reply_wish_takes_all_three(domain, dispatcher):
    slots = {"order_type": "投诉", "district": "商州区", "address": "北新街", "occurred_at": "昨天", "anonymous": False,
             "description": "楼下烧烤摊天天吵到两点", "requested_slot": "contact_name"}
    text = "我叫刘芳芳，手机15991401234，不用回复了"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"contact_name": text})
    assert events["contact_name"] == "刘芳芳"
    assert events.get("contact_phone") == "15991401234"


async def test_an_estate_named_like_a_county_elsewhere_is_no_referral(domain, dispatcher):
    slots = {"order_type": "投诉", "district": "商州区", "requested_slot": "address", "description": "电梯坏了一个多礼拜了"}
    events = await run_form(domain, dispatcher, text="商鞅大道 金水湾小区 5号楼", slots=slots,
                            new_slots={"address": "商鞅大道 金水湾小区 5号楼"})
    assert "金水湾小区" in events["address"] and events.get("district", "商州区") == "商州区"

"""The form reads citizens' own words: corrections, the order type, names, times,
a suspected emergency, and refusals by the gateway that name a field."""
from __future__ import annotations

from bot.actions import order_fields as f
from bot.actions.order_form import ValidateOrderForm, _name_from_answer
from bot.actions.order_status import confirms_withdrawal
from bot.actions.order_submit import refused_fields
from bot.actions.gateway_client import GatewayRejected
from tests.bot.conftest import make_tracker, slot_events, texts

FORM = "order_form"


async def run_form(domain, dispatcher, **kwargs):
    tracker = make_tracker(active_loop=FORM, **kwargs)
    # the values collected before this message are in the history, as in a real tracker
    history = [{"event": "slot", "name": k, "value": v} for k, v in (kwargs.get("slots") or {}).items()]
    tracker.events = history + tracker.events
    return slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))


def _summary_slots(**extra):
    slots = {"order_type": "投诉", "description": "北新街烧烤摊天天吵到凌晨两点", "district": "商州区",
             "address": "北新街中段", "occurred_at": "昨天晚上", "anonymous": False, "contact_name": "王建军",
             "contact_phone": "13891400000", "reply_required": True, "requested_slot": "order_confirmed"}
    slots.update(extra)
    return slots


async def test_district_corrected_on_the_summary(domain, dispatcher):
    text = "不对不对，区县说错了，是洛南县不是商州区"
    events = await run_form(domain, dispatcher, text=text, intent="deny", slots=_summary_slots(),
                            new_slots={"order_confirmed": text, "district": "洛南县"})
    assert events["district"] == "洛南县"
    assert events["order_confirmed"] is None and events["requested_slot"] == "order_confirmed"
    assert "洛南县" in texts(dispatcher)


async def test_time_corrected_on_the_summary(domain, dispatcher):
    text = "时间说错了，是前天下午买的"
    events = await run_form(domain, dispatcher, text=text, intent="inform", slots=_summary_slots(),
                            new_slots={"order_confirmed": text})
    assert events["occurred_at"] == "前天下午"
    assert events["order_confirmed"] is None


async def test_back_to_real_name_takes_name_and_phone(domain, dispatcher):
    slots = _summary_slots(anonymous=True, contact_name=None, contact_phone=None, reply_required=False)
    text = "算了，我还是实名吧，我叫何志强，电话18691431234"
    events = await run_form(domain, dispatcher, text=text, slots=slots,
                            new_slots={"order_confirmed": text, "contact_phone": "18691431234"})
    assert events["anonymous"] is False
    assert events["contact_name"] == "何志强" and events["contact_phone"] == "18691431234"


async def test_type_change_mid_form_is_not_stored_as_the_address(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "小区门口的路灯太暗了", "district": "商州区", "requested_slot": "address"}
    text = "哦不对，我不是投诉，就是想提个建议"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"address": text})
    assert events["order_type"] == "意见建议"
    assert events.get("address") is None
    assert events["requested_slot"] == "address"  # the correction text is not the address: asked again


async def test_unknown_type_is_asked_after_the_description(domain, dispatcher):
    text = "额们村里头那条路瞎了好几个月了，下雨天根本走不成，咋弄嘛"
    events = await run_form(domain, dispatcher, text=text, slots={"order_type": None, "requested_slot": "description"},
                            new_slots={"description": text})
    assert events["requested_slot"] == "order_type"


async def test_type_answer_in_words_and_unclear_answer(domain, dispatcher):
    events = await run_form(domain, dispatcher, text="算是投诉吧", slots={"description": "路灯坏了一个月", "requested_slot": "order_type"},
                            new_slots={"order_type": "算是投诉吧"})
    assert events["order_type"] == "投诉" and events["requested_slot"] == "district"
    events = await run_form(domain, dispatcher, text="我也说不上", slots={"description": "路灯坏了一个月", "requested_slot": "order_type"},
                            new_slots={"order_type": "我也说不上"})
    assert events["order_type"] is None and events["requested_slot"] == "order_type"
    assert dispatcher.messages[-1].get("response") == "utter_order_type_unclear"


async def test_suspected_emergency_in_the_form_warns_and_takes_the_answer(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "楼下饭店油烟太大", "requested_slot": "district"}
    events = await run_form(domain, dispatcher, text="商州区", intent="emergency_suspected", slots=slots,
                            new_slots={"district": "商州区"})
    assert events["district"] == "商州区"
    assert dispatcher.messages[0].get("response") == "utter_emergency_suspected_in_form"


async def test_future_time_is_questioned_once(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "饭店油烟", "district": "商州区", "address": "北新街",
             "requested_slot": "occurred_at"}
    events = await run_form(domain, dispatcher, text="明天", slots=slots, new_slots={"occurred_at": "明天"})
    assert events["occurred_at"] is None and "还没到" in texts(dispatcher)
    events = await run_form(domain, dispatcher, text="上个礼拜三晚上", slots=slots, new_slots={"occurred_at": "上个礼拜三晚上"})
    assert events["occurred_at"] == "上个礼拜三晚上"


def test_names_from_answers():
    assert _name_from_answer("额姓王，叫王有福") == "王有福"
    assert _name_from_answer("免贵姓李") == "李先生/女士"
    assert _name_from_answer("好的") is None
    assert _name_from_answer("不想说") is None
    assert _name_from_answer("13891400000") is None


def test_typed_button_words_confirm_a_withdrawal():
    for text in ("确认撤销", "对，撤了", "确定撤销", "撤吧"):
        assert confirms_withdrawal(text), text
    for text in ("不撤了", "我要撤销工单", "先不撤"):
        assert not confirms_withdrawal(text), text


def test_gateway_refusal_names_the_field_to_ask_again():
    error = GatewayRejected(422, [{"loc": ["body", "contact_phone"], "msg": "电话号码格式不正确"}])
    assert refused_fields(error) == ["contact_phone"]
    assert refused_fields(GatewayRejected(409, "重复")) == []


async def test_address_correction_while_the_time_is_asked_leaves_the_time_unanswered(domain, dispatcher):
    slots = {"order_type": "举报", "description": "饭店把油烟直接排到居民楼里", "district": "山阳县",
             "address": "城关镇东大街", "requested_slot": "occurred_at"}
    text = "地址说错了，应该是城关镇西大街"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"occurred_at": text})
    assert events["address"] == "城关镇西大街"
    assert events["occurred_at"] is None and events["requested_slot"] == "occurred_at"


def test_answers_to_the_same_question_are_counted_from_its_first_ask():
    from bot.actions.order_form import _times_asked
    from tests.bot.conftest import make_tracker

    def ask(slot):
        return [{"event": "slot", "name": "requested_slot", "value": slot}, {"event": "action", "name": "action_listen"}]

    def user(text):
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}}}

    tracker = make_tracker("?")
    tracker.events = [{"event": "active_loop", "name": "order_form"}, *ask("description"), user("路灯坏了"),
                      {"event": "slot", "name": "description", "value": "路灯坏了"}, *ask("order_type"), user("嗯")]
    assert _times_asked(tracker, "order_type") == 1
    tracker.events += [*ask("order_type"), user("不知道")]
    assert _times_asked(tracker, "order_type") == 2


async def test_district_answer_with_the_address_fills_both(domain, dispatcher):
    slots = {"order_type": "举报", "description": "楼下空地上有人天天烧垃圾", "requested_slot": "district"}
    text = "商州区陈塬街道办旁边那片空地"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"district": "商州区"})
    assert events["district"] == "商州区" and events["address"] == "陈塬街道办旁边那片空地"
    assert events["requested_slot"] == "occurred_at"


async def test_an_answer_with_no_time_in_it_is_asked_again_once(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "烧烤摊太吵", "district": "商州区", "address": "北新街",
             "requested_slot": "occurred_at"}
    text = "不是部队的事，就是个烧烤摊"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"occurred_at": text})
    assert events["occurred_at"] is None and "什么时候" in texts(dispatcher)
    events = await run_form(domain, dispatcher, text="天天晚上都这样", slots=slots, new_slots={"occurred_at": "天天晚上都这样"})
    assert events["occurred_at"] == "天天晚上都这样"


def test_the_matter_without_greeting_opener_and_closing():
    from bot.actions.order_fields import matter_text

    assert matter_text("我要投诉，商州区东店子那个超市卖过期牛奶，昨天买的") == "商州区东店子那个超市卖过期牛奶，昨天买的"
    assert matter_text("尊敬的领导：您好！我们小区门口的路灯坏了三个月了。此致敬礼") == "我们小区门口的路灯坏了三个月了"
    assert matter_text("我要投诉") == "我要投诉"  # nothing else to keep


def test_acknowledgement_reads_as_chinese():
    from bot.actions.corrections import Correction

    assert Correction(values={"district": "洛南县"}).acknowledgement() == "好的，已将区县改为“洛南县”。"


async def test_a_time_set_right_on_the_summary_goes_in_even_if_never_asked(domain, dispatcher):
    slots = _summary_slots(order_type="求助", occurred_at=None, anonymous=None)
    text = "时间说错了，不是上个月，是这个月初开始的"
    events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"order_confirmed": text})
    assert events["occurred_at"].startswith("这个月初") and events["order_confirmed"] is None


async def test_an_answer_the_classifier_only_half_suspects_gets_no_warning(domain, dispatcher):
    slots = {"order_type": "举报", "description": "有人在河道里挖沙，河堤都快挖塌了", "district": "丹凤县",
             "requested_slot": "address"}
    tracker = make_tracker(active_loop=FORM, text="棣花镇那个河滩，在桥下头", intent="emergency_suspected", slots=slots,
                           new_slots={"address": "棣花镇那个河滩，在桥下头"})
    tracker.latest_message["intent"]["confidence"] = 0.33
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["address"] == "棣花镇那个河滩，在桥下头"
    assert all(m.get("response") != "utter_emergency_suspected_in_form" for m in dispatcher.messages)


async def test_the_matter_told_at_the_type_question_joins_the_description(domain, dispatcher):
    slots = {"description": "前天晚上我家娃把一锅饭烧了，满屋子都是烟", "requested_slot": "order_type"}
    text = "现在没事了，火早关了，我是想说我们楼道那个烟感一声都没响，消防通道还被物业堆满了纸箱子旧家具，真出事咋跑？"
    events = await run_form(domain, dispatcher, text=text, intent="complaint", slots=slots, new_slots={"order_type": text})
    assert events["order_type"] == "投诉"
    assert "一锅饭" in events["description"] and "消防通道" in events["description"]
    events = await run_form(domain, dispatcher, text=text, intent="inform", slots=slots, new_slots={"order_type": text})
    assert events["order_type"] is None and "消防通道" in events["description"]


async def test_a_rough_time_from_the_opening_is_asked_and_stays_the_fallback(domain, dispatcher):
    from bot.actions.order_start import ActionStartOrder

    opening = "我怀疑是食物中毒，上周在朱家湾一家农家乐吃完饭，我们一家五口全拉肚子了，我要投诉"
    entities = [{"entity": "time", "value": "上周", "start": 9, "end": 11}]
    events = slot_events(await ActionStartOrder().run(dispatcher, make_tracker(opening, "complaint", entities=entities), domain))
    assert events.get("occurred_at") is None and events["order_type"] == "投诉"
    praise = "上周在县医院住院，护士小王特别耐心，我想表扬她"
    events = slot_events(await ActionStartOrder().run(
        dispatcher, make_tracker(praise, "praise", entities=[{"entity": "time", "value": "上周", "start": 0, "end": 2}]), domain))
    assert events.get("occurred_at") == "上周"  # never asked for a praise: the rough time is kept
    slots = {"order_type": "投诉", "description": opening, "district": "柞水县", "address": "营盘镇朱家湾村",
             "requested_slot": "occurred_at"}
    events = await run_form(domain, dispatcher, text="记不清了", slots=slots, new_slots={"occurred_at": "记不清了"})
    assert events["occurred_at"] == "上周"
    events = await run_form(domain, dispatcher, text="上周日中午", slots=slots, new_slots={"occurred_at": "上周日中午"})
    assert events["occurred_at"] == "上周日中午"


async def test_a_yes_or_a_reply_wish_at_the_address_question_is_no_address(domain, dispatcher):
    slots = {"order_type": "求助", "description": "村里的自来水管子冻裂了三天了", "district": "山阳县", "requested_slot": "address"}
    for text in ("要回复", "好的", "匿名"):
        events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"address": text})
        assert events["address"] is None and "地点" in texts(dispatcher)
    events = await run_form(domain, dispatcher, text="东关村二组", slots=slots, new_slots={"address": "东关村二组"})
    assert events["address"] == "东关村二组"


async def test_an_address_clause_in_the_opening_is_not_asked_again(domain, dispatcher):
    from bot.actions.order_start import ActionStartOrder

    text = "山阳县城关镇东关村二组，我叫张秀兰，村里的自来水管子冻裂了三天了，一直没人来修"
    events = slot_events(await ActionStartOrder().run(dispatcher, make_tracker(text, "request_help"), domain))
    assert events["address"] == "山阳县城关镇东关村二组" and events["district"] == "山阳县"


async def test_a_second_answer_with_no_time_in_it_is_not_stored_as_the_time(domain, dispatcher):
    slots = {"order_type": "求助", "description": "村里的自来水管子冻裂了三天了", "district": "山阳县", "address": "东关村",
             "requested_slot": "occurred_at"}
    tracker = make_tracker(active_loop=FORM, text="要", slots=slots, new_slots={"occurred_at": "要"})
    tracker.events = [{"event": "slot", "name": "requested_slot", "value": "occurred_at"},
                      {"event": "user", "text": "昨天啊不对"}] + tracker.events
    events = slot_events(await ValidateOrderForm().run(dispatcher, tracker, domain))
    assert events["occurred_at"] == "三天"


async def test_the_type_typed_at_the_district_question_is_taken(domain, dispatcher):
    slots = {"order_type": "求助", "description": "我们小区电梯又坏了，物业说没钱修", "requested_slot": "district"}
    events = await run_form(domain, dispatcher, text="投诉", slots=slots, new_slots={"district": "投诉"})
    assert events["order_type"] == "投诉" and events["district"] is None and events["requested_slot"] == "district"
    assert "按投诉登记" in texts(dispatcher)


async def test_real_name_said_at_the_name_question_is_acknowledged(domain, dispatcher):
    slots = {"order_type": "投诉", "description": "电梯坏了", "district": "商州区", "address": "江南小区",
             "occurred_at": "昨天", "requested_slot": "contact_name"}
    for text in ("实名", "不匿名"):
        events = await run_form(domain, dispatcher, text=text, slots=slots, new_slots={"contact_name": text})
        assert events["contact_name"] is None and events["anonymous"] is False
        assert "实名反映" in texts(dispatcher)


async def test_the_time_question_names_the_rough_time_told(domain, dispatcher):
    from bot.actions.order_form import ActionAskOccurredAt

    await ActionAskOccurredAt().run(dispatcher, make_tracker(slots={"description": "额是个老婆子 屋里没水三天咧 咋弄呀"}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_ask_occurred_at_rough"
    assert dispatcher.messages[-1]["rough_time"] == "三天"
    await ActionAskOccurredAt().run(dispatcher, make_tracker(slots={"description": "路灯坏了好几盏"}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_ask_occurred_at"


async def test_a_consultation_with_no_place_says_so(domain, dispatcher):
    slots = {"order_type": "咨询", "description": "灵活就业人员社保怎么交", "district": "商州区", "requested_slot": "address"}
    events = await run_form(domain, dispatcher, text="没有", slots=slots, new_slots={"address": "没有"})
    assert events["address"] == f.NO_PLACE


async def test_an_unsure_reading_of_the_kind_of_matter_is_asked(domain, dispatcher):
    from bot.actions.order_start import ActionStartOrder

    text = "我的养老金这个月比上个月少了两百多，也没人通知，想问问是咋回事"
    sure = slot_events(await ActionStartOrder().run(dispatcher, make_tracker(text, "request_help"), domain))
    assert sure["order_type"] == "咨询"  # asks what happened to the money: told, not done
    tracker = make_tracker(text, "request_help")
    tracker.latest_message["intent"]["confidence"] = 0.42
    unsure = slot_events(await ActionStartOrder().run(dispatcher, tracker, domain))
    assert unsure["order_type"] is None and "养老金" in unsure["description"]
    named = make_tracker("我要投诉，楼下大排档天天晚上吵到两三点", "report")
    named.latest_message["intent"]["confidence"] = 0.39
    assert slot_events(await ActionStartOrder().run(dispatcher, named, domain))["order_type"] == "投诉"


async def test_anonymous_with_no_reply_is_asked_an_optional_phone(domain, dispatcher):
    base = {"order_type": "举报", "description": "有人晚上偷偷挖沙", "district": "丹凤县", "address": "竹林关镇河滩",
            "occurred_at": "最近半个月", "anonymous": True, "reply_required": False}
    assert f.required_slots("举报", base)[-2:] == ["contact_phone", "order_confirmed"]
    slots = {**base, "requested_slot": "contact_phone"}
    events = await run_form(domain, dispatcher, text="不留", slots=slots, new_slots={"contact_phone": "不留"})
    assert events["contact_phone"] == f.PHONE_NOT_GIVEN and events["requested_slot"] == "order_confirmed"
    payload = f.order_payload("举报", {**base, "contact_phone": f.PHONE_NOT_GIVEN}, sender_id="s", channel="rest",
                              conversation_id="s")
    assert payload["contact_phone"] is None and payload["reply_required"] is False
    assert "未留电话" not in f.summary_text("举报", {**base, "contact_phone": f.PHONE_NOT_GIVEN})
    events = await run_form(domain, dispatcher, text="15991478823", slots=slots, new_slots={"contact_phone": "15991478823"})
    assert events["contact_phone"] == "15991478823"

"""Starting and cancelling orders, consultations, screening replies."""
from __future__ import annotations

from bot.actions.consult import ActionAnswerConsult
from bot.actions.order_start import ActionCancelOrderForm, ActionStartOrder
from bot.actions.screening_actions import (
    ActionCrossRegion,
    ActionEmergencyReferral,
    ActionRefuseOutOfScope,
)
from tests.bot.conftest import make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher


async def test_start_order_takes_type_description_and_entities(domain, dispatcher):
    text = "我要投诉，商州区北新街烧烤摊天天吵到凌晨两点"
    tracker = make_tracker(text, "complaint", entities=[{"entity": "district", "value": "商州区"}],
                           slots={"description": "old", "contact_phone": "13800000000"})
    events = slot_events(await ActionStartOrder().run(dispatcher, tracker, domain))
    assert events["order_type"] == "投诉"
    assert events["description"] == "商州区北新街烧烤摊天天吵到凌晨两点"  # "我要投诉，" is not the matter
    assert events["district"] == "商州区"
    assert events["contact_phone"] is None  # details of an earlier order are not carried over
    assert len(events["form_run_id"]) == 32


async def test_start_order_without_substance_leaves_description_to_ask(domain, dispatcher):
    events = slot_events(await ActionStartOrder().run(dispatcher, make_tracker("我要举报", "report"), domain))
    assert events["order_type"] == "举报" and events["description"] is None


async def test_accepted_consultation_becomes_a_consult_order(domain, dispatcher):
    tracker = make_tracker("需要", "affirm", slots={"pending_offer": "consult_order", "consult_question": "公积金怎么提取"})
    events = slot_events(await ActionStartOrder().run(dispatcher, tracker, domain))
    assert events["order_type"] == "咨询" and events["description"] == "公积金怎么提取"
    assert events["pending_offer"] is None


async def test_consultation_is_offered_an_order_honestly(domain, dispatcher):
    events = slot_events(await ActionAnswerConsult().run(dispatcher, make_tracker("公积金怎么提取", "consult"), domain))
    assert events == {"pending_offer": "consult_order", "consult_question": "公积金怎么提取"}
    assert "2个工作日" in texts(dispatcher)


async def test_cancel_in_each_context(domain, dispatcher):
    events = slot_events(await ActionCancelOrderForm().run(dispatcher, make_tracker("算了", "stop", slots={"description": "x"}), domain))
    assert events["description"] is None and events["requested_slot"] is None
    assert dispatcher.messages[-1]["response"] == "utter_order_cancelled"
    await ActionCancelOrderForm().run(dispatcher, make_tracker("不用", "deny", slots={"pending_offer": "consult_order"}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_consult_declined"
    await ActionCancelOrderForm().run(dispatcher, make_tracker("不撤了", "deny", slots={"pending_offer": "withdraw"}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_withdraw_cancelled"


async def test_emergency_referral_uses_the_detected_kind(domain, dispatcher):
    tracker = make_tracker("楼下着火了", "emergency", entities=[{"entity": "emergency_kind", "value": "fire"}])
    await ActionEmergencyReferral().run(dispatcher, tracker, domain)
    assert "119" in texts(dispatcher)


async def test_emergency_referral_without_kind_lists_every_number(domain, dispatcher):
    await ActionEmergencyReferral().run(dispatcher, make_tracker("快来人啊", "emergency"), domain)
    for number in ("110", "119", "120", "122"):
        assert number in texts(dispatcher)


async def test_refusal_names_the_channel(domain, dispatcher):
    await ActionRefuseOutOfScope().run(dispatcher, make_tracker("检察院不立案", "oos_procuratorate"), domain)
    assert "12309" in texts(dispatcher)


async def test_cross_region(domain, dispatcher):
    await ActionCrossRegion().run(dispatcher, make_tracker("西安雁塔区押金不退", "cross_region"), domain)
    assert "省" in texts(dispatcher)


async def test_a_new_complaint_after_a_consult_offer_is_a_complaint(domain, dispatcher):
    tracker = make_tracker("我要投诉物业乱收费，收了停车费还不管", "complaint",
                           slots={"pending_offer": "consult_order", "consult_question": "公积金怎么提取"})
    events = slot_events(await ActionStartOrder().run(dispatcher, tracker, domain))
    assert events["order_type"] == "投诉" and "物业" in events["description"]


async def test_a_name_inside_the_matter_is_not_the_contact(domain, dispatcher):
    praise = make_tracker("表扬商州区医院的王大夫，半夜还来看我爸", "praise",
                          entities=[{"entity": "person_name", "value": "王大夫"}])
    assert slot_events(await ActionStartOrder().run(dispatcher, praise, domain))["contact_name"] is None
    own = make_tracker("我叫刘芳，我们小区停水两天了", "request_help", entities=[{"entity": "person_name", "value": "刘芳"}])
    assert slot_events(await ActionStartOrder().run(dispatcher, own, domain))["contact_name"] == "刘芳"


async def test_a_bare_detail_outside_a_form_asks_what_the_matter_is(domain, dispatcher):
    from bot.actions.order_start import ActionHandleInform

    tracker = make_tracker("商州区", "inform", entities=[{"entity": "district", "value": "商州区", "start": 0, "end": 3}])
    assert await ActionHandleInform().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[-1]["response"] == "utter_ask_what_matter"


async def test_a_detail_with_a_problem_starts_a_request_whose_type_the_form_asks(domain, dispatcher):
    from bot.actions.order_start import ActionHandleInform

    text = "我们小区停水两天了一直没人管，我叫刘芳，电话15191401234"
    entities = [{"entity": "person_name", "value": "刘芳", "start": 17, "end": 19},
                {"entity": "phone", "value": "15191401234", "start": 22, "end": 33}]
    events = await ActionHandleInform().run(dispatcher, make_tracker(text, "inform", entities=entities), domain)
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "order_form"
    slots = slot_events(events)
    assert slots["order_type"] is None  # neither the words nor the intent say which type: the form asks
    assert slots["contact_phone"] == "15191401234" and slots["contact_name"] == "刘芳"
    assert "停水两天" in slots["description"]


async def test_not_solved_after_an_answer_accepts_the_consult_order(domain, dispatcher):
    tracker = make_tracker("没解决", "deny", slots={"pending_offer": "consult_order", "consult_question": "公积金怎么提取"})
    events = await ActionCancelOrderForm().run(dispatcher, tracker, domain)
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "order_form"
    assert slot_events(events)["order_type"] == "咨询"


async def test_not_solved_the_classifier_cannot_read_still_accepts_the_consult_order(domain, dispatcher):
    from bot.actions.handoff import ActionHandleFallback

    tracker = make_tracker("没解决，答非所问", "nlu_fallback",
                           slots={"pending_offer": "consult_order", "consult_question": "农村养老金每个月能领多少"})
    events = await ActionHandleFallback().run(dispatcher, tracker, domain)
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "order_form"
    assert slot_events(events)["order_type"] == "咨询"
    assert "没太明白" not in texts(dispatcher)


async def test_solved_after_an_answer_is_not_a_withdrawal(domain, dispatcher):
    from bot.actions.order_status import ActionPrepareWithdraw

    tracker = make_tracker("解决了 谢谢", "withdraw_order", slots={"pending_offer": "consult_order"})
    events = slot_events(await ActionPrepareWithdraw().run(dispatcher, tracker, domain))
    assert events == {"pending_offer": None, "consult_question": None}
    assert "帮上忙" in texts(dispatcher)


async def test_pushing_back_right_after_a_refusal_gets_the_refusal_again(domain, dispatcher):
    from bot.actions.order_start import ActionHandleInform
    tracker = make_tracker(text="你们12345能不能先让公司把补偿给我？")
    tracker.events.insert(0, {"event": "action", "name": "action_refuse_out_of_scope"})
    events = await ActionHandleInform().run(dispatcher, tracker, domain)
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_refusal_followup"
    # without the refusal before it, the same words start an order
    fresh = CollectingDispatcher()
    events = await ActionHandleInform().run(fresh, make_tracker(text="你们12345能不能先让公司把补偿给我？"), domain)
    assert any(e.get("event") == "followup" for e in events)


async def test_a_new_matter_after_a_refusal_starts_an_order(domain, dispatcher):
    from bot.actions.order_start import ActionHandleInform
    tracker = make_tracker(text="另外还有个事，你们能不能修一下我们村的路灯")
    tracker.events.insert(0, {"event": "action", "name": "action_refuse_out_of_scope"})
    events = await ActionHandleInform().run(dispatcher, tracker, domain)
    assert any(e.get("event") == "followup" for e in events)


async def test_a_kind_typed_in_reply_to_the_consult_offer_starts_that_order(domain, dispatcher):
    from bot.actions.handoff import ActionHandleFallback

    tracker = make_tracker("求助", "nlu_fallback",
                           slots={"pending_offer": "consult_order", "consult_question": "孩子回老家上学，学校说户口不在这不收，咋办"})
    events = await ActionHandleFallback().run(dispatcher, tracker, domain)
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "order_form"
    slots = slot_events(events)
    assert slots["order_type"] == "求助" and "户口" in slots["description"]

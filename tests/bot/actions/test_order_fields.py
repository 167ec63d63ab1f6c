import pytest

from bot.actions import order_fields as f


def test_required_slots_per_type():
    assert f.required_slots("求助", {}) == [
        "description", "district", "address", "occurred_at", "contact_name", "contact_phone", "reply_required",
        "order_confirmed"]
    assert f.required_slots("投诉", {}) == [
        "description", "district", "address", "occurred_at", "anonymous", "contact_name", "contact_phone",
        "reply_required", "order_confirmed"]
    # anonymous: the reply is still asked (第十三条), a number only when a reply is wanted
    assert f.required_slots("投诉", {"anonymous": True}) == [
        "description", "district", "address", "occurred_at", "anonymous", "reply_required", "order_confirmed"]
    assert f.required_slots("投诉", {"anonymous": True, "reply_required": True}) == [
        "description", "district", "address", "occurred_at", "anonymous", "reply_required", "contact_phone",
        "order_confirmed"]
    # own-rights complaints are never anonymous (第七条(九))
    assert "anonymous" not in f.required_slots("投诉", {"own_rights": True})
    # a 咨询 order is answered by the unit of its place too (a bridge in 永乐, a 公租房 queue in 西关)
    assert f.required_slots("咨询", {}) == ["description", "district", "address", "contact_name", "contact_phone", "order_confirmed"]
    assert "address" not in f.required_slots("咨询", {"district": f.CITYWIDE})
    # praise and suggestions have a place too (属地管理), unless they concern the whole city
    assert f.required_slots("表扬", {}) == ["description", "district", "address", "anonymous", "contact_name", "contact_phone", "order_confirmed"]
    assert f.required_slots("意见建议", {"anonymous": True}) == ["description", "district", "address", "anonymous", "reply_required", "order_confirmed"]
    assert "address" not in f.required_slots("意见建议", {"district": f.CITYWIDE})
    assert f.required_slots(None, {})[0] == "description"


def test_deadlines_follow_article_12():
    assert f.deadline_days("咨询") == 2
    for t in ("求助", "投诉", "举报", "意见建议", "表扬"):
        assert f.deadline_days(t) == 5


def test_has_substance():
    assert not f.has_substance("我要投诉")
    assert not f.has_substance("你好，我想反映个问题")
    assert f.has_substance("北新街那个烧烤摊天天晚上吵到两点")


def test_yes_no():
    assert f.parse_yes_no("需要") is True
    assert f.parse_yes_no("要的要的") is True
    assert f.parse_yes_no("不用了") is False
    assert f.parse_yes_no("不需要回复") is False
    assert f.parse_yes_no("嗯嗯") is True
    assert f.parse_yes_no("北新街") is None
    assert f.parse_yes_no("") is None


def test_anonymous():
    assert f.parse_anonymous("匿名吧") is True
    assert f.parse_anonymous("不想留名字") is True
    assert f.parse_anonymous("实名") is False
    assert f.parse_anonymous("不用匿名") is False
    assert f.parse_anonymous("随便") is None


def test_contact_name():
    assert f.parse_contact_name("我叫王建军") == "王建军"
    assert f.parse_contact_name("姓李") == "李先生/女士"
    assert f.parse_contact_name("王先生") == "王先生"
    assert f.parse_contact_name("13912345678") is None
    assert f.parse_contact_name("不想说") is None
    assert f.refuses_name("不想告诉你")


def test_occurred_at():
    assert f.parse_occurred_at("记不清了") == f.UNKNOWN_TIME
    assert f.parse_occurred_at("昨天晚上十点") == "昨天晚上十点"
    assert len(f.parse_occurred_at("很久" * 100)) == 100


def test_own_rights():
    assert f.looks_like_own_rights("老板拖欠我三个月工资不给")
    assert f.looks_like_own_rights("我在超市买的牛奶过期了要退款不给退")
    assert not f.looks_like_own_rights("北新街有人占道经营")


def test_corrections_and_named_fields():
    assert f.is_correction("电话写错了，是13912345678")
    assert f.fields_named("电话不对") == ["contact_phone"]
    assert f.fields_named("地址要改一下") == ["address"]
    assert f.fields_named("好的") == []


def test_clean_strips_control_characters():
    assert f.clean(" a\x00b\x07c \n") == "abc"
    assert f.clean(None) == ""


def test_summary_and_payload():
    slots = {
        "description": "<script>alert(1)</script>小区停水两天了", "district": "商州区", "address": "北新街12号",
        "contact_name": "王先生", "contact_phone": "13912345678", "reply_required": True, "anonymous": False,
    }
    text = f.summary_text("求助", slots)
    assert "【区县】商州区" in text and "13912345678" in text and "确认" in text
    payload = f.order_payload("求助", slots, sender_id="s1", channel="rest", conversation_id="s1")
    assert payload["type"] == "求助" and payload["reply_required"] is True
    assert payload["description"].startswith("<script>")  # stored verbatim, rendered as text everywhere
    anon = f.order_payload("举报", {**slots, "anonymous": True}, sender_id="s1", channel="rest", conversation_id="s1")
    assert anon["contact_name"] is None and anon["contact_phone"] == "13912345678" and anon["reply_required"] is True
    silent = f.order_payload("举报", {**slots, "anonymous": True, "reply_required": False}, sender_id="s1",
                             channel="rest", conversation_id="s1")
    # a number the citizen gave stays with the hotline (units never see it), no reply all the same
    assert silent["contact_name"] is None and silent["contact_phone"] == "13912345678" and silent["reply_required"] is False
    assert "不提供给承办单位" in f.summary_text("举报", {**slots, "anonymous": True, "reply_required": False})
    citywide = f.order_payload("意见建议", {**slots, "district": f.CITYWIDE}, sender_id="s", channel="rest", conversation_id="s")
    assert citywide["district"] is None
    assert f.order_payload("咨询", slots, sender_id="s", channel="rest", conversation_id="s")["reply_required"] is True


def test_channel_names():
    assert f.channel_of("socketio") == "webchat"
    assert f.channel_of("wechat") == "wechat"
    assert f.channel_of(None) == "rest"
    assert f.channel_of("unknown") == "rest"


# ---- session 5: a first message that only names the matter; anonymous but hearing the result

def test_thin_first_messages_are_asked_to_tell_more():
    assert f.thin_matter("想反映一下我们村里的自来水问题", "求助")
    assert f.thin_matter("我要表扬一个护士", "表扬")
    assert f.thin_matter("我想举报个事，别让人知道是我说的行不行", "举报")
    assert f.thin_matter("菜市场门口那条路太窄了，早上挤得走不动", "意见建议")  # suggests nothing yet
    assert not f.thin_matter("楼上装修天天砸墙，早上七点就开始", "投诉")
    assert not f.thin_matter("希望菜市场门口那条路拓宽一下，早上挤得走不动", "意见建议")


def test_opening_core_and_description_together():
    assert f.opening_core("想反映一下我们村里的自来水问题") == "我们村里的自来水问题"
    assert f.opening_core("我想举报个事，别让人知道是我说的行不行") == ""
    assert f.told_with_opening("一个护士", "县医院住院部的护士小张半夜帮我妈换药，特别耐心") == \
        "一个护士；县医院住院部的护士小张半夜帮我妈换药，特别耐心"
    assert f.told_with_opening("", "答复") == "答复"


def test_anonymous_summary_shows_the_reply_number():
    slots = {"description": "有人在河边偷挖沙子", "district": "丹凤县", "address": "棣花镇河滩", "anonymous": True,
             "reply_required": True, "contact_phone": "13800002222"}
    text = f.summary_text("举报", slots)
    assert "【匿名】是" in text and "13800002222" in text and "【需要回复】是" in text
    payload = f.order_payload("举报", slots, sender_id="s", channel="rest", conversation_id="s")
    assert payload["anonymous"] is True and payload["contact_name"] is None
    assert payload["contact_phone"] == "13800002222" and payload["reply_required"] is True


def test_name_not_given_is_sent_as_none():
    slots = {"description": "路灯坏了好几盏", "district": "商州区", "address": "北新街", "contact_name": f.NAME_NOT_GIVEN,
             "contact_phone": "13800003333", "reply_required": True}
    assert f.order_payload("求助", slots, sender_id="s", channel="rest", conversation_id="s")["contact_name"] is None


def test_anonymous_description_hides_the_name_and_phone_written_into_it():
    slots = {"description": "我叫王有福，电话139-9140-5566，楼下饭店油烟太大，熏得人受不了", "district": "商州区",
             "address": "北新街", "anonymous": True, "reply_required": False}
    payload = f.order_payload("投诉", slots, sender_id="s", channel="rest", conversation_id="c")
    assert "王有福" not in payload["description"] and "5566" not in payload["description"]
    assert "油烟" in payload["description"]
    assert "王有福" not in f.summary_text("投诉", slots)
    slots["anonymous"] = False
    assert "王有福" in f.order_payload("投诉", slots, sender_id="s", channel="rest", conversation_id="c")["description"]


def test_summary_shows_a_landline_with_its_area_code_dash():
    slots = {"description": "路灯坏了", "district": "商州区", "address": "北新街", "contact_name": "王先生",
             "contact_phone": "09142318756", "reply_required": True}
    text = f.summary_text("求助", slots)
    assert "【电话】0914-2318756" in text
    assert f.order_payload("求助", slots, sender_id="s", channel="rest", conversation_id="s")["contact_phone"] == "09142318756"
    assert "【电话】13912345678" in f.summary_text("求助", {**slots, "contact_phone": "13912345678"})


def test_an_announced_praise_or_suggestion_is_asked_to_tell_more():
    assert f.thin_matter("想给县政务大厅的一个工作人员点个赞", "表扬")
    assert f.thin_matter("我提个小建议，关于广场舞的。", "意见建议")
    assert not f.thin_matter("社区的王主任帮我跑了三趟把低保办下来了，特别负责", "表扬")
    assert not f.thin_matter("建议菜市场门口那条路拓宽一下，早上挤得走不动", "意见建议")


def test_no_need_for_anonymity_is_real_name():
    for text in ("不必匿名", "没必要匿名", "不用匿名", "甭匿名"):
        assert f.parse_anonymous(text) is False
    assert f.parse_anonymous("匿名吧") is True


def test_either_way_to_the_reply_question_is_a_reply():
    assert f.parse_reply_wish("随便") is True
    assert f.parse_reply_wish("都行吧") is True
    assert f.parse_reply_wish("不用回复") is False


def test_a_complaint_about_own_wages_is_never_anonymous_however_the_type_came():
    slots = {"description": "老板拖了我们三个月的工钱，打电话也不接"}
    assert "anonymous" not in f.required_slots("投诉", slots)
    assert "contact_name" in f.required_slots("投诉", slots)
    # a complaint about a neighbourhood matter may be anonymous
    assert "anonymous" in f.required_slots("投诉", {"description": "楼下烧烤摊天天吵到半夜两点"})
    # not a complaint: the rule is about complaints (第七条(九))
    assert "anonymous" in f.required_slots("举报", slots)


def test_reply_wishes_in_few_words():
    for text in ("必须回", "要回的", "有消息给额打电话", "打电话给我"):
        assert f.parse_reply_wish(text) is True, text


@pytest.mark.parametrize("text, accepts", [
    ("你们帮额查查嘛", True), ("额也不懂 你看着弄", True), ("登记一下吧", True),
    ("不用了", False), ("算了不用登记", False), ("谢谢", False),
])
def test_an_offer_accepted_in_other_words(text, accepts):
    assert f.leaves_it_to_the_hotline(text) is accepts


def test_after_an_order_a_question_about_its_result_and_a_matter_solved_since():
    assert f.asks_when_the_result_comes("大概多久能有结果？")
    assert not f.asks_when_the_result_comes("我们楼道灯坏了好几天了")
    assert f.says_solved_since("哎 不好意思 刚邻居说路灯今天下午已经有人来修好了")
    assert not f.says_solved_since("已经修好了但是又坏了")


@pytest.mark.parametrize("text, stored", [
    ("记不清了 上个礼拜的哪一天 上午", "上个礼拜的哪一天 上午"),
    ("不记得了 应该是前天", "应该是前天"),
    ("上个月吧，具体哪天不记得了", "上个月吧，具体哪天不记得了"),
    ("记不清", "不详"),
])
def test_not_remembering_the_day_keeps_the_time_that_is_told(text, stored):
    assert f.parse_occurred_at(text) == stored


def test_an_anonymous_order_is_answered_by_the_hotline_as_promised():
    from bot.actions.order_submit import confirmation_text

    order = {"order_no": "SL20261205000001", "type": "举报", "due_at": "2026-12-11", "reply_required": True, "anonymous": True}
    assert "由热线回复您" in confirmation_text(order) and "承办单位会联系您" not in confirmation_text(order)
    assert "承办单位会联系您" in confirmation_text({**order, "anonymous": False})


def test_the_knowledge_base_note_is_not_read_for_places_or_times():
    told = "灵活就业社保咋交\n（已向市民提示的知识库条目（未选）：“灵活就业人员每年怎么交社保”（商洛市人力资源和社会保障局））"
    assert f.citizens_words(told) == "灵活就业社保咋交"
    assert f.citizens_words("路灯坏了") == "路灯坏了"

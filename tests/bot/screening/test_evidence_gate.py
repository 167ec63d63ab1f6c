"""Refusals, other regions and emergencies need evidence in the citizen's words (bot/screening/gate.py)."""
from bot.screening import evidence
from bot.screening.gate import CROSS_REGION, START_REQUEST, SUSPECTED, decide


def rank(*names):
    return [(n, 0.5 - i * 0.1) for i, n in enumerate(names)]


def test_landmark_and_negation_are_no_evidence():
    assert not evidence.has_cue("城关街道检察院后面的锦江花园小区", "procuratorate")
    assert not evidence.has_cue("不是部队的事", "military")
    assert evidence.has_cue("我想找检察院反映一下我的案子", "procuratorate")
    assert evidence.has_cue("这个事我已经去信访局信访过了", "petition")


def test_refusal_without_cue_falls_back_to_the_request():
    d = decide("城关街道检察院后面的锦江花园小区", "oos_procuratorate", rank("oos_procuratorate", "inform"), False)
    assert d.intent == "inform"
    d = decide("没解决，答非所问", "oos_petition", rank("oos_petition", "deny"), False)
    assert d.intent == "deny"


def test_refusal_with_cue_stands():
    d = decide("我和老板的劳动仲裁下个月开庭", "oos_arbitration", rank("oos_arbitration", "complaint"), False)
    assert d.intent == "oos_arbitration"


def test_model_only_emergency_is_suspected_and_lexicon_emergency_stands():
    assert decide("楼下饭店油烟太大，熏得人受不了", "emergency", rank("emergency", "complaint"), False).intent == SUSPECTED
    assert decide("家里着火了", "complaint", rank("complaint"), True).intent == "emergency"


def test_punctuation_only_asks_what_the_matter_is():
    assert decide("？？？。。。！！！", "emergency", rank("emergency"), False).intent == START_REQUEST


def test_cross_region_needs_a_place_outside():
    d = decide("我们小区停水两天了", CROSS_REGION, rank(CROSS_REGION, "request_help"), False)
    assert d.intent == "request_help"


def test_pure_abuse_only():
    assert evidence.is_pure_abuse("傻逼")
    assert not evidence.is_pure_abuse("妈的，小区门口的路坏了半年了也没人修")


def test_status_and_withdrawal_need_a_word_about_an_order():
    assert decide("我是打零工的，没有单位，社保咋交嘛？", "order_status", rank("order_status", "consult"), False).intent == "consult"
    assert decide("我上回反映的那个事咋样了", "order_status", rank("order_status", "consult"), False).intent == "order_status"
    assert decide("查询工单", "order_status", rank("order_status"), False).intent == "order_status"
    assert decide("不想办了，撤了吧", "withdraw_order", rank("withdraw_order"), False).intent == "withdraw_order"


def test_a_matter_in_words_no_intent_fits_starts_a_request():
    letter = "额们村里头那条路瞎了好几个月了，下雨天根本走不成，咋弄嘛"
    assert decide(letter, "nlu_fallback", rank("nlu_fallback", "chitchat"), False).intent == "inform"
    assert decide("尊敬的领导您好！此致敬礼", "greet", rank("greet"), False).intent == "greet"
    assert decide("你们这个机器人能干啥", "chitchat", rank("chitchat"), False).intent == "chitchat"
    assert evidence.is_substantive("我想反映一下我们楼下的广场舞声音太大了")


def test_emergencies_told_in_passing_or_in_dialect_are_found():
    from bot.screening import detect_emergency

    assert detect_emergency("我要投诉物业，电梯老坏，物业费还涨。哎等下，对面楼三楼窗户在往外冒黑烟，楼下人都在喊").kinds == ("fire",)
    assert detect_emergency("我爸在厕所滑倒了，喊他也不答应").kinds == ("medical",)
    assert detect_emergency("电梯卡在5楼和6楼中间不动了，我和娃在里面").kinds == ("fire",)
    assert not detect_emergency("上个月楼下着火了，消防车来得太慢，我要投诉").is_emergency
    assert not detect_emergency("电梯坏了好几天了，我们住在里面的老人下不了楼").is_emergency


def test_requests_for_other_peoples_records_are_evidence_of_privacy():
    for text in ("帮我查一下我前夫现在住在哪", "能帮我调一下我老公的通话记录不", "告诉我举报我的人是谁",
                 "这个车牌是谁的，帮我查查"):
        assert evidence.has_cue(text, "privacy"), text
    for text in ("我要投诉楼上住户，他家电话打不通", "物业把我的电话给了别人"):
        assert not evidence.has_cue(text, "privacy"), text


# ---- session 5: what the gate puts in place of a rejected intent needs its own evidence

def test_replacement_intent_needs_its_own_evidence():
    # a landmark is no military matter, and without a word for stopping it is no "stop" either
    d = decide("消防中队家属院旁边那个洗车店，挨着人民路", "oos_military", rank("oos_military", "stop", "inform"), False)
    assert d.intent == "inform"


def test_small_talk_that_carries_a_detail_is_an_answer():
    assert decide("大概半个月了", "chitchat", rank("chitchat", "affirm"), False).intent == "inform"
    assert decide("就算举报吧", "chitchat", rank("chitchat"), False).intent == "inform"
    assert decide("算是投诉", "withdraw_order", rank("withdraw_order", "chitchat"), False).intent in ("inform", "complaint")
    # a greeting, thanks and goodbye stay what they are
    assert decide("你好", "greet", rank("greet"), False).intent == "greet"
    assert decide("谢谢啊", "thank", rank("thank"), False).intent == "thank"
    assert decide("那明天再说吧", "goodbye", rank("goodbye"), False).intent == "goodbye"


def test_two_insults_and_no_matter_are_abuse():
    d = decide("一帮饭桶，打了八百遍都是摆设，骗子", "chitchat", rank("chitchat"), False)
    assert d.intent == "oos_abuse"
    # one angry word beside a real matter is a request
    d = decide("你们这些废物，我家门口的下水道堵了一个礼拜了", "complaint", rank("complaint"), False)
    assert d.intent == "complaint"


def test_own_order_progress_is_a_status_query():
    d = decide("我前几天投诉的那个噪音的事，现在办得咋样了", "inform", rank("inform", "complaint"), False)
    assert d.intent == "order_status"
    # progress of a public matter is no status query of an order
    d = decide("医保报销一般要多久，进度在哪查", "consult", rank("consult"), False)
    assert d.intent == "consult"


def test_told_matter_without_a_question_is_no_consultation():
    d = decide("我回老家发现村里的小桥让大车压塌了半边，现在没人管", "consult", rank("consult", "request_help"), False)
    assert d.intent == "inform"
    d = decide("居住证过期了怎么续办，要带啥材料", "consult", rank("consult"), False)
    assert d.intent == "consult"


def test_ranked_refusal_with_its_cue():
    text = "你帮我查一下对门那个人叫什么名字，电话多少，他老把车停我门口"
    d = decide(text, "complaint", [("complaint", 0.5), ("oos_privacy", 0.3), ("inform", 0.1)], False)
    assert d.intent == "oos_privacy"
    # ranked but without the words: stays the request
    d = decide("对门老把车停我家门口，挡着出不去", "complaint", [("complaint", 0.5), ("oos_privacy", 0.3)], False)
    assert d.intent == "complaint"


def test_praise_needs_a_word_of_praise():
    d = decide("买的房子五年了还没拿到不动产证，开发商一直推", "praise", rank("praise", "complaint"), False)
    assert d.intent == "complaint"
    d = decide("社区的王主任帮我跑了三趟把低保办下来了，特别负责", "praise", rank("praise"), False)
    assert d.intent == "praise"


def test_a_replacement_is_weighed_again():
    # cross_region rejected (no place named) → praise next, but nothing praises anyone
    d = decide("物业费年年涨，电梯坏了半年都不修", "cross_region", rank("cross_region", "praise", "complaint"), False)
    assert d.intent == "complaint"


def test_model_abuse_with_two_insults_and_nothing_else_stands():
    d = decide("打你们电话有啥用，一帮饭桶，全是骗子", "oos_abuse", rank("oos_abuse", "inform"), False)
    assert d.intent == "oos_abuse"


def test_a_place_named_after_an_institution_is_no_evidence():
    # 山阳县法官镇 is a town, 法官庙村 a village
    assert not evidence.has_cue("山阳县法官镇我们村的通村路上个礼拜塌方了", "court")
    assert decide("法官镇法官庙村三组", "oos_court", rank("oos_court", "inform"), False).intent == "inform"
    assert evidence.cue("法院把我们村的地判给了别人", "court") == "法院"


def test_asking_for_an_ex_partners_workplace_and_number_is_privacy():
    text = "帮我查一下我前女友现在在商洛哪个单位上班、住在哪、新手机号是多少。她叫陈雨婷，把我拉黑了"
    assert evidence.has_cue(text, "privacy")


def test_a_new_matter_ending_with_please_check_is_no_status_query():
    text = ("昨天晚上九点多我在商洛学院门口打了辆出租车回工农路，司机故意绕路，平时十块钱，他绕了一大圈打表二十八，"
            "我说他还凶我。我叫任佳，电话13152176690，麻烦查一下给我回复。")
    assert decide(text, "order_status", rank("order_status", "complaint"), False).intent == "complaint"
    assert decide("我前天反映的那个路灯的事现在办得怎么样了", "order_status", rank("order_status"), False).intent == "order_status"


def test_an_army_compound_as_a_landmark_is_no_military_matter():
    assert not evidence.has_cue("大赵峪街道，部队营区后墙外那条小路边的垃圾堆", "military")
    assert evidence.has_cue("部队的人把路占了", "military")


def test_asking_for_help_is_no_praise():
    text = "我去年在河南省郑州一个工地上干活，包工头欠了我们八个人的工资跑了，我现在回洛南了，能不能帮我们要回来"
    assert decide(text, "praise", rank("praise", "request_help"), False).intent != "praise"
    assert decide("小区门口的网格员帮我们把漏水的管子修好了", "praise", rank("praise"), False).intent == "praise"


def test_insults_at_the_hotline_and_nothing_else_are_abuse():
    text = "你们12345全是一帮吃干饭的废物，骂的就是你们，滚"
    assert decide(text, "oos_abuse", rank("oos_abuse", "praise", "greet"), False).intent == "oos_abuse"
    assert decide("你们政府真是废物，我们村的路修了三年还没修好", "oos_abuse", rank("oos_abuse", "complaint"), False).intent != "oos_abuse"


def test_stopped_water_or_lift_is_no_stop():
    for text in ("这次是礼拜一停的", "停水三天了", "电梯又停了"):
        assert decide(text, "stop", rank("stop", "inform"), False).intent != "stop"
    assert decide("先停一下，不登记了", "stop", rank("stop", "inform"), False).intent == "stop"


def test_asking_for_a_car_owners_number_is_privacy_even_when_read_as_a_yes():
    text = "我车停路边被人刮了，我记了那个车的车牌陕H·5K729，你们帮我查一下车主叫啥，电话多少，我自己找他"
    assert decide(text, "affirm", rank("affirm", "inform"), False).intent == "oos_privacy"
    assert decide("好的，可以", "affirm", rank("affirm"), False).intent == "affirm"


def test_a_relatives_workplace_is_not_where_an_old_mans_roof_leaks():
    from bot.screening.districts import find_other_region
    assert find_other_region("额娃在西安打工不回来 屋顶漏雨漏得厉害 额一个老汉上不去房 咋弄嘛") is None
    assert find_other_region("我儿子在西安打工，老板不给工资") == "西安"


def test_a_name_after_a_job_title_is_an_answer_not_small_talk():
    assert decide("办公室主任 雷娜", "chitchat", rank("chitchat", "inform"), False).intent != "chitchat"


def test_insults_read_as_asking_for_a_person_are_abuse_unless_a_person_is_asked_for():
    text = "你们12345就是个摆设，一群吃干饭的废物，打了也白打，一个个都是骗子，滚"
    assert decide(text, "human_handoff", rank("human_handoff", "oos_abuse"), False).intent == "oos_abuse"
    assert decide("转人工，你们这破机器人就是废物", "human_handoff", rank("human_handoff"), False).intent == "human_handoff"


def test_a_thin_matter_after_a_greeting_starts_the_request():
    assert decide("您好，想反映一下县城公园晚上的路灯问题", "start_request", rank("start_request"), False).intent == "inform"
    assert decide("我要反映个问题", "start_request", rank("start_request"), False).intent == "start_request"
    assert decide("回一下嘛", "chitchat", rank("chitchat", "inform"), False).intent == "inform"


def test_a_rating_needs_a_word_of_rating():
    d = decide("有个车堵在额屋门口两天了，额的车开不出去", "rate_order", rank("rate_order", "complaint"), False)
    assert d.intent == "complaint"
    assert decide("基本满意吧", "rate_order", rank("rate_order"), False).intent == "rate_order"
    assert decide("不满意，还是老样子", "rate_order", rank("rate_order"), False).intent == "rate_order"


def test_a_short_crisp_matter_the_model_cannot_place_is_a_request():
    assert decide("我们小区停水两天了", "nlu_fallback", rank("nlu_fallback"), False).intent == "inform"
    assert decide("你好啊", "nlu_fallback", rank("nlu_fallback"), False).intent != "inform"


def test_a_request_intent_just_under_the_fallback_is_kept():
    ranking = [("nlu_fallback", 0.3), ("request_help", 0.50), ("cross_region", 0.46)]
    assert decide("我们小区停水两天了", "nlu_fallback", ranking, False).intent == "request_help"
    ranking = [("nlu_fallback", 0.3), ("request_help", 0.2)]
    assert decide("我们小区停水两天了", "nlu_fallback", ranking, False).intent == "inform"


def test_a_named_kind_of_matter_under_a_weak_intent_starts_that_request():
    assert decide("您好，打扰了，想提一个小建议", "nlu_fallback", rank("nlu_fallback"), False).intent == "suggestion"
    assert decide("想提点建议", "nlu_fallback", rank("nlu_fallback"), False).intent == "suggestion"
    # a kind of matter typed as an answer stays an answer
    assert decide("就算举报吧", "chitchat", rank("chitchat"), False).intent == "inform"
    assert decide("我不是投诉", "nlu_fallback", rank("nlu_fallback"), False).intent != "complaint"


def test_a_matter_told_under_a_yes_or_no_is_a_request():
    text = "我家里的低保这两个月都没发下来，以前每个月五号就到账"
    d = decide(text, "affirm", [("affirm", 0.6), ("suggestion", 0.02)], False)
    assert d.intent == "inform"  # the next reading is a guess: the form asks the kind
    d = decide(text, "affirm", [("affirm", 0.5), ("request_help", 0.4)], False)
    assert d.intent == "request_help"
    # an answer that opens with a yes or a no stays one, however long
    assert decide("对，就是上礼拜三晚上在步行街那边出的事", "affirm", rank("affirm"), False).intent == "affirm"
    assert decide("不用了，我自己去社区问问就行了谢谢你们", "deny", rank("deny"), False).intent == "deny"


def test_cancelled_events_are_no_withdrawal():
    text = "听说今年的庙会取消了，那我报名交的钱找谁退"
    assert decide(text, "withdraw_order", rank("withdraw_order", "consult"), False).intent != "withdraw_order"
    for text in ("我要撤销刚才那个单子", "取消吧", "把我昨天的投诉取消了", "工单不用办了"):
        assert decide(text, "withdraw_order", rank("withdraw_order"), False).intent == "withdraw_order", text


def test_either_way_is_an_answer():
    for text in ("随便", "都行吧", "无所谓", "你们看着办"):
        assert decide(text, "chitchat", rank("chitchat"), False).intent == "inform", text
    assert decide("可以", "affirm", rank("affirm"), False).intent == "affirm"


def test_rolling_smoke_and_rocks_are_no_insults():
    assert evidence.abuse_count("河边有人倒渣土，尘土滚滚，路都看不清") == 0
    assert evidence.abuse_count("山上的石头滚下来砸到路上了") == 0
    assert evidence.abuse_count("你给我滚") == 1
    assert evidence.abuse_count("滚出去") == 1
    d = decide("举报 村口天天有人烧轮胎 黑烟滚滚 呛得人喘不上气", "oos_abuse", rank("oos_abuse", "report"), False)
    assert d.intent != "oos_abuse"


def test_a_named_kind_wins_over_a_rejected_guess_and_a_person_needs_a_word():
    ranking = [("withdraw_order", 0.42), ("human_handoff", 0.15), ("stop", 0.05)]
    assert decide("额要投诉", "withdraw_order", ranking, False).intent == "complaint"
    assert decide("我想举报", "human_handoff", rank("human_handoff"), False).intent == "report"
    assert decide("转人工，我要投诉", "human_handoff", rank("human_handoff"), False).intent == "human_handoff"


def test_answers_typed_in_a_form_that_read_as_small_talk():
    for text in ("随便 你看着弄", "都行，你们定", "要哩 有消息给额打电话", "必须回"):
        assert decide(text, "chitchat", rank("chitchat"), False).intent == "inform", text


def test_asking_to_look_up_a_relative_is_privacy_whatever_the_matter():
    text = "你帮我查一下 我前头那个女婿现在住哪儿 电话多少 他欠孩子的抚养费一直不给"
    assert decide(text, "complaint", rank("complaint"), False).intent == "oos_privacy"
    # a complaint that asks nothing of the kind stays one
    assert decide("物业的人态度太差，我要投诉", "complaint", rank("complaint"), False).intent == "complaint"


def test_asking_to_find_a_named_person_is_refused_as_privacy_whatever_the_classifier_read():
    text = "帮我查一下丹凤县一个叫王小红的现在住哪，手机号多少，她借了我五万块钱人跑了"
    assert decide(text, "inform", [("inform", 0.6)], False).intent == "oos_privacy"
    assert evidence.cue("我叫王小红，住在北新街，手机号13991234567", "privacy") is None


def test_an_anonymity_answer_or_leaving_it_to_the_hotline_is_an_answer_not_small_talk():
    assert decide("实名啊 名字都给你了", "chitchat", [("chitchat", 0.5)], False).intent == "inform"
    assert decide("额也不懂 你看着弄", "chitchat", [("chitchat", 0.5)], False).intent == "inform"


def test_declining_a_name_or_changing_ones_mind_is_no_stop():
    ranking = [("stop", 0.8), ("inform", 0.1)]
    assert decide("额不想说名字", "stop", ranking, False).intent != "stop"
    assert decide("名字就不说了", "stop", ranking, False).intent != "stop"
    assert decide("算了还是举报，然后提交", "stop", ranking, False).intent == "report"
    assert decide("算了不弄了", "stop", ranking, False).intent == "stop"
    assert decide("取消", "stop", ranking, False).intent == "stop"


def test_looking_up_ones_own_records_is_no_order_status():
    ranking = [("order_status", 0.8), ("consult", 0.15)]
    assert decide("帮我查一下我自己的社保缴了几年了", "order_status", ranking, False).intent == "consult"
    assert decide("帮我查一下我上周反映的路灯的事", "order_status", ranking, False).intent == "order_status"


def test_an_address_answer_read_as_small_talk_and_the_petition_offices_hours():
    assert decide("北新街检察院门口公交站", "chitchat", [("chitchat", 0.5)], False).intent == "inform"
    assert decide("我要去市里信访，信访局在哪上班", "oos_petition", [("oos_petition", 0.9)], False).intent == "consult"
    assert decide("我的事已经信访了，你们再给处理一下", "oos_petition", [("oos_petition", 0.9)], False).intent == "oos_petition"

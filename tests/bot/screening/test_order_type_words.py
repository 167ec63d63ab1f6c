import pytest

from bot.screening.order_type_words import asks_for_information, named_order_type


@pytest.mark.parametrize("text", [
    "问一下 镇安县永乐街道我们小区旁边那块空地围起来了 听说要盖小学 是真的不 啥时候动工",
    "你们这个12345晚上有没有人，半夜两三点打能不能打通",
    "我要是在你们这反映个问题，一般几天能给答复啊？不会石沉大海吧",
    "请问一下居住证要什么材料",
])
def test_a_question_to_be_told_something_is_a_consultation(text):
    assert asks_for_information(text)


@pytest.mark.parametrize("text", [
    "楼下烧烤天天吵到半夜，啥时候能管管",
    "我们小区停水两天了",
    "我家水管爆了，能不能派人来修一下",
    "村里的路灯坏了三个月了，到底啥时候修",
    "我要投诉，物业费多少钱一平米都不公示",
])
def test_a_request_for_something_to_be_done_is_no_consultation(text):
    assert not asks_for_information(text)


def test_the_named_type_still_wins():
    assert named_order_type("我要投诉物业") == "投诉"


def test_a_problem_told_this_week_is_no_question():
    assert not asks_for_information("山阳县户垣镇 额们组里吃的那个自来水 这几天一放出来是黄泥汤子 娃娃老人都不敢喝")
    assert not asks_for_information("尊敬的领导：我是商南县城关街道某小区业主，今年10月收房后办理天然气开通，燃气公司要求一次性缴纳"
                                    "安装配套费3200元，另收点火费200元，且不开具正式发票，只给收据。请问该收费是否合理？")


def test_a_grievance_against_whoever_should_serve_is_complaint_evidence():
    from bot.screening.order_type_words import complaint_evidence

    assert complaint_evidence("我们小区暖气一点都不热 家里才十四五度 交了两千多的暖气费")
    assert complaint_evidence("物业推给热力公司 热力公司推给物业")
    assert not complaint_evidence("村里的路灯坏了三个月了")


def test_asking_what_happened_to_ones_money_is_a_consultation():
    assert asks_for_information("我的养老金这个月比上个月少了两百多，也没人通知，想问问是咋回事")
    assert asks_for_information("问一下 今年的耕地地力保护补贴 我们镇安米粮镇的发了没有")

"""Corrections and order types in citizens' words (bot/actions/corrections.py, order_type_words.py)."""
from bot.actions.corrections import read_correction
from bot.screening.order_type_words import named_order_type, type_change

SLOTS = {"order_type": "投诉", "district": "商州区", "address": "城关街道幸福路12号",
         "occurred_at": "昨天", "anonymous": False, "contact_name": "王有福", "contact_phone": "13991405566"}


def test_type_follows_the_words():
    assert named_order_type("我要投诉楼下饭店") == "投诉"
    assert named_order_type("我不是投诉，就是想提个建议") == "意见建议"
    assert type_change("哦不对，我不是投诉，就是想提个建议", "投诉") == "意见建议"
    assert type_change("我要投诉", "投诉") is None


def test_district_correction():
    c = read_correction("不对不对，区县说错了，是洛南县不是商州区", SLOTS, "order_confirmed")
    assert c and c.values.get("district") == "洛南县"


def test_phone_correction_with_spaces():
    c = read_correction("电话写错了，应该是138 9145 6721", SLOTS, "order_confirmed")
    assert c and c.values.get("contact_phone") == "13891456721"


def test_back_to_real_name():
    slots = {**SLOTS, "anonymous": True, "contact_name": None, "contact_phone": None}
    c = read_correction("算了，我还是实名吧，我叫何志强，电话18691431234", slots, "order_confirmed")
    assert c and c.values["anonymous"] is False
    assert c.values.get("contact_phone") == "18691431234"


def test_an_ordinary_answer_is_no_correction():
    assert read_correction("物业收费不对，乱收费", {**SLOTS, "description": None}, "description") is None


# ---- session 5: corrections as citizens word them

S5 = {"order_type": "投诉", "district": "商南县", "address": "城关街道人民广场东门", "anonymous": False,
      "contact_name": "李桂芳", "contact_phone": "13700001111", "description": "广场舞音响太吵"}


def test_type_change_without_a_comma():
    c = read_correction("我不是投诉是想提个建议，音响能不能小点声", S5, "district")
    assert c is not None and c.order_type == "意见建议"


def test_named_field_takes_the_value_of_its_own_clause():
    c = read_correction("地址改成人民广场西门舞台旁边，她们晚上都在那跳", S5, "order_confirmed")
    assert c.values == {"address": "人民广场西门舞台旁边"}


def test_place_written_differently_is_the_address():
    c = read_correction("说错了，不是人民广场，是滨江广场，在江边", S5, "anonymous")
    assert c is not None and "滨江广场" in c.values.get("address", "")


def test_contact_person_changed_to_a_relative():
    c = read_correction("联系人换成我儿子王小军，电话不变", S5, "order_confirmed")
    assert c is not None and c.values == {"contact_name": "王小军"}


def test_more_precise_address():
    c = read_correction("地址再具体点，是东门进去左手边的台阶那儿", S5, "order_confirmed")
    assert c is not None and "台阶" in c.values.get("address", "")


def test_a_name_respelled_by_one_character_replaces_the_name():
    slots = {"contact_name": "傅永强", "order_type": "投诉"}
    correction = read_correction("哦打错字了，是付永强，付钱的付，不是师傅的傅", slots, "contact_phone")
    assert correction.values == {"contact_name": "付永强"}


def test_a_partial_address_correction_keeps_the_rest_of_the_address():
    slots = {"address": "清油河镇后湾村三组到镇上的那段", "district": "商南县"}
    correction = read_correction("哦对了地址写错了，是后湾村四组", slots, "order_confirmed")
    assert correction.values == {"address": "清油河镇后湾村四组到镇上的那段"}


def test_an_address_said_to_be_inexact_is_replaced():
    c = read_correction("地址说得不准，是商州区法院旁边的东背街巷子，法院东边那条，不是西边",
                        {"address": "城关街道法院旁边那条巷子", "district": "商州区"}, "order_confirmed")
    assert "东背街" in c.values["address"]


def test_the_last_digits_of_the_phone_corrected():
    from bot.actions.corrections import read_correction

    c = read_correction("哎呀说错了 后四位是3309 不是3390", {"contact_phone": "13891403390"}, "reply_required")
    assert c is not None and c.values["contact_phone"] == "13891403309"
    assert read_correction("尾号3390没错", {"contact_phone": "13891403390"}, None) is None or \
        "contact_phone" not in read_correction("尾号3390没错", {"contact_phone": "13891403390"}, None).values


def test_a_place_corrected_in_the_address_is_corrected_in_the_matter_told_too():
    slots = {"address": "商州区大赵峪街道龙山小区西门口", "description": "龙山小区西门口的井盖不知道让谁偷了"}
    c = read_correction("等下我说错了，是东门口，不是西门口，卖菜那个门", slots, "order_confirmed")
    assert c.values == {"address": "商州区大赵峪街道龙山小区东门口", "description": "龙山小区东门口的井盖不知道让谁偷了"}

import re

import pytest

from bot.screening import (
    EMERGENCY_NUMBERS,
    OOS_CLASSES,
    cross_region_reply,
    emergency_reply,
    refusal_reply,
)

LATIN = re.compile(r"[A-Za-z]")
NUMBER_LABELS = {
    "police": ("110", "报警"),
    "fire": ("119", "火警"),
    "medical": ("120", "医疗急救"),
    "traffic": ("122", "交通事故"),
}


def sentences(text):
    return [s for s in re.split(r"[。！？\n]", text) if s.strip()]


def assert_clean_chinese(text):
    assert text and text.strip()
    assert not LATIN.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", text)


# ------------------------------------------------------------------ emergency
@pytest.mark.parametrize("kind", sorted(NUMBER_LABELS))
def test_emergency_reply_single_kind(kind):
    text = emergency_reply((kind,))
    assert_clean_chinese(text)
    number, label = NUMBER_LABELS[kind]
    first_line = text.splitlines()[0]
    assert number in first_line and label in first_line
    assert "立即" in first_line
    # the other numbers are not in the first line
    for other, (other_number, _) in NUMBER_LABELS.items():
        if other != kind:
            assert other_number not in first_line
    assert "非紧急" in text and "第二条" in text and "工单" in text


def test_emergency_reply_gas_advice_in_fire():
    text = emergency_reply(["fire"])
    assert "燃气泄漏" in text and "不要开关电器" in text and "打开门窗" in text and "室外" in text


def test_emergency_reply_traffic_and_medical():
    text = emergency_reply(("traffic", "medical"))
    first = text.splitlines()[0]
    assert "122" in first and "120" in first
    assert first.index("122") < first.index("120")  # most important first, as given


@pytest.mark.parametrize("kinds", [(), None, ["unknown"], ("", "x")])
def test_emergency_reply_unknown_lists_all_four(kinds):
    text = emergency_reply(kinds)
    assert_clean_chinese(text)
    first = text.splitlines()[0]
    for number, label in NUMBER_LABELS.values():
        assert number in first and label in first


def test_emergency_reply_ignores_duplicates():
    assert emergency_reply(["fire", "fire"]) == emergency_reply(["fire"])


def test_emergency_numbers_table():
    assert {k: v[0] for k, v in EMERGENCY_NUMBERS.items()} == {k: v[0] for k, v in NUMBER_LABELS.items()}


# ------------------------------------------------------------------ refusals
CHANNELS = {
    "court": ["法院", "12368"],
    "procuratorate": ["检察院", "12309"],
    "military": ["部队", "武警", "退役军人"],
    "litigation": ["法院", "12368"],
    "arbitration": ["劳动人事争议仲裁委员会", "仲裁委员会"],
    "discipline": ["纪检监察", "12388"],
    "admin_review": ["行政复议机关", "司法局"],
    "info_disclosure": ["政府信息公开申请", "依申请公开"],
    "petition": ["信访部门", "信访程序"],
    "privacy": ["个人信息", "公安机关", "诉讼"],
    "abuse": ["文明用语", "继续"],
}


def test_all_classes_covered():
    assert set(OOS_CLASSES) == set(CHANNELS)


@pytest.mark.parametrize("oos_class", sorted(CHANNELS))
def test_refusal_names_channel(oos_class):
    text = refusal_reply(oos_class)
    assert_clean_chinese(text)
    for word in CHANNELS[oos_class]:
        assert word in text, (oos_class, word)
    assert "第七条" in text
    assert 2 <= len(sentences(text)) <= 4, text


@pytest.mark.parametrize("oos_class", sorted(CHANNELS))
def test_refusal_accepts_intent_name(oos_class):
    assert refusal_reply("oos_" + oos_class) == refusal_reply(oos_class)


@pytest.mark.parametrize("oos_class", ["other", "", None, "weather"])
def test_refusal_generic(oos_class):
    text = refusal_reply(oos_class)
    assert_clean_chinese(text)
    assert "第七条" in text and "第八条" in text
    assert text not in {refusal_reply(c) for c in CHANNELS}


def test_refusals_are_distinct():
    texts = [refusal_reply(c) for c in CHANNELS]
    assert len(set(texts)) == len(texts)


# ------------------------------------------------------------------ cross region
def test_cross_region_shaanxi_city_goes_to_provincial_platform():
    text = cross_region_reply("西安")
    assert_clean_chinese(text)
    assert "西安市" in text and "陕西省 12345 平台" in text and "第二十三条" in text
    assert "直接拨打" in text


def test_cross_region_shaanxi_district():
    text = cross_region_reply("雁塔区")
    assert "西安市雁塔区" in text and "陕西省 12345 平台" in text


def test_cross_region_other_province():
    text = cross_region_reply("郑州")
    assert_clean_chinese(text)
    assert "郑州" in text and "12345 热线" in text and "第二十三条" in text
    assert "陕西省 12345 平台" not in text
    assert "直接拨打" in text


def test_cross_region_province_name():
    text = cross_region_reply("北京")
    assert "北京市" in text and "12345" in text


@pytest.mark.parametrize("place", [None, ""])
def test_cross_region_unknown(place):
    text = cross_region_reply(place)
    assert_clean_chinese(text)
    assert "陕西省 12345 平台" in text and "当地" in text and "商洛" in text


def test_cross_region_unknown_name_is_repeated():
    text = cross_region_reply("某某地方")
    assert "某某地方" in text and "第二十三条" in text


def test_every_number_stays_in_reach_after_the_detected_one():
    text = emergency_reply(["traffic"])
    first_line, rest = text.split("\n", 1)
    assert "122" in first_line and "120" not in first_line
    for number in ("110", "119", "120"):
        assert number in rest

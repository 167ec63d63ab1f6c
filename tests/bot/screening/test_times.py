from datetime import datetime

import pytest

from bot.screening.jio import jionlp
from bot.screening.times import TimeMention, find_times, parse_time, specific_time

pytestmark = pytest.mark.skipif(jionlp() is None, reason="jionlp not installed")

NOW = datetime(2026, 12, 2, 10, 0)  # a Wednesday


@pytest.mark.parametrize(
    "text,words,normalized,kind",
    [
        ("前天下午在北新街万达广场买的", "前天下午", "2026-11-30T13:00/2026-11-30T17:59", "point"),
        ("这两天一直停水，洗不成衣服", "这两天", "2026-11-30/2026-12-02", "span"),
        ("一直", "一直", None, "vague"),
        ("每天晚上都有人在广场跳舞，声音太大", "每天晚上", "R/2026-12-02T18:00/2026-12-02T23:59/P1D", "period"),
        ("上个月15号交的钱到现在都没退", "上个月15号", "2026-11-15", "point"),
        ("昨天晚上八点多有人在楼下烧烤", "昨天晚上八点多", "2026-12-01T20:00/2026-12-01T20:59", "point"),
        ("去年冬天", "去年冬天", "2025-11-07/2026-02-02", "span"),
        ("我们小区停水两天了", "两天", "2026-11-30/2026-12-02", "duration"),
        ("两三天了还没人来修", "两三天", "2026-11-29/2026-12-02", "duration"),
        ("半年了还没人清理", "半年", "2026-06-02/2026-12-02", "duration"),
        ("工资从三月份开始就没发了", "三月", "2026-03", "span"),  # March, not three months
        ("前几天下大雨冲坏了路", "前几天", "2026-11-28/2026-12-01", "span"),
        ("刚才有人在楼下吵架", "刚才", "2026-12-02", "point"),
        ("最近老是停电", "最近", None, "vague"),
        ("2026年11月25日下午", "2026年11月25日下午", "2026-11-25T13:00/2026-11-25T17:59", "point"),
        ("额们这达从上礼拜三开始就没水了", "从上礼拜三开始", "2026-11-25T00:00/2026-12-02T10:00", "span"),
        ("春节前说好的补贴到现在没发", "春节前", "../2026-02-17T23:59", "span"),
        ("昨天夜里两点", "昨天夜里两点", "2026-12-01T02:00/2026-12-01T02:59", "point"),
        ("今天十几度，暖气还不来", "今天", "2026-12-02", "point"),
    ],
)
def test_parse_time(text, words, normalized, kind):
    mention = parse_time(text, now=NOW)
    assert mention is not None
    assert (mention.words, mention.normalized, mention.kind) == (words, normalized, kind)
    assert text[mention.start:mention.end] == words
    assert mention.in_future is False


@pytest.mark.parametrize(
    "text",
    [
        "十几度",  # a temperature (the classifier once took 十几)
        "12号楼",
        "3单元",
        "12号楼3单元502室漏水",
        "商州区城关街道幸福路12号",
        "五一路的路灯不亮",
        "八一村的路坏了",
        "三天两头停电",
        "你们一天到晚不干活",
        "第一时间处理",
        "路灯坏了",
        "",
    ],
)
def test_not_times(text):
    assert parse_time(text, now=NOW) is None


@pytest.mark.parametrize(
    "text,words",
    [("明天上午来修", "明天上午"), ("下周一去办", "下周一"), ("两天内给答复", "两天内"), ("12号那天", "12号那天")],
)
def test_future(text, words):
    mention = parse_time(text, now=NOW)
    assert mention.words == words and mention.in_future is True


def test_weak_words_only_when_nothing_else():
    assert parse_time("上个月15号交的钱到现在没退", now=NOW).words == "上个月15号"
    assert parse_time("现在小区门口的路灯坏了", now=NOW).words == "现在"


def test_find_times_in_a_long_letter():
    text = (
        "尊敬的领导：我住在商州区城关街道幸福路12号的家属院，12号楼3单元。从上个月15号开始，"
        "楼下的饭馆每天晚上十点以后还在营业，吵得人睡不着，前天下午我去找过他们，没人管。"
    )
    found = find_times(text, now=NOW)
    assert [m.words for m in found] == ["从上个月15号开始", "每天晚上十点以后", "前天下午"]
    for mention in found:
        assert text[mention.start:mention.end] == mention.words


def test_full_width_and_offsets():
    text = "事情是２０２６年１１月２５日 下午发生的"
    mention = parse_time(text, now=NOW)
    assert mention.normalized == "2026-11-25T13:00/2026-11-25T17:59"
    assert text[mention.start:mention.end] == "２０２６年１１月２５日 下午"


def test_default_now_and_types():
    mention = parse_time("昨天")
    assert isinstance(mention, TimeMention) and mention.kind == "point" and len(mention.normalized) == 10
    assert parse_time(None) is None and find_times("") == []


def test_jionlp_parse_failures_stay_quiet(caplog, capsys):
    text = "楼里有好几个老人腿脚不好，每天晚上还得爬到十几楼，前天下午李大爷在楼梯上摔了一跤"
    with caplog.at_level("DEBUG"):
        found = find_times(text, now=NOW)
    assert [m.words for m in found] == ["每天晚上", "前天下午"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err


@pytest.mark.parametrize(
    "text,words",
    [
        # the most specific mention says when it happened, not the first one
        ("你好，我叫贺翠兰，今年七十了，前天下大雨，屋后面的排水沟被堵死了", "前天"),  # 今年七十了 is an age
        ("今年3月开始一直放炮开山，最近一次是上周二下午，震得后墙裂了", "上周二下午"),
        ("我爸今年82了，从去年11月开始连着三个月都没到账", "从去年11月开始"),
        ("晚上黑的啥也看不见，昨天晚上有个老人差点掉进去", "昨天晚上"),
        ("说好三天内上门安装，现在都半个月了没人来", "半个月"),  # 三天内 was a promise
        ("小区旁边的KTV每天晚上营业到凌晨两三点", "每天晚上"),
        # whole months jionlp cannot parse
        ("上个月我们小区车棚里着过一次火", "上个月"),
        ("上上个月交的物业费", "上上个月"),
        ("这个星期天天晚上都有中学生进去上网", "这个星期天天"),  # not Sunday
    ],
)
def test_the_most_specific_time_wins(text, words):
    assert parse_time(text, now=NOW).words == words


@pytest.mark.parametrize(
    "text",
    [
        "报名交了3800块钱，去退钱他们一分都不退",  # money
        "回家发现牛奶已经过期一个礼拜了",  # how long it is overdue
    ],
)
def test_amounts_and_overdue_spans_are_no_times(text):
    assert parse_time(text, now=NOW) is None


@pytest.mark.parametrize("text", ["我们这片儿最近老是停电，一天停好几回，冰箱里东西都坏了", "一天吵好几次", "一周停三回水",
                                  "一个月来两次，每次都不打招呼", "一天三顿都在楼下炒菜"])
def test_how_often_is_no_time(text):
    assert specific_time(text, now=NOW) is None


@pytest.mark.parametrize("text, words", [("停水一天了", "一天"), ("都一个月了还没修", "一个月"), ("有一天晚上我回家，前天又停了", "前天")])
def test_how_long_still_counts(text, words):
    assert specific_time(text, now=NOW).words == words


def test_rough_times_are_told_apart():
    from bot.screening.times import is_coarse, opening_time

    for text in ("屋里没水三天咧", "上周在朱家湾一家农家乐吃完饭", "一个多月了", "上个礼拜"):
        assert is_coarse(text, parse_time(text, now=NOW)) and opening_time(text, now=NOW) is None
    for text in ("上周三晚上", "前天下午", "从上个月开始一直这样"):
        assert opening_time(text, now=NOW) is not None
    assert "这周一" not in [m.words for m in find_times("这周一直停电", now=NOW)]


def test_a_bare_weekday_in_a_told_matter_is_the_last_one():
    thursday = datetime(2026, 12, 3, 16)
    assert parse_time("礼拜天晚上冻裂的", now=thursday).normalized.startswith("2026-11-29")
    assert not parse_time("礼拜天晚上冻裂的", now=thursday).in_future
    assert parse_time("周六打算去办", now=thursday).in_future


@pytest.mark.parametrize("text, words", [("大概四五天了", "四五天"), ("七八天了", "七八天"), ("都十来天了还没修", "十来天")])
def test_rough_day_counts_are_durations(text, words):
    mention = parse_time(text, now=NOW)
    assert mention.words == words and mention.kind == "duration"
    assert parse_time("十几天内给答复", now=NOW) is None


def test_vague_years_never_crash():
    text = "额前些年一直在西安打工 今年回来在洛南县城 工地上干了四个多月 包工头欠了额两万三 年跟前咧还不给"
    parse_time(text)  # no OverflowError
    specific_time(text)

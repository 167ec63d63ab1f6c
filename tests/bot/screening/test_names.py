import pytest

from bot.screening import lexical
from bot.screening.names import find_self_name, parse_name_answer, self_name_mention, signed_name

pytestmark = pytest.mark.skipif(not lexical.available(), reason="LAC model not installed")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("额姓王，叫王有福", "王有福"),  # not 王叫王有福
        ("我姓王叫王有福，住在商州区", "王有福"),
        ("免贵姓李", "李先生/女士"),
        ("我姓高，电话13991405566", "高先生/女士"),
        ("我叫张三，电话139-9140-5566", "张三"),
        ("我是王有福", "王有福"),
        ("喂，你好，我叫马小红，我要投诉我们小区物业", "马小红"),
        ("额是刘铁柱，丹凤的", "刘铁柱"),
        ("俺是老张，就住这个楼", "老张"),
        ("本人宋江，反映一个问题", "宋江"),
        ("我的名字叫陈小平", "陈小平"),
        ("姓名：王有福", "王有福"),
        ("你就叫我小李", "小李"),
        ("我叫張三", "张三"),  # traditional characters
        (
            "您好，我是住在商州区江滨花园的王大妈，叫王秀英，我们楼的电梯坏了一个多月了，"
            "物业一直推说没钱修，老人上下楼太难了，希望领导管一管。",
            "王秀英",
        ),
    ],
)
def test_self_name(text, expected):
    assert find_self_name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "商丹园区那个新建的小区",  # not 新建
        "我邻居叫张三，他家天天半夜放音乐",
        "我是张三的邻居",
        "我叫王师傅来修，他一直不来",
        "我们村的王书记不作为",
        "我叫了120",
        "我是商州的",
        "我是12345的老用户",
        "我叫啥不重要",
        "我们小区停水两天了",
        "",
    ],
)
def test_no_self_name(text):
    assert find_self_name(text) is None


def test_mention_offsets():
    text = "额姓王，叫王有福"
    mention = self_name_mention(text)
    assert mention.name == "王有福" and text[mention.start:mention.end] == "王有福"
    text = "免贵姓李"
    mention = self_name_mention(text)
    assert mention.name == "李先生/女士" and text[mention.start:mention.end] == "李"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("王有福", "王有福"),
        ("叫我老王就行", "老王"),
        ("就叫我刘姐吧", "刘姐"),
        ("姓刘", "刘先生/女士"),
        ("王", "王先生/女士"),
        ("我姓司马", "司马先生/女士"),
        ("姓王，三横一竖那个王", "王先生/女士"),
        ("刘桂兰", "刘桂兰"),
        ("我姓刘，刘桂兰", "刘桂兰"),
        ("刘先生", "刘先生"),
        ("王大妈", "王大妈"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("田野", "田野"),  # a given name LAC does not tag as a person
        ("新建", None),
        ("小区", None),
        ("不想说", None),
        ("名字就不说了", None),
        ("13991405566", None),
        ("好的", None),
        ("商州", None),
        ("不知道", None),
        ("", None),
    ],
)
def test_parse_name_answer(text, expected):
    assert parse_name_answer(text) == expected


_LETTER = "我们小区旁边新开了一家KTV，每天晚上营业到凌晨两三点，找过物业也没用，希望有关部门能管一管。"


@pytest.mark.parametrize(
    "text,expected",
    [
        (_LETTER + "此致 敬礼！ 张秀兰 13571420098", "张秀兰"),
        (_LETTER + "谢谢！\n市民 李红 2026年12月3日", "李红"),
        (_LETTER + "麻烦了 王建国 电话13571420098", "王建国"),
        (_LETTER + "张秀兰", "张秀兰"),
        ("表扬一下，王建军", None),  # short: the one praised, not a signature
        (_LETTER + "请表扬王大夫。", None),
        (_LETTER + "我想表扬一下。李医生", None),  # a title, not a signature
        (_LETTER + "昨天找了王主任。王主任说不归他管", None),
    ],
)
def test_signed_name(text, expected):
    assert signed_name(text) == expected
    if expected:
        assert find_self_name(text) == expected


def test_a_three_character_name_lac_cuts_short_is_taken_whole():
    assert parse_name_answer("马长有") == "马长有"
    assert parse_name_answer("李红吧") == "李红"


def test_someone_elses_surname_is_not_the_writers():
    assert find_self_name("环卫大姐捡到后原物奉还，我只知道她姓李，大概五十多岁") is None


def test_a_signature_after_the_place_on_its_line():
    letter = _LETTER + "希望环卫部门能表扬一下这位大姐。\n商州区 黄志刚\n电话 13891408865"
    assert find_self_name(letter) == "黄志刚"


def test_a_role_before_the_own_name():
    assert find_self_name("路灯坏了半个月，我是居民王秀英，电话13891401111") == "王秀英"
    assert find_self_name("恳请尽快处理。反映人：赵德胜 手机：13991402222") == "赵德胜"
    assert find_self_name("我是村民，张三家的狗天天咬人") is None
    assert find_self_name("我是业主") is None


def test_a_surname_told_of_someone_named_before_it_is_not_the_writers():
    text = "我在柞水县乾佑街道那个安置小区工地上干活，包工头姓马，欠我们三个月工资了"
    assert find_self_name(text) is None
    assert find_self_name("额姓王，叫王有福") == "王有福"
    assert find_self_name("免贵姓李") == "李先生/女士"


@pytest.mark.parametrize("answer, name", [("额叫 余 余秀英", "余秀英"), ("我姓王 王有福", "王有福"), ("姓 王", "王先生/女士")])
def test_a_surname_said_on_its_own_before_the_name(answer, name):
    assert parse_name_answer(answer) == name

import pytest

from bot.screening.landmarks import landmark_spans, without_landmarks


def words(text):
    return [text[a:b] for a, b in landmark_spans(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("商州区北新街消防支队对面的小区停水了", ["消防支队对面"]),
        ("城关街道检察院后面的锦江花园小区，下水道堵了半个月", ["检察院后面"]),
        ("额住在部队家属院，楼道灯坏了", ["部队家属院"]),
        ("法院旁边那个巷子里天天有人乱倒垃圾", ["法院旁边"]),
        ("就在派出所隔壁的烧烤摊，半夜还在吵", ["派出所隔壁"]),
        ("公安局斜对面那个路口红绿灯不亮", ["公安局斜对面"]),
        ("信访局门口的井盖丢了", ["信访局门口"]),
        ("纪委后面新修的路又挖开了", ["纪委后面"]),
        ("中心医院的对面有家药店卖假药", ["中心医院的对面"]),
        ("武警支队附近有个工地晚上施工", ["武警支队附近"]),
        ("消防队往东走一百米就是我们小区", ["消防队往东"]),
        ("斜对面的消防队半夜老拉警报", ["斜对面的消防队"]),
        ("检察院家属楼的电梯坏了", ["检察院家属楼"]),
        ("法院路那一段的路灯不亮", ["法院路"]),
        ("我住在法院那边的小区", ["法院那边"]),
        ("饭店楼下的垃圾桶满了没人收", ["饭店楼下"]),
    ],
)
def test_landmarks_found(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "法院判了开发商赔钱到现在还不执行",
        "我要起诉我们单位",
        "法院那边说不归他们管",  # 那边 = the court itself, no locative verb before
        "去医院路上被车撞了",  # on the way to the hospital, not 医院路
        "部队转业安置的政策想问一下",
        "检察院的电话是多少",
        "",
    ],
)
def test_institution_as_the_matter_is_no_landmark(text):
    assert landmark_spans(text) == []
    assert without_landmarks(text) == text


def test_blanking_keeps_length_and_offsets():
    text = "城关街道检察院后面的锦江花园小区停水了"
    plain = without_landmarks(text)
    assert len(plain) == len(text)
    assert "检察院" not in plain and "锦江花园小区停水了" in plain
    start = plain.index("锦江花园")
    assert text[start:start + 4] == "锦江花园"


def test_several_landmarks_and_none_input():
    text = "法院对面和医院旁边各有一个坑"
    assert words(text) == ["法院对面", "医院旁边"]
    assert without_landmarks(None) == ""
    assert landmark_spans(None) == []

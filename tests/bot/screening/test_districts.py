import pytest

from bot.screening import SERVED_DISTRICTS, find_district, find_other_region, normalize_district, region_info
from bot.screening.districts import DISTRICT_ALIASES, TOWN_TO_DISTRICT

HIGH_TECH = "商洛高新区（商丹园区）"


def test_served_districts():
    assert SERVED_DISTRICTS == ("商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县", HIGH_TECH)
    assert set(DISTRICT_ALIASES.values()) == set(SERVED_DISTRICTS)
    assert set(TOWN_TO_DISTRICT.values()) <= set(SERVED_DISTRICTS)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("商州", "商州区"), ("商州区", "商州区"), ("洛南", "洛南县"), ("丹凤", "丹凤县"), ("商南", "商南县"),
        ("山阳", "山阳县"), ("镇安", "镇安县"), ("柞水", "柞水县"), ("柞水县", "柞水县"),
        ("高新区", HIGH_TECH), ("商丹园区", HIGH_TECH), ("商洛高新区", HIGH_TECH), ("商丹", HIGH_TECH),
        ("商洛高新", HIGH_TECH), (HIGH_TECH, HIGH_TECH), ("商洛高新区(商丹园区)", HIGH_TECH),
        (" 商州 ", "商州区"), ("商州区。", "商州区"), ("陕西省商洛市镇安县", "镇安县"), ("商洛市洛南县", "洛南县"),
        ("商洛丹凤", "丹凤县"), ("山阳那边", "山阳县"), ("镇安县的", "镇安县"), ("ＳＨ", None),
        ("北宽坪镇", "商州区"), ("龙驹寨街道", "丹凤县"), ("乾佑街道", "柞水县"), ("永乐街道", "镇安县"),
        ("大赵峪街道", "商州区"), ("陈塬街道", "商州区"), ("刘湾街道", "商州区"), ("漫川关", "山阳县"),
        ("金丝峡", "商南县"), ("十里坪镇", "商南县"), ("南宽坪镇", "山阳县"),
        ("城关街道", None), ("城关镇", None), ("西安", None), ("商洛", None), ("", None), (None, None),
        ("凤县", None), ("山阳区", None), ("我家在商州", None),
    ],
)
def test_normalize_district(text, expected):
    assert normalize_district(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("我住在丹凤县龙驹寨", "丹凤县"),
        ("北宽坪镇的路坏了", "商州区"),
        ("商州区北新街路灯不亮", "商州区"),
        ("我是镇安的，想问一下", "镇安县"),
        ("高新区有个工厂排污", HIGH_TECH),
        ("柞水县乾佑街道", "柞水县"),
        ("山阳漫川关古镇门票", "山阳县"),
        ("洛南县城关街道", "洛南县"),
        ("城关街道有个坑", None),
        ("西安高新区的公司拖欠工资", None),  # 西安's 高新区, not ours
        ("乡镇安排的人不来", None),  # 乡镇安排 must not read as 镇安
        ("城镇安置房什么时候分", None),
        ("商洛南部山区", None),  # 商洛 + 南部, not 洛南
        ("我在宝鸡凤县", None),  # 凤县 is Baoji's
        ("焦作山阳区", None),
        ("路灯坏了", None),
        ("", None),
        ("商州区和丹凤县交界", "商州区"),  # first mention wins
        ("ＳＨＡＮＧ 商 州 区", "商州区"),  # spaces and full width
    ],
)
def test_find_district(text, expected):
    assert find_district(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("西安市雁塔区的房子漏水", "西安市"),
        ("雁塔区的房子漏水", "雁塔区"),
        ("在郑州打工被拖欠工资", "郑州"),
        ("宝鸡凤县的路坏了", "宝鸡"),
        ("西安高新区的公司拖欠工资", "西安高新区"),
        ("北京的快递被弄丢了", "北京"),
        ("我在西安，这边小区物业乱收费", "西安"),
        ("我老家是洛南的，现在在西安长安区租的房子漏水", None),  # both locative → ask
        ("我在西安，老家洛南县的房子被拆了", None),
        ("我刚从西安回来，小区门口的路灯坏了", None),
        ("去西安的班车票价太高", None),
        ("商洛到西安的高速堵车", None),
        ("我是西安人，在商州区买的房子", None),
        ("从河南过来的货车", None),
        ("商州区的路灯坏了", None),
        ("陕西宁强县的路", "宁强县"),
        ("上海南站丢了东西", "上海"),
        ("浙江西湖边上", "浙江"),
        ("幸福建设路", None),
        ("祝您平安康复", None),
        ("把东西藏起来", None),
        ("洛河南岸有人倒垃圾", None),
        ("", None),
        (None, None),
    ],
)
def test_find_other_region(text, expected):
    assert find_other_region(text) == expected


def test_region_info():
    assert region_info("西安") == ("陕西省", "西安市", "西安市")
    assert region_info("雁塔区") == ("陕西省", "西安市", "西安市雁塔区")
    assert region_info("郑州")[0] == "河南省"
    assert region_info("河南") == ("河南省", None, "河南省")
    assert region_info("商州") is None
    assert region_info("火星") is None
    assert region_info(None) is None


def test_every_other_region_result_has_info():
    for text in ["在郑州", "在兰州", "在安康市", "在杨凌", "在汉中", "在乌鲁木齐", "在十堰"]:
        place = find_other_region(text)
        assert place and region_info(place), text

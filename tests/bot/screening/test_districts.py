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
        ("西安市雁塔区的房子漏水", "西安市雁塔区"),  # the whole place as written (was: 西安市)
        ("雁塔区的房子漏水", "雁塔区"),
        ("在郑州打工被拖欠工资", "郑州"),
        ("宝鸡凤县的路坏了", "宝鸡凤县"),  # (was: 宝鸡)
        ("西安高新区的公司拖欠工资", "西安高新区"),
        ("北京的快递被弄丢了", "北京"),
        ("我在西安，这边小区物业乱收费", "西安"),
        ("我老家是洛南的，现在在西安长安区租的房子漏水", "西安长安区"),  # 老家是洛南的 is where the citizen is from
        ("我在西安，老家洛南县的房子被拆了", None),
        # 你们山阳这边能… addresses the hotline; the worksite is in 咸阳
        ("额在咸阳秦都区工地上干活，老板欠额工钱不给，你们山阳这边能给额要回来不", "咸阳秦都区"),
        ("你们商州区的路灯坏了好几天了", None),
        # 我在商洛上班 is where the citizen works; the heating is at the mother's flat
        ("我在商洛上班，我妈住在宝鸡市渭滨区的一个老小区，今年冬天暖气一直不热", "宝鸡市渭滨区"),
        ("我刚从西安回来，小区门口的路灯坏了", None),
        ("去西安的班车票价太高", None),
        ("商洛到西安的高速堵车", None),
        ("我是西安人，在商州区买的房子", None),
        ("从河南过来的货车", None),
        ("商州区的路灯坏了", None),
        ("陕西宁强县的路", "宁强县"),
        ("上海南站丢了东西", "上海"),
        ("浙江西湖边上", "浙江西湖"),  # (was: 浙江); region_info resolves it to 杭州市西湖区
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


# ------------------------------------------------------------------ gazetteer-based, colloquial
@pytest.mark.parametrize(
    "text,expected",
    [
        ("渭南市临渭区的房子漏水没人管", "渭南市临渭区"),
        ("我在渭南市华州区上班，单位不给交社保", "渭南市华州区"),
        ("郑州市惠济区那个厂子欠我三个月工资", "郑州市惠济区"),
        ("我女儿在咸阳市上大学，学校乱收费", "咸阳市"),
        ("安康市旬阳县的亲戚家房子被拆了", "安康市旬阳县"),  # 旬阳县 is 旬阳市 since 2021
        ("北京丰台区的快递站把我的包裹弄丢了", "北京丰台区"),
        ("汉中勉县县城有个黑车天天拉客", "汉中勉县"),
        ("西安高新区的公司拖欠工资", "西安高新区"),
        ("额在河南南阳卧龙区打工，老板跑了", "河南南阳卧龙区"),
        ("榆林神木那边的煤矿不给结账", "榆林神木"),
        ("十堰市郧西县的路", "十堰市郧西县"),
        ("在西安交大一附院看病被多收钱", "西安"),
        ("我住在长安区，房东不退押金", "长安区"),
        ("喂，您好，我现在在咸阳，这边有个事想反映一下，小区物业天天停电", "咸阳"),
        ("我在陕西西安", "西安"),
        (
            "尊敬的领导：我是一名外出务工人员，去年在郑州市惠济区一个工地上干活，包工头拖欠工资"
            "两万多元至今不给，多次讨要无果，希望政府帮忙协调，谢谢！",
            "郑州市惠济区",
        ),
    ],
)
def test_other_region_from_the_gazetteer(text, expected):
    assert find_other_region(text) == expected
    assert region_info(expected) is not None


@pytest.mark.parametrize(
    "text",
    [
        "我们小区停水两天了",
        "陕西",  # a bare province name is not outside
        "商州区西安路的下水道堵了",  # a street named after a city
        "北京路口有个坑",
        "新城小区停电了",  # an estate named after a district
        "我家在平安小区",
        "祝您平安康复",  # LAC tags 平安康复 as ORG: a county's short name there is too weak
        "和县长说了没用",
        "沙县小吃的老板短斤少两",
        "城关镇中心小学乱收费",  # 城关 resolves to Shangluo first
        "高新区有个工厂排污",
        "我在北京打工，户口在洛南，想办居住证",  # a served district always wins
        "从渭南过来的大车把路压坏了",
        "我是渭南人，在商州住",
        "商丹园区那个新建的小区",
        "富水路南段",
        "",
    ],
)
def test_no_other_region(text):
    assert find_other_region(text) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("商州区城关街道幸福路12号", "商州区"),
        ("富水镇街道上有人占道经营", "商南县"),
        ("富水路南段", None),  # a road, not a district (never 南段)
        ("商丹园区那个新建的小区", HIGH_TECH),
        ("我是黄丽，家住商州", "商州区"),  # LAC splits 商/州 here; the name still counts
        ("喂，我是山阳县漫川关镇的，额们村的路坏了", "山阳县"),
        ("额住在镇安县城，老城区这边", "镇安县"),
        ("棣花镇那边的古镇门票", "丹凤县"),
        ("杨斜镇的班车", "商州区"),  # a town from the gazetteer
        ("商州区北新街消防支队对面的小区停水了", "商州区"),
        ("我在西安，这边小区物业乱收费", None),
        ("北京路口有个坑", None),
    ],
)
def test_find_district_colloquial(text, expected):
    assert find_district(text) == expected


def test_mentions_carry_offsets_into_the_original_text():
    from bot.screening.districts import district_mention, other_region_mention

    text = "您好，额住在 商 州 区北新街，问个事"
    mention = district_mention(text)
    assert mention.district == "商州区" and text[mention.start:mention.end] == "商 州 区"
    text = "我在郑州市惠济区打工被拖欠工资"
    mention = other_region_mention(text)
    assert mention.name == "郑州市惠济区" and text[mention.start:mention.end] == "郑州市惠济区"
    assert mention.divisions[0].province == "河南省"


def test_region_info_of_whole_places():
    assert region_info("郑州市惠济区") == ("河南省", "郑州市", "河南省郑州市惠济区")
    assert region_info("北京丰台区") == ("北京市", "北京市", "北京市丰台区")
    assert region_info("西安高新区") == ("陕西省", "西安市", "西安市高新区")
    assert region_info("浙江西湖") == ("浙江省", "杭州市", "浙江省杭州市西湖区")
    assert region_info("汉中勉县") == ("陕西省", "汉中市", "汉中市勉县")
    assert region_info("长安区")[1] == "西安市"  # ambiguous county: Shaanxi first
    assert region_info("商州区") is None and region_info("陕西") is None


def test_without_lac_full_names_still_count(monkeypatch):
    from bot.screening import lexical

    from bot.screening import districts

    monkeypatch.setattr(lexical, "_model", None)
    monkeypatch.setattr(lexical, "_failed", True)
    districts._mentions.cache_clear()
    monkeypatch.setattr(districts, "_mentions", districts._mentions.__wrapped__)
    assert find_district("商州区北新街路灯不亮") == "商州区"
    assert find_other_region("我在郑州市惠济区打工被拖欠工资") == "郑州市惠济区"
    assert find_other_region("在北京打工") == "北京"
    assert find_other_region("我们小区停水两天了") is None
    assert find_other_region("祝您平安康复") is None  # county short names need LAC


# ------------------------------------------------------------------ long letters naming the place
LETTERS = [
("尊敬的12345热线工作人员你们好，我叫李建华，是商洛人，但是目前在渭南市临渭区一家物流公司上班，公司已经连续四个月没有给我们交社保了，找人事也找不到人，希望你们能帮忙反映一下，谢谢！","渭南市临渭区"),
("您好！我去年在郑州市惠济区一个建筑工地上干活，包工头姓张，一共欠我们十几个人的工资八万多，过年前说给结果到现在还没给，电话也不接，我们都是农民工不容易，请政府帮帮我们。","郑州市惠济区"),
("我女儿在咸阳市的一所职业学校上学，学校强制学生去外地实习，实习期间每个月只给八百块钱，还扣了押金不退，请问这个找谁管？","咸阳市"),
("我父亲的老房子在安康市旬阳县的一个村里，村上修路把房子的院墙推倒了，一直没人来赔，父亲年纪大了来回跑不动，想请你们帮忙问问。","安康市旬阳县"),
("我在北京丰台区打工，网上买的东西快递一直显示派送中，快递站说丢了不赔，我已经打了好多次电话了没人处理。","北京丰台区"),
("额是在汉中勉县县城开饭馆的，最近市场监管的人来检查，说我们的证过期了要罚款五千，额觉得不合理，想问一下能不能申请复查。","汉中勉县"),
("你好，我在西安高新区一家软件公司上班，公司拖欠了我两个月工资，离职的时候还扣了我的押金，劳动监察那边一直说在处理。","西安高新区"),
("我妈在宝鸡凤县住院，医院收费太乱了，一天光检查费就一千多，问他们要明细也不给。","宝鸡凤县"),
("我们是从商洛过去的，现在在延安市宝塔区租房子住，房东突然说要涨房租，不涨就让我们搬走，押金也不退。","延安市宝塔区"),
("你们好，我在十堰市郧西县买了一套房子，开发商到现在都不给办房产证，说是手续没办完，已经拖了三年了。","十堰市郧西县"),
("额娃在榆林神木的煤矿上干活，受了伤，矿上不给报工伤，说是他自己不小心，额们农村人不懂这些，咋办？","榆林神木"),
("我在上海浦东新区上班，公积金提取不了，单位说是商洛这边的社保有问题，能不能帮我查一下？",None),  # 商洛 named: local wins
("喂，你好，我想反映一下，我在河南南阳卧龙区的一个厂子上班，厂里每天让加班到晚上十一点，不给加班费。","河南南阳卧龙区"),
("请问一下，铜川市耀州区的高速出口一直在修路，堵车堵得厉害，什么时候能修好？","铜川市耀州区"),
("我在西安市雁塔区小寨那边买了一个手机，用了三天就坏了，商家不给退也不给换。","西安市雁塔区"),
("我是在甘肃天水打工的，老板跑路了，工资一分没拿到。","甘肃天水"),
("我们一家在四川成都武侯区做生意，门面被强拆了，没有任何补偿。","四川成都武侯区"),
("您好，我住在湖北十堰张湾区，我想问一下商洛的医保能不能在这边报销？",None),
("我在深圳宝安区的电子厂上班，厂里不给买社保，说试用期不用买。","深圳宝安区"),
("我在渭南，这边有个驾校收了钱不给练车。","渭南"),
("我爸在重庆万州住院，我们老家是山阳的，新农合报销比例太低了。",None),
("我现在在广州，之前在网上被骗了两万块钱，报警了也没消息。","广州"),
("我在杨凌示范区上班，小区物业费乱涨价。","杨凌示范区"),
]


@pytest.mark.parametrize("text,expected", LETTERS)
def test_other_region_in_long_letters(text, expected):
    assert find_other_region(text) == expected


def test_a_relative_living_elsewhere_does_not_move_the_matter():
    assert find_other_region("我儿子在西安打工，我们村的路坏了好几个月") is None
    assert find_other_region("在西安上学的女儿说家里水管爆了") is None
    # the citizen's own work there, or a matter at the relative's place, stays there
    assert find_other_region("我在西安打工，老板拖欠工资不给") == "西安"
    assert find_other_region("我妈在宝鸡凤县住院，医院收费太乱了") == "宝鸡凤县"


def test_colloquial_capital_origin_and_sights():
    # 省城 is what people here call 西安
    assert find_other_region("我在省城小寨那边租的房子，房东押金扣着不退") == "西安"
    # where the citizen is from is not where the matter is
    assert find_other_region("我是山阳的，前几天在宝鸡市渭滨区一家饭店吃坏了肚子") == "宝鸡市渭滨区"
    assert find_other_region("我是商州的，我们小区停水了") is None
    # 凤凰古镇 is 柞水's
    assert find_district("在凤凰古镇买东西被宰了") == "柞水县"
    assert find_other_region("我们从汉中过来旅游，在凤凰古镇被强买强卖") is None


def test_where_the_citizen_works_or_has_come_back_to_is_not_the_matters_place():
    assert find_other_region("您好，我在西安上班，想替我老家的父亲反映个事。他一个人住在老屋里，房顶漏得厉害") is None
    assert find_other_region("我在西安打工，老板不给工资") == "西安"
    text = "我去年在河南省郑州一个工地上干活，包工头欠了我们八个人的工资跑了，我现在回洛南了，能不能帮我们要回来"
    assert find_other_region(text) == "河南省郑州"
    assert find_other_region("我回商州以后发现家里水管坏了") is None


def test_the_hotline_named_by_its_city_is_not_where_the_matter_is():
    text = "我是商南的，在湖北郧西县一个工地上打工，老板欠了我四个月工资不给，我能在咱商洛12345反映不"
    assert find_other_region(text) == "湖北郧西县"
    assert find_other_region("商洛12345你好，我们商州区停水了") is None

import pytest

from bot.screening.addresses import names_a_place, opening_address, place_in_matter


@pytest.mark.parametrize("text, place", [
    ("山阳县城关镇东关村二组，我叫张秀兰，电话135 7143 8890，村里的自来水管子冻裂了三天了", "山阳县城关镇东关村二组"),
    ("我家在商州区北新街幸福小区，楼下烧烤店天天吵到半夜", "商州区北新街幸福小区"),
    ("柞水县营盘镇朱家湾村，山水人家农家乐", "柞水县营盘镇朱家湾村"),
    ("地址：洛南县城关街道西关村三组", "洛南县城关街道西关村三组"),
    ("镇安县永乐街道东街社区滨河小区", "镇安县永乐街道东街社区滨河小区"),
])
def test_a_clause_that_is_only_a_place_is_the_address(text, place):
    assert opening_address(text) == place


@pytest.mark.parametrize("text", [
    "商州区北新街烧烤摊天天吵到两点",          # the place is inside the matter
    "你好，丹凤县龙驹寨街道的，我们小区停水两天了",  # a town only: the address question asks further
    "我是镇安县的，想问问社保", "山阳县", "商南县富水镇", "住在洛南县城关街道", "我们村在丹凤县棣花镇",
    "江山小区3号楼",                           # no county or town of 商洛
    "西安市雁塔区小寨东路",
    "镇安县永乐街道城南社区，我们楼下下水道堵了好几天了",  # a community only: which estate, which building
    "商州区北新街",
])
def test_anything_less_certain_is_left_to_the_question(text):
    assert opening_address(text) is None


@pytest.mark.parametrize("text, place", [
    ("丹凤县棣花镇贾家村口那个变压器响了一晚上，吓死人了", "丹凤县棣花镇贾家村"),  # the village the matter opens with
    ("尊敬的领导：我是商南县富水镇阳光小区的业主，小区门口的路灯全坏了", "商南县富水镇阳光小区"),  # a letter's "…的业主"
])
def test_the_place_a_told_matter_opens_with(text, place):
    assert opening_address(text) == place


def test_no_village_is_made_of_the_matter():
    assert opening_address("城关镇有人在村口烧垃圾") is None


def test_a_village_doctor_is_no_village():
    assert opening_address("你好我是洛南县石门镇的村医，我们那边路灯全坏了") is None


def test_the_gate_of_an_estate_is_part_of_the_place():
    text = "商州区大赵峪街道龙山小区西门口的井盖不知道让谁偷了，就剩个黑窟窿"
    assert opening_address(text) == "商州区大赵峪街道龙山小区西门口"


@pytest.mark.parametrize("answer, named", [
    ("别说是我举报的", False),
    ("这些司机太瞎咧，专门欺负老年人", False),
    ("部门不管", False),
    ("老刘家面馆", True),
    ("汽车站", True),
    ("二中对面", True),
    ("滨河花园旁边那块空地", True),
    ("城关", True),
    ("金凤凰KTV", True),
])
def test_an_answer_to_where_names_a_place_or_not(answer, named):
    assert names_a_place(answer) is named


def test_what_the_writer_does_there_is_not_part_of_the_place():
    assert opening_address("我在柞水县乾佑街道那个安置小区工地上干活，包工头姓马") == "柞水县乾佑街道那个安置小区工地上"


@pytest.mark.parametrize("text, place", [
    ("我叫韩晓东 电话13891474205 洛南县永丰镇街道从加油站到中学那段路灯坏了一个月了", "洛南县永丰镇街道从加油站到中学那段路灯"),
    ("想表扬一下柞水县政务服务中心不动产登记窗口的小姑娘，工号好像是023", "柞水县政务服务中心"),
    ("商州区北新街烧烤摊天天吵到两点", "商州区北新街"),
    ("商南县城关这边 流浪狗太多咧", None),
    ("我们小区停水两天了", None),
    ("商洛市区停电了", None),
])
def test_the_most_specific_place_a_told_matter_names(text, place):
    assert place_in_matter(text) == place

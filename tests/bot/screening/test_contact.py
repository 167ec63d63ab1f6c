import pytest

from bot.screening import find_phone, is_valid_id_number, mask_id_number, mask_name, mask_phone, normalize_phone
from bot.screening.contact import find_phones


def _with_check(body17):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


VALID_ID = _with_check("61100219900101123")  # 商洛 region code, born 1990-01-01
VALID_ID_X = next(
    _with_check(f"61102519851231{n:03d}") for n in range(1000) if _with_check(f"61102519851231{n:03d}").endswith("X")
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("8613912345678", "13912345678"),
        ("0914-2312345", "09142312345"),
        ("09142312345", "09142312345"),
        ("(0914)2312345", "09142312345"),
        ("（0914）2312345", "09142312345"),
        ("0914 2312345", "09142312345"),
        ("029-88886666", "02988886666"),
        ("02988886666", "02988886666"),
        ("010-62345678", "01062345678"),
        ("2312345", "09142312345"),
        ("23123456", None),  # Shangluo numbers have 7 digits: 0914 + 8 digits is no valid number
        ("12345", None),
        ("110", None),
        ("12912345678", None),  # 12x is not a mobile prefix
        ("1391234567", None),  # 10 digits
        ("139123456789", None),
        ("0914-1234567", None),  # local numbers do not start with 1
        ("0914-23123", None),
        ("电话13912345678", None),  # not just a number: use find_phone
        ("", None),
        (None, None),
        ("abc", None),
    ],
)
def test_normalize_phone(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("我的电话是13912345678，谢谢", "13912345678"),
        ("电话改成 139-1234-5678", "13912345678"),
        ("实名，１３９ １２３４ ５６７８", "13912345678"),
        ("联系0914-2312345或者13912345678", "09142312345"),
        ("手机13912345678，座机0914-2312345", "13912345678"),
        ("打2312345找王师傅", "09142312345"),
        ("固话：２３１２３４５", "09142312345"),
        (f"身份证{VALID_ID}", None),  # no phone inside an ID number
        ("工单号SL20261125000123", None),
        ("欠了12000000元工资", None),  # amounts are not local numbers
        ("2026年11月25日下午", None),
        ("路灯坏了", None),
        ("", None),
    ],
)
def test_find_phone(text, expected):
    assert find_phone(text) == expected


def test_id_numbers():
    assert is_valid_id_number(VALID_ID)
    assert is_valid_id_number(VALID_ID_X)
    assert is_valid_id_number(VALID_ID_X.lower())
    assert is_valid_id_number(" " + VALID_ID + " ")
    # wrong check character
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    assert not is_valid_id_number(wrong)
    # invalid dates with a correct check character
    assert not is_valid_id_number(_with_check("61100219901301123"))  # month 13
    assert not is_valid_id_number(_with_check("61100218000101123"))  # before 1900
    assert not is_valid_id_number(_with_check("61100229990101123"))  # future
    for bad in ["", None, "123", VALID_ID[:15], VALID_ID + "1", "A" + VALID_ID[1:], _with_check("01100219900101123")]:
        assert not is_valid_id_number(bad), bad


def test_id_number_full_width():
    full = "".join(chr(ord(c) + 0xFEE0) for c in VALID_ID)
    assert is_valid_id_number(full)


def test_mask_phone():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("139 1234 5678") == "139****5678"
    assert mask_phone("0914-2312345") == "0914-***2345"
    assert mask_phone("09142312345") == "0914-***2345"
    assert mask_phone("029-88886666") == "029-****6666"
    assert mask_phone("2312345") == "0914-***2345"
    assert mask_phone("") == ""
    assert mask_phone("12") == "**"
    masked = mask_phone("123456789")
    assert masked.endswith("6789") and "1234" not in masked


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("王建军") == "王**"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("司马光") == "司马*"
    assert mask_name("欧阳") == "欧*"  # two characters: surname + given name
    assert mask_name("李") == "*"
    assert mask_name("王先生") == "王先生"
    assert mask_name("李女士") == "李女士"
    assert mask_name("") == ""
    assert mask_name("  张三  ") == "张*"


def test_mask_id_number():
    masked = mask_id_number(VALID_ID)
    assert masked.startswith("611002") and masked.endswith(VALID_ID[-4:]) and "*" * 8 in masked
    assert mask_id_number("") == ""


# ------------------------------------------------------------------ libphonenumber-based
@pytest.mark.parametrize(
    "text,expected",
    [
        ("139-9140-5566", "13991405566"),
        ("138 9145 6721", "13891456721"),
        ("0086 139 1234 5678", "13912345678"),
        ("+86-139-1234-5678", "13912345678"),
        ("1399140 5566", "13991405566"),
        ("幺三九九幺四零五五六六", "13991405566"),  # read out digit by digit
        ("一三九一二三四五六七八", "13912345678"),
        ("０９１４－２３１２３４５", "09142312345"),
        (" 0914.2312345 ", "09142312345"),
        ("12号", None),
        ("12345", None),
        ("120", None),
        ("4008208820", None),  # a company's service line is no citizen's number
        ("0914-0312345", None),
        ("13991405566转", None),
    ],
)
def test_normalize_phone_answers(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("我电话139-9140-5566，有事打这个", ["13991405566"]),
        ("额滴手机是138 9145 6721，白天打不通就晚上打", ["13891456721"]),
        ("联系人王师傅 +86 139 1234 5678", ["13912345678"]),
        ("手机139 9140 5566，座机0914-2312345", ["13991405566", "09142312345"]),
        ("家里座机（0914）2312345", ["09142312345"]),
        ("打 2312345 找老刘", ["09142312345"]),
        ("我手机号幺三九九幺四零五五六六", ["13991405566"]),
        ("商州区城关街道幸福路12号", []),
        ("喂？是12345吗？", []),
        ("喂，12345吗，我要投诉", []),
        ("我打了110和120都没人来", []),
        ("工单号SL20261125000123查一下进度", []),
        ("订单号20261125123456789还没发货", []),
        ("身份证号611002199001011234", []),
        ("2026年11月25日下午三点", []),
        ("2026-11-25", []),
        ("一共收了13991401234元？肯定是写错了", []),  # an amount, even with a mobile's digits
        ("物业费一年2312345块", []),
        ("价格：13991405566", []),
        ("12号楼3单元502室", []),
        ("", []),
    ],
)
def test_find_phones(text, expected):
    assert [p.normalized for p in find_phones(text)] == expected


def test_find_phones_spans_and_kinds():
    text = "我是王有福，手机139-9140-5566，家里座机0914 2312345。"
    phones = find_phones(text)
    assert [(p.kind, text[p.start:p.end]) for p in phones] == [
        ("mobile", "139-9140-5566"),
        ("landline", "0914 2312345"),
    ]
    assert find_phone(text) == "13991405566"


def test_full_width_spans_point_into_the_original():
    text = "电话：１３９ ９１４０ ５５６６"
    (phone,) = find_phones(text)
    assert phone.normalized == "13991405566"
    assert text[phone.start:phone.end] == "１３９ ９１４０ ５５６６"

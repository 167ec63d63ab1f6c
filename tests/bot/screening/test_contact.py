import pytest

from bot.screening import find_phone, is_valid_id_number, mask_id_number, mask_name, mask_phone, normalize_phone


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
        ("0914-2312345", "0914-2312345"),
        ("09142312345", "0914-2312345"),
        ("(0914)2312345", "0914-2312345"),
        ("（0914）2312345", "0914-2312345"),
        ("0914 2312345", "0914-2312345"),
        ("029-88886666", "029-88886666"),
        ("02988886666", "029-88886666"),
        ("010-62345678", "010-62345678"),
        ("2312345", "0914-2312345"),
        ("23123456", "0914-23123456"),
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
        ("联系0914-2312345或者13912345678", "0914-2312345"),
        ("手机13912345678，座机0914-2312345", "13912345678"),
        ("打2312345找王师傅", "0914-2312345"),
        ("固话：２３１２３４５", "0914-2312345"),
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

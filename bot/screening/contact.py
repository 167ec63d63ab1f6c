"""Phone numbers, resident ID numbers and masking (standard library only).

Canonical phone forms returned by :func:`normalize_phone` / :func:`find_phone`:

* mobile: ``13912345678`` (11 digits, ``1[3-9]``; +86 / 0086 prefixes dropped)
* landline: ``0914-2312345`` (area code, dash, 7–8 digit number).  Area codes 010 and
  02x are three digits with an 8-digit number; others are four digits.
* a bare 7–8 digit local number is taken as Shangluo's (area code 0914).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Optional

__all__ = [
    "SHANGLUO_AREA_CODE",
    "normalize_phone",
    "find_phone",
    "is_valid_id_number",
    "mask_phone",
    "mask_name",
    "mask_id_number",
]

SHANGLUO_AREA_CODE = "0914"

_THREE_DIGIT_AREA = re.compile(r"^(?:010|02\d)")
_SEPARATORS = re.compile(r"[\s\-－—–_.·()（）\[\]]+")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _landline(digits: str) -> Optional[str]:
    """``digits`` is all digits and starts with 0: split area code / number or None."""
    if _THREE_DIGIT_AREA.match(digits):
        code, number = digits[:3], digits[3:]
        if len(number) == 8 and number[0] in "23456789":
            return f"{code}-{number}"
        return None
    code, number = digits[:4], digits[4:]
    if code[1] == "0" or len(number) not in (7, 8) or number[0] not in "23456789":
        return None
    return f"{code}-{number}"


def normalize_phone(text: str) -> Optional[str]:
    """Canonical phone when ``text`` is a phone number (separators tolerated), else None.

    >>> normalize_phone("139 1234 5678")
    '13912345678'
    >>> normalize_phone("0914-2312345")
    '0914-2312345'
    >>> normalize_phone("2312345")
    '0914-2312345'
    """
    if not text or not isinstance(text, str):
        return None
    raw = _SEPARATORS.sub("", _nfkc(text).strip())
    raw = re.sub(r"^(?:\+86|0086|\+?86(?=1[3-9]\d{9}$))", "", raw)
    if not raw.isdigit() or not raw.isascii():
        return None
    if re.fullmatch(r"1[3-9]\d{9}", raw):
        return raw
    if re.fullmatch(r"0\d{9,11}", raw):
        return _landline(raw)
    if re.fullmatch(r"[2-9]\d{6,7}", raw):
        return f"{SHANGLUO_AREA_CODE}-{raw}"
    return None


_MOBILE_IN_TEXT = re.compile(r"(?<![\d])(?:(?:\+|00)?86[\s\-]?)?(1[3-9]\d(?:[\s\-]?\d){8})(?![\d])")
_LANDLINE_IN_TEXT = re.compile(r"(?<![\d])[(（]?(0\d{2,3})[)）]?[\s\-]?(\d{7,8})(?![\d])")
_LOCAL_IN_TEXT = re.compile(
    r"(?:电话|手机|号码|座机|固话|联系方式|联系|拨打|打|号)[^\d]{0,6}?(?<![\d])([2-9]\d{6,7})(?![\d])"
)


def find_phone(text: str) -> Optional[str]:
    """First phone number in free text (canonical form), else None.

    Mobiles and landlines with an area code are found anywhere (not inside longer
    digit runs such as ID or order numbers); a bare 7–8 digit local number only after a
    phone word (电话, 手机, 号码, 联系, 打 …) so that amounts and dates are not taken.
    """
    if not text or not isinstance(text, str):
        return None
    norm = _nfkc(text)
    found = []
    for m in _MOBILE_IN_TEXT.finditer(norm):
        phone = normalize_phone(m.group(1))
        if phone:
            found.append((m.start(1), phone))
            break
    for m in _LANDLINE_IN_TEXT.finditer(norm):
        phone = _landline(m.group(1) + m.group(2))
        if phone:
            found.append((m.start(1), phone))
            break
    for m in _LOCAL_IN_TEXT.finditer(norm):
        found.append((m.start(1), f"{SHANGLUO_AREA_CODE}-{m.group(1)}"))
        break
    if not found:
        return None
    return min(found)[1]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_valid_id_number(s: str) -> bool:
    """18-character resident ID number with a valid GB 11643 check character.

    Also requires a plausible birth date (a real calendar date from 1900 on, not in the
    future) and a non-zero first digit.  15-digit first-generation numbers are not
    accepted (they carry no check character).
    """
    if not s or not isinstance(s, str):
        return False
    value = _nfkc(s).strip().replace(" ", "").upper()
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != value[17]:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def mask_phone(phone: str) -> str:
    """Mask a phone number for summaries: ``139****5678``, ``0914-***2345``.

    Input that is not a recognisable number keeps only its last 4 digits visible.
    """
    if not phone:
        return ""
    canonical = normalize_phone(str(phone)) or find_phone(str(phone))
    if canonical and "-" not in canonical:
        return canonical[:3] + "****" + canonical[-4:]
    if canonical:
        code, number = canonical.split("-", 1)
        return f"{code}-" + "*" * (len(number) - 4) + number[-4:]
    digits = [c for c in _nfkc(str(phone)) if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "澹台", "端木", "独孤", "南宫", "西门", "轩辕", "钟离", "闻人", "赫连", "万俟", "呼延", "申屠",
)
_POLITE_FORM = re.compile(r"^(?:[\u4e00-\u9fff]{1,2})(?:先生|女士|小姐|师傅|阿姨|大爷|大妈|老师|同志|老板|大哥|大姐)$")


def mask_name(name: str) -> str:
    """Mask a personal name for summaries: 张三 → 张*, 王建军 → 王**, 欧阳娜娜 → 欧阳**.

    Polite forms that only reveal the surname (王先生, 李女士) are returned unchanged.
    """
    if not name:
        return ""
    value = _nfkc(str(name)).strip()
    if not value:
        return ""
    if _POLITE_FORM.match(value):
        return value
    if len(value) == 1:
        return "*"
    keep = 2 if len(value) > 2 and value[:2] in _COMPOUND_SURNAMES else 1
    return value[:keep] + "".join(" " if c == " " else "*" for c in value[keep:])


def mask_id_number(id_number: str) -> str:
    """Mask a resident ID number: first 6 and last 4 characters visible."""
    value = _nfkc(str(id_number or "")).strip().upper()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]

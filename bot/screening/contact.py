"""Phone numbers (libphonenumber), resident ID numbers and masking.

Phone numbers are parsed and validated with ``phonenumbers`` (Google's libphonenumber
metadata for China), never with hand-written digit patterns.  Canonical forms returned by
:func:`normalize_phone`, :func:`find_phone` and :func:`find_phones`:

* mobile: ``13912345678`` (11 digits; ``+86`` / ``0086`` / ``86`` prefixes dropped)
* landline: ``09142312345`` – area code with its leading 0, then the number, no separator
  (``02988886666`` for Xi'an).  A bare 7-digit local number is taken as Shangluo's (0914)
  when it is valid there (Shangluo's numbers have 7 digits, so 8 bare digits are not).

Accepted: dashes, spaces, dots and brackets between digit groups (``139-9140-5566``,
``138 9145 6721``, ``(0914)2312345``), ``+86`` / ``0086``, full-width digits, and Chinese
digit words in runs of at least 7 (``幺三九…``).  Never a phone: service and emergency
numbers (``12345``, ``110``), house numbers (``12号``), order and ID numbers (digits inside
a longer run), dates, and amounts (a number followed by 元/块/万 …).  A local number
without area code is found in free text only after a phone word (电话, 手机, 座机, 打 …).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import List, Optional, Tuple

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = [
    "SHANGLUO_AREA_CODE",
    "PhoneMention",
    "normalize_phone",
    "find_phone",
    "find_phones",
    "is_valid_id_number",
    "mask_phone",
    "mask_name",
    "mask_id_number",
]

SHANGLUO_AREA_CODE = "0914"
MOBILE = "mobile"
LANDLINE = "landline"


@dataclass(frozen=True)
class PhoneMention:
    """A phone number in a text: ``start``/``end`` offsets, ``normalized`` digits, ``kind``."""

    start: int
    end: int
    normalized: str
    kind: str  # "mobile" | "landline"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_DIGIT_WORDS = {"零": "0", "〇": "0", "○": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
                "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_DIGIT_WORD_RUN = re.compile(f"[{''.join(_DIGIT_WORDS)}]{{7,}}")


def _prepare(text: str) -> str:
    """Same-length text for the matcher: full-width forms folded, digit-word runs → digits."""
    folded = "".join(c if len(n) != 1 else n for c, n in ((c, _nfkc(c)) for c in text))
    return _DIGIT_WORD_RUN.sub(lambda m: "".join(_DIGIT_WORDS[c] for c in m.group(0)), folded)


def _canonical(number: "phonenumbers.PhoneNumber") -> Optional[Tuple[str, str]]:
    """(normalized, kind) for a valid Chinese mobile or landline number, else None."""
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    national = phonenumbers.national_significant_number(number)
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE or (kind == PhoneNumberType.FIXED_LINE_OR_MOBILE and national[0] == "1"):
        return national, MOBILE
    if kind not in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None  # toll-free 400/800, VoIP, pagers …: not a citizen's contact number
    area = phonenumbers.length_of_geographical_area_code(number)
    if not area or national[area] in "01":  # local numbers never start with 0 or 1
        return None
    return "0" + national, LANDLINE


def _parse(digits: str) -> Optional[Tuple[str, str]]:
    try:
        return _canonical(phonenumbers.parse(digits, "CN"))
    except phonenumbers.NumberParseException:
        return None


_SEPARATORS = re.compile(r"[\s\-－—–_.·()（）\[\]]+")
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|\+?86(?=1[3-9]\d{9}$))")


def normalize_phone(text: str) -> Optional[str]:
    """Canonical phone when ``text`` (the whole answer) is a phone number, else None.

    >>> normalize_phone("139-9140-5566")
    '13991405566'
    >>> normalize_phone("0914-2312345")
    '09142312345'
    >>> normalize_phone("2312345")
    '09142312345'
    >>> normalize_phone("12345") is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    raw = _SEPARATORS.sub("", _prepare(text).strip())
    raw = _COUNTRY_PREFIX.sub("", raw)
    if not raw.isdigit() or not raw.isascii() or not 7 <= len(raw) <= 12:
        return None
    if raw[0] == "1":
        found = _parse(raw) if len(raw) == 11 else None
        return found[0] if found and found[1] == MOBILE else None
    if raw[0] == "0":
        found = _parse(raw)
        return found[0] if found and found[1] == LANDLINE else None
    if len(raw) == 7:
        found = _parse(SHANGLUO_AREA_CODE + raw)
        return found[0] if found else None
    return None


# amounts, counts and house numbers right after the digits
_UNIT_AFTER = re.compile(r"^\s*(?:元|块|圆|万|亿|千|百|角|毛|%|％|米|公里|斤|公斤|吨|个|次|人|户|平|号|年|月|日|天|岁|台|辆|件|笔)")
_CURRENCY_BEFORE = re.compile(r"(?:[¥￥$]|人民币|金额|价格|价钱|收费|罚款|欠款|工资)\s*[:：]?\s*$")
_LOCAL_CUE = re.compile(
    r"(?:电话|手机|号码|座机|固话|联系方式|联系|拨打|打|号)[^\d]{0,6}?(?<![\d])([2-9]\d{6})(?![\d])"
)


def _plausible(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 1):start], text[end:end + 1]
    if before.isalnum() and before.isascii() or after.isalnum() and after.isascii():
        return False  # inside an order number or a longer digit / letter run
    return not _UNIT_AFTER.match(text[end:end + 4]) and not _CURRENCY_BEFORE.search(text[max(0, start - 6):start])


def find_phones(text: str) -> List[PhoneMention]:
    """Every phone number in free text, in order, with offsets into ``text``.

    >>> [(p.normalized, p.kind) for p in find_phones("手机139 9140 5566，座机0914-2312345")]
    [('13991405566', 'mobile'), ('09142312345', 'landline')]
    """
    if not text or not isinstance(text, str):
        return []
    prepared = _prepare(text)
    found: List[PhoneMention] = []
    for match in phonenumbers.PhoneNumberMatcher(prepared, "CN", leniency=phonenumbers.Leniency.VALID):
        canonical = _canonical(match.number)
        if canonical and _plausible(prepared, match.start, match.end):
            found.append(PhoneMention(match.start, match.end, *canonical))
    for match in _LOCAL_CUE.finditer(prepared):
        start, end = match.span(1)
        if any(p.start <= start < p.end for p in found) or not _plausible(prepared, start, end):
            continue
        canonical = _parse(SHANGLUO_AREA_CODE + match.group(1))
        if canonical:
            found.append(PhoneMention(start, end, *canonical))
    found.sort(key=lambda p: p.start)
    return found


def find_phone(text: str) -> Optional[str]:
    """The first phone number in free text (canonical form), else None."""
    phones = find_phones(text)
    return phones[0].normalized if phones else None


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


def display_phone(phone: str) -> str:
    """A stored phone as a citizen writes it: mobiles as digits, landlines with the area code
    and a dash (``0914-2318756``); anything else unchanged.

    >>> display_phone("09142318756")
    '0914-2318756'
    >>> display_phone("13991405566")
    '13991405566'
    """
    if not phone:
        return ""
    canonical = normalize_phone(str(phone))
    if not canonical or canonical[0] == "1":
        return str(phone)
    area = phonenumbers.length_of_geographical_area_code(phonenumbers.parse(canonical, "CN")) + 1
    return f"{canonical[:area]}-{canonical[area:]}"


def mask_phone(phone: str) -> str:
    """Mask a phone number for summaries: ``139****5678``, ``0914-***2345``.

    Input that is not a recognisable number keeps only its last 4 digits visible.
    """
    if not phone:
        return ""
    canonical = normalize_phone(str(phone)) or find_phone(str(phone))
    if canonical and canonical[0] == "1":
        return canonical[:3] + "****" + canonical[-4:]
    if canonical:
        area = phonenumbers.length_of_geographical_area_code(phonenumbers.parse(canonical, "CN")) + 1
        code, number = canonical[:area], canonical[area:]
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

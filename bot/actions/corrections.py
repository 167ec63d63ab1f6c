"""Corrections in citizens' words, anywhere in the order form and at the summary.

    不对不对，区县说错了，是洛南县不是商州区      → district 洛南县
    电话写错了，应该是139 9140 5566               → contact_phone 13991405566
    时间说错了，是前天下午买的                    → occurred_at 前天下午
    不是12号是21号                                → the slot holding 12号 gets 21号 in its place
    算了，我还是实名吧，我叫何志强，电话1869…     → anonymous False, name, phone
    哦不对，我不是投诉，就是想提个建议            → order type 意见建议

`read_correction` returns the new values (already read by the same tools as the
form's answers) or None when the message is no correction; the form
(bot/actions/order_form.py) applies them. Pure Python, unit-tested directly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from bot.actions import order_fields as f
from bot.screening.order_type_words import named_order_type, type_change
from bot.screening import find_district, find_phone, normalize_district, normalize_phone
from bot.screening.names import find_self_name, parse_name_answer
from bot.screening.times import parse_time

_CUE = re.compile(r"再具体点|说得不准|说的不准|不太准|不准确|不确切|具体点是|再补充|补充一下|说错|写错|填错|记错|搞错|弄错|打错|错了|错咧|错啦|错哩|错嘞|少打|多打|漏打|少了一位|多了一位|不对|改成|改为|改一下|换成|更正|应该是|重新说")
_NOT_A_BUT_B = re.compile(r"不是([^，。！？,.!?；;\s]{1,20}?)[，,、\s]*(?:而)?是([^，。！？,.!?；;\s]{1,30})")
_B_NOT_A = re.compile(r"是([^，。！？,.!?；;\s]{1,30}?)[，,、\s]*(?:而)?不是([^，。！？,.!?；;\s]{1,20})")
_NEW_VALUE = re.compile(r"(?:应该是|改成|改为|换成|更正为|其实是|是|叫|在)[：:\s]*([^，。！？,.!?；;]+?)(?:才对|就对了|吧|啊|呀|了)?[。！!]*$")
_BACK_TO_REAL_NAME = re.compile(r"还是(?:用)?实名|不匿名了|不用匿名了|实名吧|我要实名|改成实名|留名字吧|还是留")
_BACK_TO_ANONYMOUS = re.compile(r"还是匿名|匿名吧|改成匿名|不留名了|不留名字了|名字别留|别留我名字|别写我名字|别写我的名字|名字别写|不写名字|不要写我名字")

_CHARACTER_SPELLING = re.compile(r"[\u4e00-\u9fff]{1,4}的[\u4e00-\u9fff]|[\u4e00-\u9fff]字(旁|头|底)的[\u4e00-\u9fff]")

_FIELD_LABEL = {
    "description": "内容", "district": "区县", "address": "地址", "occurred_at": "时间",
    "contact_name": "联系人", "contact_phone": "电话", "anonymous": "匿名",
}


@dataclass
class Correction:
    values: Dict[str, Any] = field(default_factory=dict)   # slot → new value (validated)
    order_type: Optional[str] = None                       # a new order type

    def acknowledgement(self) -> str:
        parts = []
        if self.order_type:
            parts.append(f"类型改为{self.order_type}")
        for slot, value in self.values.items():
            if slot == "anonymous":
                parts.append("反映方式改为匿名" if value else "反映方式改为实名")
            elif slot in _FIELD_LABEL and value not in (None, ""):
                parts.append(f"{_FIELD_LABEL[slot]}改为“{value}”")
        return "好的，已将" + "，".join(parts) + "。" if parts else ""

    def __bool__(self) -> bool:
        return bool(self.values or self.order_type)


def _tail_value(text: str) -> Optional[str]:
    """The new value at the end of a correction: "…说错了，是洛南县" → 洛南县."""
    clauses = [c for c in re.split(r"[，,。；;！!]", text) if c.strip()]
    for clause in reversed(clauses):
        clause = clause.strip()
        if _CUE.fullmatch(clause) or re.fullmatch(r"(不对|错了|哦|噢|啊|哎|唉)+", clause):
            continue
        if clause.startswith(("不是", "而不是")) or _CHARACTER_SPELLING.fullmatch(clause):
            continue  # "不是大小的小", "拂晓的晓": how the value is NOT written / spelled, not the value
        m = _NEW_VALUE.search(clause)
        if m:
            return m.group(1).strip()
    return None


def _value_for(slot: str, raw: str, text: str) -> Optional[Any]:
    """`raw` read as `slot` with the form's own tools; None when it is not one."""
    raw = f.drop_negated(raw).strip() if slot == "district" else raw.strip()
    if slot == "district":
        return normalize_district(raw) or find_district(raw)
    if slot == "contact_phone":
        return normalize_phone(raw) or find_phone(raw) or find_phone(text)
    if slot == "contact_name":
        # "联系人改成我老公宋建华吧": the person the unit should ask for
        raw = _RELATIVE_PREFIX.sub("", raw)
        return parse_name_answer(raw) or find_self_name(text)
    if slot == "occurred_at":
        mention = parse_time(raw)
        return mention.words if mention else None
    if slot in ("address", "description"):
        value = re.sub(r"^(在|是|就在|位置在|地址在|地址是)", "", raw)
        return value if len(value) >= 2 else None
    return None


_RELATIVE_PREFIX = re.compile(r"^(?:我|额|俺)?(?:家)?(?:老公|爱人|丈夫|老婆|媳妇|妻子|儿子|女儿|闺女|爸|妈|父亲|母亲|哥|姐|弟|妹|孙子|孙女|老伴)(?:的名字)?")


def _named_value(text: str, slot: str) -> Optional[str]:
    """The new value in the clause that names the field: "地址改成柞水汽车站对面的加油站旁边，
    他们现在都停那儿" → 柞水汽车站对面的加油站旁边 (the clause after it is the citizen's reason)."""
    words = f.FIELD_WORDS.get(slot, ())
    for clause in re.split(r"[，,。；;！!]", text):
        if any(w in clause for w in words):
            m = re.search(r"(?:应该是|改成|改为|换成|更正为|其实是|写成|是)[：:\s]*(.+?)(?:才对|就对了|吧|啊|呀|了)?$", clause)
            if m and len(m.group(1).strip()) >= 2:
                return m.group(1).strip()
    return None


_PLACE_LIKE = re.compile(r"小学|中学|学校|医院|路|街|巷|村|镇|小区|花园|广场|市场|公园|大桥|桥|门口|对面|旁边|附近|交叉口|组")


def _slot_holding(fragment: str, slots: Mapping[str, Any]) -> Optional[str]:
    for slot in ("address", "district", "contact_name", "contact_phone", "occurred_at", "description"):
        value = slots.get(slot)
        if isinstance(value, str) and fragment and fragment in value:
            return slot
    return None


# "最后四个是2017 不是2071", "尾号是2017", "后四位应该是2017": the phone's last digits corrected
_PHONE_TAIL = re.compile(r"(?:最后|后面|后边|末尾|尾号|后)(?:的)?(?:四|4)?(?:个|位)?(?:数|数字|号码)?(?:应该|应当)?(?:是|为|改成|改为)?\s*([0-9]{3,4})(?![0-9])")


def _phone_tail_fix(text: str, phone: Any) -> Optional[str]:
    """The stored phone with its last digits replaced, when the text corrects only those."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    match = _PHONE_TAIL.search(text)
    if not digits or match is None or find_phone(text):
        return None
    new_tail = match.group(1)
    fixed = digits[: len(digits) - len(new_tail)] + new_tail
    return (normalize_phone(fixed) or None) if fixed != digits else None


def read_correction(text: str, slots: Mapping[str, Any], requested_slot: Optional[str]) -> Optional[Correction]:
    """The correction `text` makes to the order in progress, or None."""
    text = f.clean(text)
    if not text:
        return None
    result = Correction()
    result.order_type = type_change(text, slots.get("order_type"))
    tail = _phone_tail_fix(text, slots.get("contact_phone"))
    if tail:
        result.values["contact_phone"] = tail
        return result

    if _BACK_TO_REAL_NAME.search(text) and slots.get("anonymous") is True:
        result.values["anonymous"] = False
        name = find_self_name(text)
        if name:
            result.values["contact_name"] = name
        phone = find_phone(text)
        if phone:
            result.values["contact_phone"] = phone
        wish = f.parse_reply_wish(text)
        if wish is not None:
            result.values["reply_required"] = wish  # "…有结果的话回我一下"
        return result
    if _BACK_TO_ANONYMOUS.search(text) and slots.get("anonymous") is False:
        result.values["anonymous"] = True
        return result

    if not _CUE.search(text) and not _NOT_A_BUT_B.search(text) and not _B_NOT_A.search(text):
        return result if result else None

    respelled = _name_respelled(text, slots.get("contact_name"))
    if respelled:
        result.values["contact_name"] = respelled  # "打错字了，是付永强，付钱的付，不是师傅的傅"
        return result

    named = [slot for slot in f.fields_named(text) if slot in _FIELD_LABEL]
    # "不是A是B" where A is in one of the collected details: B takes its place there
    for rx, old_group, new_group in ((_NOT_A_BUT_B, 1, 2), (_B_NOT_A, 2, 1)):
        m = rx.search(text)
        if not m:
            continue
        old, new = m.group(old_group).strip(), m.group(new_group).strip()
        new = re.sub(r"(才对|就对了|吧|啊|呀|了)+$", "", new)
        if result.order_type and (named_type(old) or named_type(new)):
            return result
        slot = named[0] if named else _slot_holding(old, slots)
        if slot is None:
            slot = _guess_slot(new, text)
        if slot is None and slots.get("address") and _PLACE_LIKE.search(new) and _CUE.search(text):
            slot = "address"  # "说错了，不是城关一小，是城关第二小学": the place, written differently
        if slot is None:
            continue
        current = slots.get(slot)
        if slot in ("address", "description") and isinstance(current, str) and old in current:
            result.values[slot] = current.replace(old, new)
            told = slots.get("description")
            if slot == "address" and isinstance(told, str) and old in told and len(old) >= 2:
                result.values["description"] = told.replace(old, new)  # the matter tells the same place
        else:
            value = _value_for(slot, new, text)
            if value is not None:
                result.values[slot] = value
        if result.values:
            break
    if not result.values and named:
        raw = _named_value(text, named[0])
        if raw:
            value = _value_for(named[0], raw, text)
            if value is not None and value != slots.get(named[0]):
                result.values[named[0]] = value
    if not result.values:
        raw = _tail_value(text)
        slot = named[0] if named else (_guess_slot(raw, text) if raw else None)
        if slot and slot != "anonymous" and raw:
            value = _value_for(slot, raw, text)
            if value is not None and value != slots.get(slot):
                result.values[slot] = value
        elif slot is None and find_phone(text) and slots.get("contact_phone"):
            result.values["contact_phone"] = find_phone(text)
    if isinstance(result.values.get("address"), str) and isinstance(slots.get("address"), str):
        result.values["address"] = merge_address(slots["address"], result.values["address"])
    # mid-form a correction changes a detail already given (a new detail is an answer); on the
    # summary everything the citizen sets right goes into the order ("时间说错了，是这个月初")
    if requested_slot != "order_confirmed":
        result.values = {slot: value for slot, value in result.values.items() if slots.get(slot) is not None}
    return result if result else None


_CLAUSE = re.compile(r"[，。！？,.!?；;\s]+")
_IS_PREFIX = re.compile(r"^(?:应该|其实|我)?(?:是|叫|姓名是|名字是)")


def _name_respelled(text: str, current: Any) -> Optional[str]:
    """A full name said to correct the one given, written with one character different
    (傅永强 → 付永强, 王有富 → 王有福): that name, else None."""
    if not isinstance(current, str) or not 2 <= len(current) <= 4:
        return None
    for clause in _CLAUSE.split(text):
        candidate = _IS_PREFIX.sub("", clause)
        if len(candidate) != len(current) or candidate == current or not re.fullmatch(r"[\u4e00-\u9fff]+", candidate):
            continue
        if sum(a != b for a, b in zip(candidate, current)) == 1 and parse_name_answer(candidate):
            return candidate
    return None


def merge_address(old: str, new: str) -> str:
    """A partial address correction put in its place: "后湾村四组" for "清油河镇后湾村三组到镇上的
    那段" → "清油河镇后湾村四组到镇上的那段". A new address that overlaps nothing replaces the old."""
    if not old or not new or len(new) >= len(old) or new in old:
        return new
    for k in range(len(new) - 1, 1, -1):
        pos = old.find(new[:k])
        if pos >= 0:
            return old[:pos] + new + old[pos + len(new):]
    return new


def named_type(fragment: str) -> bool:
    return named_order_type(fragment) is not None


def _guess_slot(value: Optional[str], text: str) -> Optional[str]:
    """Which detail a bare new value is: a phone, a district, a time, a name."""
    if not value:
        return None
    if normalize_phone(value) or find_phone(value):
        return "contact_phone"
    if normalize_district(value):
        return "district"
    if find_self_name(text):
        return "contact_name"
    mention = parse_time(value)
    if mention and len(mention.words) >= max(2, len(value) - 4):
        return "occurred_at"
    return None

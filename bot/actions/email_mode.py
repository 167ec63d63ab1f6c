"""Email is slow: the order form asks for every missing detail in ONE mail and takes
them all from the citizen's answer.

Pure functions, no Rasa imports: `question_block` lists the missing fields as one
numbered Chinese block ("1. 所在区县：…"), `parse_reply` reads an answer with
labelled ("电话：139…") or numbered ("2. 139…") lines into raw values per slot, which
the form's usual validators then check one by one.
"""
from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, Sequence

import vocabulary.channels
from bot.actions import order_fields as f

EMAIL_CHANNEL = vocabulary.channels.EMAIL

# slot → (label shown in the block, hint in brackets before the colon)
LABELS: Dict[str, str] = {
    "description": "问题描述",
    "district": "所在区县",
    "address": "详细地址",
    "occurred_at": "发生时间",
    "anonymous": "是否匿名",
    "contact_name": "您的姓名",
    "contact_phone": "联系电话",
    "reply_required": "是否需要回复办理结果",
}

HINTS: Dict[str, str] = {
    "description": "什么事、涉及哪个单位或地方、希望怎么解决",
    "district": "、".join(vocabulary.SHORT_NAMES),
    "address": "镇或街道、小区、路段，能到门牌号更好",
    "occurred_at": "比如“昨天晚上十点”，记不清可填“不清楚”",
    "anonymous": "填“匿名”或“实名”；匿名的话承办单位看不到您的姓名和电话",
    "contact_name": "姓名或姓氏，比如“王先生”",
    "contact_phone": "手机或带区号的固定电话",
    "reply_required": "填“需要”或“不需要”",
}

CITYWIDE_HINT = {"意见建议", "表扬", "咨询"}

# Words in a citizen's label that name a field; checked in this order (the first match wins),
# so "联系电话" is a phone and not a name, "是否需要回复" is not an address.
_LABEL_WORDS = (
    ("anonymous", ("匿名", "实名")),
    ("reply_required", ("回复", "回电", "答复")),
    ("contact_phone", ("电话", "手机", "号码", "联系方式")),
    ("contact_name", ("姓名", "名字", "称呼", "联系人", "名称")),
    ("occurred_at", ("时间", "日期", "何时", "什么时候")),
    ("district", ("区县", "县区", "县/区", "区/县", "所在区", "所在县")),
    ("address", ("地址", "地点", "位置", "住址")),
    ("description", ("描述", "内容", "诉求", "情况", "事项", "问题", "事情")),
)

_LINE = re.compile(
    r"^\s*(?:(?P<num>\d{1,2})\s*[.．、)）:：]\s*)?"  # "1." "2、" "3)"
    r"(?:(?P<label>[^：:\n]{1,80}?)\s*[：:])?\s*(?P<value>.*)$"
)
_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_MULTILINE = ("description", "address")  # fields whose answer may run over several lines
_BLANK_VALUE = re.compile(r"^[\s_＿\-—－/／、,，.。…]*$")


def is_email(channel: Optional[str]) -> bool:
    return (channel or "").lower() == EMAIL_CHANNEL


def missing_fields(required: Sequence[str], slots: Mapping[str, object]) -> List[str]:
    """The required detail slots still empty (the confirmation is asked on its own)."""
    return [s for s in required if s != "order_confirmed" and s in LABELS and slots.get(s) is None]


def question_block(missing: Sequence[str], order_type: Optional[str] = None) -> str:
    """One mail's worth of questions, numbered in the order of `missing`."""
    if not missing:
        return ""
    lines = []
    for number, slot in enumerate(missing, start=1):
        hint = HINTS[slot]
        if slot == "district" and order_type in CITYWIDE_HINT:
            hint += "；涉及全市可填“全市”"
        lines.append(f"{number}. {LABELS[slot]}（{hint}）：")
    intro = (
        "为了尽快为您登记，请在回信中一次告诉我下面几项。"
        "可以直接回复本邮件，在每一项冒号后面填写（或按序号逐行填写）：\n"
    )
    return intro + "\n".join(lines)


def slot_for_label(label: str) -> Optional[str]:
    label = _BRACKETS.sub("", label).strip()
    if not label:
        return None
    for slot, words in _LABEL_WORDS:
        if any(w in label for w in words):
            return slot
    return None


def _hint_only(slot: str, value: str) -> bool:
    """A line copied back without an answer, hint and all."""
    return value.strip("（）() ") in (HINTS.get(slot, ""), "")


def parse_reply(text: str, asked: Sequence[str] = ()) -> Dict[str, str]:
    """Raw values per slot from an answer with labelled or numbered lines.

    `asked` is the list of slots of the question block the citizen answers, so that
    "3. 昨天晚上" fills the third question. A line without label or number continues
    a description or address over several lines; other stray lines are ignored. Unlabelled text before the
    first field is ignored here (the form reads a plain answer as usual)."""
    found: Dict[str, str] = {}
    current: Optional[str] = None
    for raw in f.clean(text).splitlines():
        line = raw.strip()
        if not line:
            current = None if current != "description" else current
            continue
        match = _LINE.match(line)
        slot: Optional[str] = None
        value = line
        if match:
            label, num = match.group("label"), match.group("num")
            value = match.group("value") or ""
            if label:
                slot = slot_for_label(label)
                if slot is None and num is None:
                    value = line  # "备注：…" or a sentence with a colon: not a field of ours
            if slot is None and num is not None:
                index = int(num) - 1
                if 0 <= index < len(asked):
                    slot = asked[index]
                    if label and slot_for_label(label) is None:
                        value = f"{label}：{value}"
        if slot is not None:
            value = value.strip()
            current = slot
            if _BLANK_VALUE.match(value) or _hint_only(slot, value):
                continue
            found[slot] = (found[slot] + "\n" + value) if slot in found else value
        elif current in _MULTILINE and current in found:
            found[current] = found[current] + "\n" + line
    return {slot: value.strip() for slot, value in found.items() if value.strip()}

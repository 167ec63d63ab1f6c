"""The order type the citizen names in their own words (我要投诉 is 投诉, whatever the
classifier thinks), and a change of type (我不是投诉，是想提个建议).

Pure Python, unit-tested directly."""
from __future__ import annotations

import re
from typing import Optional

# the words for each type; 有意见 alone means "dissatisfied", not a suggestion
_TYPE_WORDS = (
    ("投诉", r"投诉|投宿|头诉|投素|告状"),
    ("举报", r"举报|检举|揭发|举办一下"),
    ("意见建议", r"提个?建议|有个?建议|建议|提个?意见|提点意见|意见和建议|出个主意|提议"),
    ("表扬", r"表扬|表彰|点赞|感谢信|送锦旗|锦旗|致谢|夸夸|夸一下|感谢一下"),
    ("求助", r"求助|求帮忙|帮帮忙|帮个忙|救救"),
    ("咨询", r"咨询"),  # 想问一下… is how every kind of request begins
)
_TYPE_RE = [(name, re.compile(pattern)) for name, pattern in _TYPE_WORDS]
_NEGATED = re.compile(r"(不是|不算|不想|不要|不用|没想|并非|也不是)[^，。！？,.!?；;是]{0,4}$")  # "不是投诉是想提个建议": 是 ends the denial

# buttons and short answers to "which kind of matter is it"
_SHORT_ANSWERS = {
    "1": "咨询", "2": "求助", "3": "投诉", "4": "举报", "5": "意见建议", "6": "表扬",
    "意见": "意见建议", "建议": "意见建议", "意见建议": "意见建议",
}


def _mentions(text: str):
    for name, pattern in _TYPE_RE:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 6):match.start()]
            yield match.start(), name, bool(_NEGATED.search(before))


def named_order_type(text: Optional[str]) -> Optional[str]:
    """The type the citizen asserts (first one not negated), or None."""
    text = (text or "").strip()
    if text in _SHORT_ANSWERS:
        return _SHORT_ANSWERS[text]
    asserted = sorted((start, name) for start, name, negated in _mentions(text) if not negated)
    return asserted[0][1] if asserted else None


def negated_order_type(text: Optional[str]) -> Optional[str]:
    """The type the citizen says it is NOT (我不是投诉 → 投诉), or None."""
    negated = sorted((start, name) for start, name, neg in _mentions(text or "") if neg)
    return negated[0][1] if negated else None


def type_change(text: Optional[str], current: Optional[str]) -> Optional[str]:
    """A new type when the citizen corrects the type of the order in progress.

    "哦不对，我不是投诉，就是想提个建议" → 意见建议; "改成举报" → 举报. A message that only
    repeats the current type, or names a type without denying the current one or asking
    for a change, is no change."""
    text = text or ""
    new = named_order_type(text)
    if not new or new == current:
        return None
    if negated_order_type(text) == current or re.search(r"改成|改为|换成|应该是|其实是|算是|就是想|其实就是|说错", text):
        return new
    return None

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


# Asking for information (咨询): a lead that asks, or a question about when, how long, how much,
# whether, and nothing to be fixed, stopped or looked after ("能不能派人来修一下" asks for help).
_ASK_LEAD = re.compile(r"^(?:你好|您好|喂|请问一下|麻烦问一下)?[，,\s]*(?:请问|问一下|问下|问问|想问(?:一下|下)?|打听(?:一下|下)?|想了解(?:一下)?|咨询(?:一下|下)?)")
_INFO_QUESTION = re.compile(
    r"啥时候|什么时候|几时|几点(?:开|关|上班|下班|有人)|(?<![这那好前头])几天(?:能|可以|会|给|有|内)|要几天|多少天|多久|多长时间|"
    r"多少钱|收费标准|要什么|需要什么|要啥材料|需要啥|什么材料|啥材料|手续|流程|(?:咋|怎么)回事|"
    r"(?:发|到|批|下来)了没有|(?:发|到)没(?:发|到)|有没有(?:发|到)|"
    r"怎么(?:办理|申请|办|交|缴|领|报|查)|咋(?:办理|申请|办|交|缴|领|报|查)|在哪(?:里|儿)?(?:办|交|缴|领|报|申请)|"
    r"能不能(?:申请|办|报|领|划片|上|打通)|可不可以(?:申请|办|报|领)|能不能给答复|有没有人|是真的(?:吗|不|么|嘛)|是不是真的|是否")
_ACTION_WANTED = re.compile(
    r"修|管管|没人管|不管|处理一下|帮忙|帮我|帮额|解决|坏了|瞎了|漏|堵|吵|臭|脏|投诉|举报|欺负|拖欠|欠|不给|骗|"
    r"赶紧|快来|派人|停水|停电|没水|没电|占道|乱|不敢|泥|浑|断|没人来|不来|影响|耽误|危险|差点|受不了")


_MAX_QUESTION_CHARS = 90


def asks_for_information(text: Optional[str]) -> bool:
    """Whether the message asks to be told something (咨询) rather than for something to be
    done: "问一下…听说要盖小学 是真的不 啥时候动工", "你们这个12345晚上有没有人", "一般几天能给答复".

    >>> asks_for_information("一般几天能给答复啊？不会石沉大海吧")
    True
    >>> asks_for_information("楼下烧烤天天吵到半夜，啥时候能管管")
    False
    """
    text = (text or "").strip()
    if not text or len(text) > _MAX_QUESTION_CHARS or _ACTION_WANTED.search(text):
        return False  # a letter that ends in "请问该…" tells a matter first
    if named_order_type(text) not in (None, "咨询"):
        return False
    return bool(_INFO_QUESTION.search(text) or (_ASK_LEAD.search(text) and re.search(r"[?？吗么呢]|不$", text)))


# 投诉 (第六条): dissatisfaction with what a unit or person did or failed to do to the citizen — paid
# and not served, pushed back and forth, nobody answering, rude staff, money kept or taken
_COMPLAINT_EVIDENCE = re.compile(
    r"交了[^，。！？,.!?]{0,8}费|交过[^，。！？,.!?]{0,6}费|推给|推来推去|踢皮球|不作为|不管不问|爱答不理|吃干饭|"
    r"态度(?:很|太|极|特别)?(?:差|恶劣|不好)|乱收费|多收|不退|不给退|拖欠|欠(?:了)?[^，。！？,.!?]{0,8}(?:工资|钱|款)|宰人|坑人|"
    r"(?:电话|打)[^，。！？,.!?]{0,6}没人接|没人接(?:电话)?|一直拖|拖着不")


def complaint_evidence(text: Optional[str]) -> bool:
    """Whether the words tell a grievance against whoever should serve (交了两千多暖气费 屋里才十三四度,
    物业推给热力公司): a 投诉 more than a 求助 when the citizen names no kind."""
    return bool(_COMPLAINT_EVIDENCE.search(text or ""))

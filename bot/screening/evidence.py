"""Evidence in the citizen's own words for turning a request away.

The hotline accepts without discrimination (无差别受理, 热线办法第二十三条) and refuses
only the matters of 第七条. A classifier's guess is not enough: a refusal needs the cue
of that matter in the message (起诉, 仲裁, 信访, 纪委 …). Institutions named as
landmarks of an address (检察院后面的小区, 消防支队对面) and negated cues
(不是部队的事) are no evidence.

Pure Python, no Rasa imports: used by the NLU gate (bot/nlu_components/evidence_gate.py)
and the actions.
"""
from __future__ import annotations

import re
from typing import Dict, Optional, Pattern

from bot.screening.landmarks import without_landmarks

# 第七条 classes → the words that show the matter really is one of them
_CUES: Dict[str, str] = {
    "court": r"法院|法庭|法官|判决|判了|判的|判个|裁定|开庭|庭审|审判|执行局|强制执行|申请执行|执行款|执行不了|诉讼费|立案庭|再审",
    "procuratorate": r"检察院|检察官|检察机关|公诉|抗诉|12309",
    "military": r"(?<!退役)(?<!退伍)(?<!转业)(部队|军队|军营|军区|武警|解放军|军人(?!事务)|当兵的|军车|驻军|营区)",
    "litigation": r"起诉|诉讼|打官司|告到法院|告上法庭|上诉|官司|法院立案|应诉|被告|原告|开庭",
    "arbitration": r"仲裁|劳动争议|劳仲",
    "discipline": r"纪委|纪检|监委|监察委|违纪|贪污|受贿|行贿|腐败|吃拿卡要|公款|作风问题|双规|留置",
    "admin_review": r"行政复议|复议",
    "info_disclosure": r"信息公开|依申请公开|公开申请|申请公开|政府信息",
    "petition": r"信访|上访|访民|复查复核|信访局|进京|越级",
    "privacy": (
        r"(查|要|给我|告诉我|提供|找|调|打听|问问?)[^，。！？,.!?]{0,10}"
        r"(他|她|别人|人家|某人|前妻|前夫|前女友|前男友|女朋友|男朋友|女友|男友|老婆|老公|对象|邻居|同事|那个人|这个人|此人|的)"
        r"[^，。！？,.!?]{0,12}(电话|手机号?|号码|住址|家庭住址|地址|身份证|行踪|开房|个人信息|户籍信息|住哪|住在哪|在哪住|在哪上班|哪个单位)"
        # records only the police or a court may obtain, and who reported whom
        r"|(查|调|看|帮|给我)[^。！？!?]{0,12}(通话记录|开房记录|开的房|银行卡?流水|户籍信息|户口信息|聊天记录|行车轨迹)"
        r"|(举报|投诉)我的(人)?是谁|谁(举报|投诉)的我|车牌(号)?是谁的"
        # "帮我查一下我们楼上那家人叫啥名字，电话多少"
        r"|(查|打听|告诉我)[^。！？!?]{0,8}(那家人|那个人|这个人|那人|他家|她家|邻居|楼上|楼下|对门|隔壁|某某|车主|机主|房东)"
        r"[^。！？!?]{0,6}(叫啥|叫什么|名字|姓名|电话多少|电话号码|手机号|住哪|住在哪|住址)"
        # "帮我查一下丹凤县一个叫王小红的现在住哪，手机号多少": a named person's whereabouts and number
        r"|(查|打听|找)[^。！？!?]{0,12}叫[\u4e00-\u9fff]{1,4}的[^。！？!?]{0,12}"
        r"(住哪|住在哪|在哪住|住址|电话多少|电话号码|手机号|在哪上班|人在哪)"
        # "你帮额查一哈 额前头那个女婿现在住商州哪搭 电话号码多少": a relative's whereabouts and number
        r"|(查|打听|告诉我)[^。！？!?]{0,12}(女婿|儿媳|媳妇|前妻|前夫|亲家|那个男的|那个女的|老赖|欠款人|债主)"
        r"[^。！？!?]{0,12}(住哪|住在哪|住.{0,4}哪搭|住.{0,4}哪儿|住.{0,4}哪里|电话多少|电话号码|手机号|在哪上班|人在哪)"
    ),
    "abuse": (
        r"傻[逼比屄B]|煞笔|sb|SB|妈的|他妈|操你|草你|日你|滚蛋|滚犊子|(?<![打翻滚圆])滚(?![动烫开水滚落下来圆])|王八蛋|狗官|狗东西|废物|去死|垃圾政府|"
        r"脑残|贱人|畜生|混蛋|吃干饭|饭桶|骗子|人渣|蠢货|白痴|弱智|智障|骂死|摆设|狗日|瓜怂|日塌|锤子"
    ),
}

_CUE_RE: Dict[str, Pattern[str]] = {name: re.compile(pattern) for name, pattern in _CUES.items()}

# a cue right after "不是…" or before "…没关系" is denied, not asserted: "不是部队的事", "跟法院没关系"
_NEGATION_AFTER = re.compile(r"^[^，。！？,.!?]{0,6}(没关系|没有关系|无关|不相干|不搭界)")
_NOT_PREFIX = re.compile(r"(不是|不涉及|没有|没)[^，。！？,.!?]{0,3}$")

# classes whose words often occur inside the matter of an ordinary request: the cue
# counts only when the class really is what the citizen asks about (see has_cue)
_OVERLAPS = {
    # "法院判了开发商赔钱还不执行" is still a court matter; "开庭" also means litigation
    "litigation": ("court",),
    "court": ("litigation",),
}


def _asserted(text: str, match: "re.Match[str]") -> bool:
    before = text[max(0, match.start() - 6):match.start()]
    after = text[match.end():match.end() + 8]
    return not (_NOT_PREFIX.search(before) or _NEGATION_AFTER.search(after))


def cue(text: str, oos_class: str) -> Optional[str]:
    """The words of `text` that show it is a matter of `oos_class`, or None.

    `oos_class` is a 第七条 class (court, procuratorate, …; an ``oos_`` prefix is fine)."""
    key = oos_class[4:] if oos_class.startswith("oos_") else oos_class
    pattern = _CUE_RE.get(key)
    if pattern is None or not text:
        return None
    plain = without_landmarks(text)
    for match in pattern.finditer(plain):
        if _asserted(plain, match):
            return match.group(0)
    return None


def has_cue(text: str, oos_class: str) -> bool:
    key = oos_class[4:] if oos_class.startswith("oos_") else oos_class
    return cue(text, key) is not None or any(cue(text, other) is not None for other in _OVERLAPS.get(key, ()))


def cued_classes(text: str) -> Dict[str, str]:
    """Every 第七条 class whose cue the text carries, with the words."""
    found = {}
    for name in _CUES:
        words = cue(text, name)
        if words:
            found[name] = words
    return found


_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def has_content(text: str) -> bool:
    """Whether the message has any word or digit at all (not only ？？？。。。！！！ or emoji)."""
    return bool(_CONTENT.search(text or ""))


_FILLER = re.compile(r"[\s，。！？、,.!?~～…：:；;“”\"'‘’（）()【】\[\]你我他她它们的了吗呢啊呀吧这那是就都也还]+")


# who is insulted and how much: "你们12345全是一帮…，骂的就是你们" says nothing more than the insults
_ABUSE_FRAME = re.compile(r"打了也白打|白打|一个个|个个|就是个|12345|热线|客服|接线员|机器人|智能助手|政府|全都|全|一帮|一群|一伙|一堆|就是|骂的|骂|真|太|简直|都")


def is_pure_abuse(text: str) -> bool:
    """Insults and nothing else: with a matter beside the insults it is a request (第七条(十二) is about abuse only)."""
    if not cue(text, "abuse"):
        return False
    rest = _FILLER.sub("", _ABUSE_FRAME.sub("", _CUE_RE["abuse"].sub("", text or "")))
    return len(rest) < 6


def abuse_count(text: str) -> int:
    """How many insults the text carries (不是骂你 and the like do not count)."""
    plain = without_landmarks(text or "")
    return sum(1 for m in _CUE_RE["abuse"].finditer(plain) if _asserted(plain, m))


# the frame of a letter and the words that open any request are not the matter
_FRAME = re.compile(
    r"尊敬的[^，。！？,.!?：:]{0,12}[：:，,]?|领导(们)?(您|你)?好|(你|您)(们)?好|在吗|在不在|此致|敬礼|"
    r"谢谢|感谢|麻烦(你|您)了|辛苦了|打扰了|请问|我想|我要|想问|问一下|反映一下|反映个|一个|事情|问题|情况"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def han_count(text: str) -> int:
    """How many Chinese characters (CJK unified ideographs) a text has."""
    return len(_HAN.findall(text or ""))


def is_substantive(text: str, minimum: int = 12) -> bool:
    """Whether a message tells a matter in its own words (a letter, a rambling or dialect
    account) rather than greeting, thanking or asking the bot something short: at least
    `minimum` Chinese characters once the letter's frame and request openers are gone."""
    core = _FRAME.sub("", text or "")
    return han_count(core) >= minimum

"""The contact's name: only when citizens name themselves, from LAC's PER tags and surnames.

* :func:`find_self_name(text)` – the name a citizen gives for themself in free text
  (我叫王有福, 我是刘桂兰, 额姓王，叫王有福 → 王有福, 俺是老张, 本人宋江), or a surname-only
  form when only the surname is given (免贵姓李 → ``李先生/女士``, the form the order form
  uses for a surname alone).  Other people's names (我邻居叫张三, 我是张三的邻居) and words
  the classifier once took for names (新建, 小区) are not returned.
* :func:`self_name_mention(text)` – the same with offsets (:class:`NameMention`).
* :func:`parse_name_answer(text)` – the answer to 「怎么称呼您」: ``王有福``, ``叫我老王就行`` →
  老王, ``姓刘`` → 刘先生/女士, ``我姓刘，刘桂兰`` → 刘桂兰, ``刘先生``; None for refusals
  (不想说), digits and words that are no name.

Persons come from Baidu LAC (:mod:`bot.screening.lexical`, tag ``PER``); a word is taken as a
name only if it starts with a known surname (or is 老/小 + surname, or surname + a form of
address such as 先生/师傅/大妈).  Without the model only the surname-only forms are found.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from bot.screening.lexical import PLACE_TAGS, Token, tokens

__all__ = ["NameMention", "SURNAMES", "COMPOUND_SURNAMES", "find_self_name", "self_name_mention", "parse_name_answer"]

# 百家姓 and other common surnames (single characters)
SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌"
    "马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵"
    "湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏"
    "蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄"
    "曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙"
    "叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍郤璩桑桂"
    "濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙"
    "东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公"
    "仉督晋楚闫法汝鄢涂钦归海岳帅缑亢况有琴商牟佘佴伯赏墨哈谯笪年爱阳佟言福付覃代栗"
    "苟雒芦冼粟谌郇揭禚昌"  # common in Shaanxi or elsewhere, missing from the 百家姓 above
)
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "澹台", "端木", "独孤", "南宫", "西门", "轩辕", "钟离", "闻人", "赫连", "万俟", "呼延", "申屠",
)
# forms of address after a surname (王先生, 刘姐, 张师傅)
_ADDRESS = ("先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "大娘", "大婶", "大叔", "大哥", "大姐", "老师",
            "同志", "老板", "老汉", "奶奶", "爷爷", "婆婆", "姐", "哥", "叔", "婶", "姨", "伯", "嫂")
SURNAME_ONLY_SUFFIX = "先生/女士"

_SELF = frozenset({"我", "额", "俺", "偶", "咱", "本人", "鄙人", "在下", "我本人"})
_CALL = frozenset({"叫", "就叫", "名叫", "叫做", "称呼", "喊"})
_IS = frozenset({"是", "就是"})
_NAME_WORDS = frozenset({"名字", "姓名", "名", "全名", "大名"})
_SENTENCE_END = frozenset("。！？!?；;\n")
_REFUSAL = re.compile(r"不想|不愿|不方便|不告诉|不透露|保密|不说|不留|匿名|算了|不用了|没必要|不重要|无可奉告")
_DIGIT = re.compile(r"\d")
_FILLERS = re.compile(r"^(?:你好|您好|喂|嗯|哦|额|啊)+|(?:就行了?|就可以了?|就好|吧|呢|啊|呀|哈|哦|嘛|了)+$")


@dataclass(frozen=True)
class NameMention:
    """A name in a text: ``name`` as the order form wants it, ``start``/``end`` of its words."""

    name: str
    start: int
    end: int


def _surname_of(word: str) -> Optional[str]:
    if word[:2] in COMPOUND_SURNAMES:
        return word[:2]
    return word[0] if word and word[0] in SURNAMES else None


def _is_name(word: str) -> bool:
    """A person word that can be a contact's name: 王有福, 欧阳娜娜, 老王, 小李, 王师傅, 刘姐."""
    if not word or len(word) > 6 or not all("\u4e00" <= c <= "\u9fff" for c in word):
        return False
    if word[0] in "老小" and len(word) == 2:
        return word[1] in SURNAMES
    surname = _surname_of(word)
    if surname is None:
        return False
    rest = word[len(surname):]
    if any(rest.endswith(a) for a in _ADDRESS):
        return len(rest) <= 3
    return len(word) <= 4 and (len(rest) >= 1 or len(word) == 1)


def is_name_word(word: str) -> bool:
    """Whether `word` alone can be a contact's name (starts with a surname: 王有福, 老王, 王师傅)."""
    return _is_name(word)


def _words(toks: Sequence[Token]) -> List[str]:
    return [t.word for t in toks]


def _clause_start(toks: Sequence[Token], i: int) -> int:
    while i > 0 and toks[i - 1].tag != "w":
        i -= 1
    return i


def _self_in_sentence(toks: Sequence[Token], i: int) -> bool:
    """Whether a self word (我/额/俺/本人 …) or 免贵 stands before token ``i`` in its sentence."""
    j = i - 1
    while j >= 0 and toks[j].word not in _SENTENCE_END:
        if toks[j].word in _SELF or toks[j].word.startswith("免贵"):
            return True
        j -= 1
    return False


# a letter signed at its end: "…此致 敬礼！ 张秀兰 13571420098", "…谢谢！市民 李红 2026年12月3日"
_SIGNATURE_BEFORE = frozenset({"敬礼", "此致", "谢谢", "感谢", "麻烦了", "辛苦了", "市民", "居民", "村民", "群众", "联系人", "署名"})
_SIGNATURE_AFTER_WORDS = frozenset({"电话", "手机", "联系电话", "手机号", "联系方式", "tel", "Tel", "TEL"})


def _is_signature(toks: Sequence[Token], i: int) -> bool:
    """Whether PER token ``i`` signs the text: it opens the last clause (after punctuation or a
    closing formula) and only a phone number, a date or punctuation follows it."""
    if sum(len(t.word) for t in toks[:i] if t.tag != "w") < 30:
        return False  # a letter, not "表扬一下，王建军" (the one praised)
    word = toks[i].word
    surname = _surname_of(word)
    if not surname or not 2 <= len(word) <= 4 or len(word) == len(surname) or word.startswith(("老", "小")):
        return False  # a signature is a full name, not 李医生 or 老王
    if any(word.endswith(title) for title in _ADDRESS) or re.search(r"[医生夫师长任官警]$", word):
        return False
    prev = toks[i - 1].word if i else ""
    after_place = i >= 2 and toks[i - 1].tag in PLACE_TAGS and toks[i - 2].tag == "w"  # "商州区 黄志刚"
    if not (i and (toks[i - 1].tag == "w" or prev in _SIGNATURE_BEFORE or after_place
                   or (prev == "了" and i >= 2 and toks[i - 2].word in ("麻烦", "辛苦")))):
        return False
    for tok in toks[i + 1:]:
        if tok.tag in ("w", "TIME") or tok.word in _SIGNATURE_AFTER_WORDS:
            continue
        if tok.tag == "m" and sum(ch.isdigit() for ch in tok.word) >= 7:
            continue  # a phone number
        return False
    return True


def _strength(toks: Sequence[Token], i: int) -> int:
    """How surely PER token ``i`` is the writer's own name: 2 sure, 1 likely, 0 not."""
    words = _words(toks)
    prev = words[i - 1] if i >= 1 else ""
    prev2 = words[i - 2] if i >= 2 else ""
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if nxt is not None and nxt.word in ("的", "家", "他", "她", "说", "让", "帮"):
        return 0  # 我是张三的邻居, 我叫张三帮忙
    if _is_signature(toks, i):
        return 2  # …此致 敬礼！ 张秀兰 13571420098
    if prev in _SELF and prev2 in _CALL:
        return 2  # 叫我老王
    if prev in _CALL:
        if nxt is not None and nxt.tag in ("v", "vd") and nxt.word not in _IS:
            return 0  # 我叫王师傅来修
        if prev2 in _SELF or prev2 in _NAME_WORDS or prev2 == "我的":
            return 2  # 我叫 / 名字叫
        if _clause_start(toks, i - 1) == i - 1 and _self_in_sentence(toks, i - 1):
            return 2  # 我姓王，叫王有福
        return 0  # 我邻居叫张三
    if prev in _IS and (prev2 in _SELF or prev2 in _NAME_WORDS):
        return 1  # 我是王有福, 名字是王有福
    prev3 = words[i - 3] if i >= 3 else ""
    if prev in _SELF_ROLES and prev2 in _IS and prev3 in _SELF:
        return 2  # 我是村民李桂兰, 我是业主程立新
    if prev in (":", "：") and "".join(words[_clause_start(toks, i - 1):i - 1]) in _SELF_ROLES:
        return 2  # a letter's "业主：程立新", "反映人：李红"
    if prev in _SELF and prev in ("本人", "鄙人", "在下"):
        return 2
    if prev in _NAME_WORDS or prev in (":", "："):
        return 2 if prev in _NAME_WORDS or prev2 in _NAME_WORDS else 0
    return 0


# what citizens call themselves before their name (我是村民李桂兰, 业主：程立新)
_SELF_ROLES = frozenset({"村民", "居民", "市民", "业主", "群众", "家长", "住户", "租户", "车主", "患者", "职工", "员工",
                         "老百姓", "联系人", "反映人", "投诉人", "举报人", "求助人", "来信人", "署名", "签名"})


_OTHER_PERSON = frozenset({"她", "他", "它", "对方", "人家", "那人", "这人", "那个人", "师傅", "大姐", "大哥", "老板", "司机", "医生", "老师"})


# LAC's tags of a noun that names who "姓…" is about (包工头姓马, 我们领导姓王, 房东姓刘)
_NOUN_TAGS = frozenset({"n", "nr", "nz", "PER", "ORG"})


def _other_person_before(toks: Sequence[Token], i: int) -> bool:
    """Whether someone other than the writer is the subject right before token ``i`` (她姓李,
    包工头姓马: a noun that is neither a self word nor a role the writer calls themself)."""
    if i > 0:
        prev = toks[i - 1]
        if prev.tag in _NOUN_TAGS and prev.word not in _SELF and prev.word not in _SELF_ROLES:
            return True
    j = i - 1
    while j >= 0 and toks[j].tag != "w" and i - j <= 3:
        if toks[j].word in _OTHER_PERSON:
            return True
        j -= 1
    return False


def _stated_surname(toks: Sequence[Token]) -> Optional[NameMention]:
    """姓王 / 免贵姓李 / 我姓高 said about oneself → (surname, its span)."""
    for i, tok in enumerate(toks):
        word = tok.word
        if word.startswith("免贵") and word != "免贵":
            word = word[2:]
        if word.startswith("姓") and len(word) > 1:
            surname, start = word[1:], tok.start + (len(tok.word) - len(word)) + 1
        elif word == "姓" and i + 1 < len(toks):
            surname, start = toks[i + 1].word, toks[i + 1].start
        else:
            continue
        if surname not in SURNAMES and surname not in COMPOUND_SURNAMES:
            continue
        if _other_person_before(toks, i):
            continue  # 我只知道她姓李: someone else's surname
        if i == 0 or _self_in_sentence(toks, i) or _clause_start(toks, i) == i:
            return NameMention(surname, start, start + len(surname))
    return None


def _mention(toks: Sequence[Token], surname: Optional[NameMention]) -> Optional[NameMention]:
    best, best_strength = None, 0
    for i, tok in enumerate(toks):
        if tok.tag != "PER" or not _is_name(tok.word):
            continue
        strength = _strength(toks, i)
        if surname and tok.word != surname.name and tok.word.startswith(surname.name):
            strength = max(strength, 2)  # 我姓刘，刘桂兰 / 我姓王叫王有福
        if strength > best_strength:
            best, best_strength = NameMention(tok.word, tok.start, tok.end), strength
    if best and len(best.name) == len(_surname_of(best.name) or "x" * 9):
        best = NameMention(best.name + SURNAME_ONLY_SUFFIX, best.start, best.end)
    return best


def self_name_mention(text: str) -> Optional[NameMention]:
    """The name the writer gives for themself, with its offsets, or None."""
    if not text or not isinstance(text, str):
        return None
    toks = tokens(text)
    surname = _stated_surname(toks)
    found = _mention(toks, surname)
    if found:
        return found
    if surname:
        return NameMention(surname.name + SURNAME_ONLY_SUFFIX, surname.start, surname.end)
    return None


def signed_name(text: str) -> Optional[str]:
    """The full name a letter is signed with at its end, else None.

    >>> signed_name("小区旁边的KTV每天晚上吵到凌晨两三点，找过物业也没用，希望有关部门管一管。此致 敬礼！ 张秀兰 13571420098")
    '张秀兰'
    """
    if not text or not isinstance(text, str):
        return None
    toks = tokens(text)
    for i in range(len(toks) - 1, -1, -1):
        if toks[i].tag == "PER" and _is_signature(toks, i):
            return toks[i].word
    return None


def find_self_name(text: str) -> Optional[str]:
    """The contact's name when the writer names themself, else None.

    >>> find_self_name("额姓王，叫王有福")
    '王有福'
    >>> find_self_name("免贵姓李")
    '李先生/女士'
    >>> find_self_name("我邻居叫张三") is None
    True
    """
    mention = self_name_mention(text)
    return mention.name if mention else None


_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")


# a surname said on its own before the whole name: "额叫 余 余秀英", "我姓王 王有福"
_STUTTER = re.compile(r"(^|[^\u4e00-\u9fff]|姓)([\u4e00-\u9fff])[\s，,、]+(?=\2[\u4e00-\u9fff])")


_NUMBER_PART = re.compile(r"(?:手机号?码?|电话号?码?|号码|联系方式|tel)?[:：\s]*(?:\+?86)?[\d][\d\s\-－]{5,}\d", re.I)


def _unstutter(text: str) -> str:
    # after 姓 the surname stays and a comma parts it from the name (LAC reads 姓王王有福 as 王王)
    return _STUTTER.sub(lambda m: m.group(1) + (m.group(2) + "，" if m.group(1) == "姓" else ""), text)


def parse_name_answer(text: str) -> Optional[str]:
    """A name or form of address given in answer to 「怎么称呼您」, else None.

    >>> parse_name_answer("叫我老王就行")
    '老王'
    >>> parse_name_answer("姓刘")
    '刘先生/女士'
    >>> parse_name_answer("新建") is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    # "我叫刘芳芳，手机15991401234，不用回复了": the number is another answer, not part of the name
    text = _NUMBER_PART.sub("，", text)
    if _REFUSAL.search(text) or _DIGIT.search(text):
        return None
    text = _unstutter(text)
    found = find_self_name(text)
    if found:
        return found
    toks = tokens(text)
    people = [t.word for t in toks if t.tag == "PER" and _is_name(t.word)]
    bare = _FILLERS.sub("", re.sub(r"[\s，。！？、,.!?~～…：:；;“”\"'（）()]+", "", text))
    if people:
        name = max(people, key=len)
        if len(bare) == 3 and len(name) == 2 and bare.startswith(name) and _HAN_ONLY.match(bare) and bare[-1] not in "吧啊呀的了哈呢嘛哦好":
            return bare  # 马长有 that LAC cuts into 马长 + 有
        return name + SURNAME_ONLY_SUFFIX if len(name) == len(_surname_of(name) or "") else name
    if bare in SURNAMES or bare in COMPOUND_SURNAMES:
        return bare + SURNAME_ONLY_SUFFIX
    content = [t for t in toks if t.tag != "w"]
    if len(content) == 1 and content[0].tag in ("n", "nz", "nr") and _is_name(content[0].word) and len(bare) >= 2:
        return content[0].word  # a rare given name LAC does not know (田野)
    return None

"""The address a first message gives as a clause of its own.

"山阳县城关镇东关村二组，我叫张秀兰，电话…，村里的自来水管子冻裂了三天了" names where
the matter is before it tells it; asking "请告诉我具体地址" next reads as if nobody
listened. A clause counts as an address only when it is a place and nothing else: it
names a served county or one of its towns (the gazetteer in ``districts``), carries an
address word (村, 组, 路, 小区, 号楼 …) and no predicate (坏了, 天天吵, 没人管 …).
Anything less certain is left to the address question.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.screening.districts import district_mention, find_town
from bot.screening.landmarks import landmark_spans
from bot.screening.lexical import PLACE_TAGS, tokens

_CLAUSE = re.compile(r"[，,。！？!?；;：:\n]+")
# "我家在…", "地址：…", "住在…": the words before the place
_LEAD = re.compile(r"^(?:我|额|俺)?(?:们)?(?:家|屋)?(?:住)?(?:在|是)|^(?:家住|住在|地址(?:是|在)?[:：]?|位置(?:是|在)?[:：]?|地点(?:是|在)?[:：]?|事发地(?:点)?(?:是|在)?[:：]?)")
# finer than a town: the unit needs the village, the estate, the road
# (a community, a road or a street alone is still too coarse: the question asks which estate or number)
_ADDRESS_WORD = re.compile(r"小区|花园|家园|新村|公寓|大厦|村(?![医民长委干部])|[组苑]|号楼|单元|号院|\d+号|[一二三四五六七八九十]+组")
# a verb, a negation or an evaluation: the clause tells the matter, not only where
_PREDICATE = re.compile(r"[了着过没不别吵坏漏停堵臭脏乱占挖砍烧打骂要想让给把被在]|我们|咱们|天天|一直|老是|总是|有人|怎么|咋|啥|什么|吗|呢|很|太|特别")
MAX_CHARS = 40
# "…小区的业主", "…村的村民": who the writer is there, not part of the place
_RESIDENT_TAIL = re.compile(r"的?(?:业主|住户|居民|村民|租户|商户|群众|老百姓|一名\S{0,4}|一个\S{0,4})$")
# a village, an estate or a group right after the town a clause begins with
# ("山阳县漫川关镇前店子村河上那座小桥…冲掉了": 漫川关镇前店子村)
# (not 村医, 村民, 村委: people and offices; not "…镇的村": no name)
_AFTER_TOWN = re.compile(r"(?!的)[\u4e00-\u9fff\d]{1,8}?(?:村(?![医民长委干部])|小区|花园|家园|新村|[一二三四五六七八九十\d]+组)")


# a side or gate of the village or estate named (西门口, 东大门, 对面, 后面), not 村口 alone
_SIDE = re.compile(r"[东西南北](?:门口|大门口|大门|门)|(?:大)?门口|对面|后面|背后|隔壁")


def opening_address(text: str) -> Optional[str]:
    """The first clause of ``text`` that is only a place in 商洛, without its lead words, or None.

    >>> opening_address("山阳县城关镇东关村二组，我叫张秀兰，村里的自来水管子冻裂了三天了")
    '山阳县城关镇东关村二组'
    >>> opening_address("商州区北新街烧烤摊天天吵到两点") is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    clauses = _CLAUSE.split(text)
    for clause in clauses:
        clause = clause.strip()
        place = _RESIDENT_TAIL.sub("", _LEAD.sub("", clause).strip()).rstrip("的")
        if not place or len(place) > MAX_CHARS or _PREDICATE.search(place):
            continue
        county, town = district_mention(place), find_town(place)
        if county is None and town is None:
            continue
        rest = place
        for name in (county.name if county else "", town or ""):
            rest = rest.replace(name, "") if name else rest
        if _ADDRESS_WORD.search(rest.replace("街道", "").replace("街办", "")):
            return _without_trailing_verbs(place)
    return _leading_place(clauses[0]) if clauses else None


# LAC tags of words a place does not end with: verbs (干活, 打工, 上班) and particles
_TRAILING_TAGS = frozenset({"v", "vd", "vn", "u", "xc", "d"})


def _without_trailing_verbs(place: str) -> str:
    """"…安置小区工地上干活" → "…安置小区工地上": what the writer does there is not the place."""
    toks = tokens(place)
    end = len(place)
    while toks and toks[-1].tag in _TRAILING_TAGS and toks[-1].end == end:
        end = toks.pop().start
    return place[:end] if end >= 2 else place


def _leading_place(clause: str) -> Optional[str]:
    """The town and village a clause that tells the matter begins with, or None.

    >>> _leading_place("山阳县漫川关镇前店子村河上那座小桥护栏前天被大水冲掉了")
    '山阳县漫川关镇前店子村'
    """
    place = _LEAD.sub("", clause.strip())
    county = district_mention(place)
    skip = county.end if county is not None and county.start == 0 else 0
    town = find_town(place[skip:], county.district if county is not None else None)
    if not town or not place[skip:].startswith(town):
        return None
    end = skip + len(town)
    village = _AFTER_TOWN.match(place[end:])
    if village is None or _PREDICATE.search(village.group(0)) or "的" in village.group(0):
        return None
    end += village.end()
    side = _SIDE.match(place[end:])  # "龙山小区西门口的井盖…": which gate is part of where
    return place[:end + (side.end() if side else 0)]


# words that say where: an administrative or street word, a building, a facility or a side
_WHERE_WORD = re.compile(
    r"街道|街|路|巷|道(?!歉|理)|村|镇|乡|社区|小区|花园|家园|苑|号|组|楼|单元|院|广场|市场|学校|小学|中学|医院|公园|"
    r"店|馆|站|厂|场|所|局|中心|超市|酒店|宾馆|银行|公司|工地|桥|河|沟|渠|湾|坡|岭|山|坝|园|城关|"
    r"门口|大门|[东西南北]门|[路村街巷河沟桥]口|十字|"
    r"对面|旁边|附近|后面|隔壁|跟前|边上|那边|这边|楼下|楼上|家里|屋里|家门")
# LAC's tag for a place word (s: 西门口, 路边) besides PER/LOC/ORG
_PLACE_POS = frozenset({"s"})


def names_a_place(text: str) -> bool:
    """Whether an answer to "where is it" names any place at all: a county or town of the
    gazetteer, a street, building, facility or side word, a landmark, or a place LAC finds
    (LOC, ORG, s). "别说是我举报的" and "这些司机太瞎咧" name none; "老刘家面馆", "汽车站",
    "滨河花园旁边" and "二中对面" do.

    >>> names_a_place("这些司机太瞎咧，专门欺负老年人")
    False
    >>> names_a_place("老刘家面馆")
    True
    """
    if not text or not isinstance(text, str):
        return False
    if _WHERE_WORD.search(text) or district_mention(text) is not None or find_town(text) or landmark_spans(text):
        return True
    return any(t.tag in PLACE_TAGS or t.tag in _PLACE_POS for t in tokens(text))


# a place told inside the matter: LAC's places and organisations, nouns with a place word, and
# what joins them (从…到…, 那段, 这边); "洛南县永丰镇街道从加油站到中学那段路灯坏了" →
# 洛南县永丰镇街道从加油站到中学那段
_JOINERS = frozenset({"从", "到", "在", "和", "与", "至", "那段", "这段", "那边", "这边", "那块", "这块", "一带", "附近", "旁边", "对面", "门口"})
_COARSE = re.compile(r"^(?:商洛)?(?:市)?(?:县城|城关|城区|市区|这边|那边|附近|一带)*$")


def _place_token(tok) -> bool:
    return tok.tag in PLACE_TAGS or tok.tag in _PLACE_POS or (tok.tag in ("n", "nz", "f") and bool(_WHERE_WORD.search(tok.word)))


def place_in_matter(text: str) -> Optional[str]:
    """The most specific place the told matter names, as written, or None: a run of places,
    organisations and place nouns (with 从/到/那段 between them) that says more than a county
    or 县城 (柞水县政务服务中心, 洛南县永丰镇街道从加油站到中学那段); at most ``MAX_CHARS``.

    >>> place_in_matter("想表扬一下柞水县政务服务中心不动产登记窗口的小姑娘")
    '柞水县政务服务中心'
    >>> place_in_matter("商南县城关这边 流浪狗太多咧") is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    toks = tokens(text)
    i = 0
    while i < len(toks):
        if not _place_token(toks[i]):
            i += 1
            continue
        j = i + 1
        while j < len(toks) and (_place_token(toks[j]) or (toks[j].word in _JOINERS and j + 1 < len(toks)
                                                              and (_place_token(toks[j + 1]) or toks[j + 1].word in _JOINERS))
                                 or (toks[j].word in _JOINERS and j > i and toks[j].word not in ("从", "到", "在", "和", "与", "至"))):
            j += 1
        start, end = toks[i].start, toks[j - 1].end
        place = text[start:end]
        county = district_mention(place)
        rest = place.replace(county.name, "") if county else place
        named = j - i >= 2 or toks[i].tag in PLACE_TAGS or len(place) >= 3  # not 小区, 面馆 alone
        if named and 2 <= len(place) <= MAX_CHARS and len(rest) >= 2 and not _COARSE.match(rest) and (
                any(t.tag == "ORG" or (t.tag in ("n", "nz") and _WHERE_WORD.search(t.word))
                    or (t.tag == "LOC" and district_mention(t.word) is None) for t in toks[i:j])
                or find_town(place)):
            return place
        i = j
    return None

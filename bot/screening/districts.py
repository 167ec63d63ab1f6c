"""County-level units served by the Shangluo 12345 hotline, and places outside Shangluo.

* ``SERVED_DISTRICTS`` – the eight canonical names used by the order gateway.
* ``normalize_district(text)`` – the text *is* a district name (alias, with or without
  商洛市 / 陕西省 prefix, spaces, full-width, 那边/这边 …) → canonical name or None.
* ``find_district(text)`` – first served district named anywhere in free text → canonical
  or None; :func:`district_mention` gives the same with its offsets.
* ``find_other_region(text)`` – the place outside 商洛市 where the text locates the matter
  (``郑州市惠济区``, ``汉中勉县``, ``西安高新区``); None otherwise.  :func:`other_region_mention`
  gives it with its offsets.
* ``region_info(place)`` – (province, city, display name) for a place returned above.

How places are found.  Names come from the national gazetteer (China's provinces, cities
and counties with their short names, :mod:`bot.screening.gazetteer`, from jionlp's data),
the served aliases and towns below and the towns of 商洛市 in the gazetteer.  The text is
scanned left to right, longest name first, and a name counts only where Baidu LAC's word
segmentation (:mod:`bot.screening.lexical`) agrees it is a word: it must start where a word
starts (or right after another place name inside one place word, as in 汉中勉县) and end
where a word ends (or inside a LOC/ORG word, as 咸阳市 in 咸阳市上大学).  So 乡镇安排 holds
no 镇安, 商洛南部 no 洛南, 祝您平安康复 no 安康, 幸福建设路 no 福建.  Short names (jionlp's
aliases such as 丰台 or 平安, and two-character full names such as 勉县) outside Shangluo
also need LAC to tag them as a place (LOC/ORG).  A short name followed by 路/街/巷 is a
street (西安路, 北京路口), and one followed by 小区/花园/饭店 … an estate or a shop named
after a city (新城小区, 北京饭店).  Consecutive names form one place (北京 + 丰台区), which
resolves ambiguous counties (长安区: 西安 before 石家庄 when nothing says otherwise; 高新区 or
城关 alone: ours).  A development zone after another city belongs to it (西安高新区).

Where LAC is not available, only full names, served aliases and provinces' short names
(北京, 河南) are scanned, without the word checks.

How ``find_other_region`` decides that the matter is *there*:

1. a served district, town or local name (商洛, 城关, 市区) that is not a travel origin
   (商洛到西安, 从商洛过去的) always wins: the answer is None and the dialogue asks for the district;
2. a mention that is only a travel origin / destination or a person's origin is ignored:
   preceded by 从/自/由, followed by 回来/过来/来的/回商洛/到/至/方向/人(not 人民…), or
   preceded by 去/到/往/至/赴/飞 *and* followed by 的 (去西安的班车);
3. the first remaining place outside Shangluo is returned, as written, from its first
   name outside 陕西 to the end of the place (陕西宁强县 → 宁强县).  A bare 陕西 is not outside.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import vocabulary
from bot.screening import gazetteer
from bot.screening.gazetteer import SHAANXI, Division
from bot.screening.lexical import PLACE_TAGS, Analysis, analysis
from bot.screening.normalize import compact

__all__ = [
    "SERVED_DISTRICTS",
    "DISTRICT_ALIASES",
    "TOWN_TO_DISTRICT",
    "SHAANXI",
    "PlaceMention",
    "normalize_district",
    "find_district",
    "district_mention",
    "find_other_region",
    "other_region_mention",
    "region_info",
]

# the eight units and their aliases come from the hotline's vocabulary (vocabulary/hotline.yml)
SHANGZHOU, LUONAN, DANFENG, SHANGNAN, SHANYANG, ZHEN_AN, ZHASHUI, HIGH_TECH = vocabulary.DISTRICTS

SERVED_DISTRICTS: Tuple[str, ...] = vocabulary.DISTRICTS

# aliases that mean a unit in an answer to "which district" but not inside free text
# (高新 is in 高新技术企业, 高新产业); regex guards for ambiguous short aliases live in _GUARDS
_NOT_IN_FREE_TEXT = frozenset({"高新"})
# alias → canonical, as free text is searched (ASCII brackets as a citizen types them too)
DISTRICT_ALIASES: Dict[str, str] = {
    **{alias: name for alias, name in vocabulary.DISTRICT_ALIASES.items() if alias not in _NOT_IN_FREE_TEXT},
    **{alias.replace("（", "(").replace("）", ")"): name for alias, name in vocabulary.DISTRICT_ALIASES.items() if "（" in alias},
}

# Towns / streets → county.  Only names that are distinctive; 城关街道 / 城关镇 exist in
# several counties and are deliberately absent.  Not a complete gazetteer.
TOWN_TO_DISTRICT: Dict[str, str] = {
    # 商州区
    "大赵峪街道": SHANGZHOU, "大赵峪": SHANGZHOU, "陈塬街道": SHANGZHOU, "刘湾街道": SHANGZHOU,
    "北宽坪镇": SHANGZHOU, "北宽坪": SHANGZHOU, "夜村镇": SHANGZHOU, "沙河子镇": SHANGZHOU,
    "杨峪河镇": SHANGZHOU, "金陵寺镇": SHANGZHOU, "杨斜镇": SHANGZHOU, "麻街镇": SHANGZHOU,
    "牧护关镇": SHANGZHOU, "牧护关": SHANGZHOU, "大荆镇": SHANGZHOU, "腰市镇": SHANGZHOU,
    "三岔河镇": SHANGZHOU, "闫村镇": SHANGZHOU,
    # 洛南县
    "四皓街道": LUONAN, "景村镇": LUONAN, "三要镇": LUONAN, "灵口镇": LUONAN, "寺耳镇": LUONAN,
    "巡检镇": LUONAN, "石坡镇": LUONAN, "洛源镇": LUONAN, "卫东镇": LUONAN, "高耀镇": LUONAN,
    "柏峪寺镇": LUONAN,
    # 丹凤县
    "龙驹寨街道": DANFENG, "龙驹寨": DANFENG, "棣花镇": DANFENG, "棣花": DANFENG, "竹林关镇": DANFENG,
    "竹林关": DANFENG, "武关镇": DANFENG, "铁峪铺镇": DANFENG, "铁峪铺": DANFENG, "峦庄镇": DANFENG,
    "庾岭镇": DANFENG, "蔡川镇": DANFENG, "寺坪镇": DANFENG,
    # 商南县
    "金丝峡镇": SHANGNAN, "金丝峡": SHANGNAN, "富水镇": SHANGNAN, "湘河镇": SHANGNAN, "赵川镇": SHANGNAN,
    "试马镇": SHANGNAN, "清油河镇": SHANGNAN, "过风楼镇": SHANGNAN, "十里坪镇": SHANGNAN,
    # 山阳县
    "漫川关镇": SHANYANG, "漫川关": SHANYANG, "天竺山镇": SHANYANG, "天竺山": SHANYANG,
    "高坝店镇": SHANYANG, "西照川镇": SHANYANG, "南宽坪镇": SHANYANG, "南宽坪": SHANYANG,
    "色河铺镇": SHANYANG, "板岩镇": SHANYANG, "户垣镇": SHANYANG, "杨地镇": SHANYANG,
    "银花镇": SHANYANG, "延坪镇": SHANYANG, "两岭镇": SHANYANG, "王阎镇": SHANYANG,
    # 镇安县
    "永乐街道": ZHEN_AN, "云盖寺镇": ZHEN_AN, "云盖寺": ZHEN_AN, "木王镇": ZHEN_AN, "青铜关镇": ZHEN_AN,
    "米粮镇": ZHEN_AN, "达仁镇": ZHEN_AN, "柴坪镇": ZHEN_AN, "茅坪回族镇": ZHEN_AN, "西口回族镇": ZHEN_AN,
    "庙沟镇": ZHEN_AN,
    # 柞水县
    "乾佑街道": ZHASHUI, "营盘镇": ZHASHUI, "下梁镇": ZHASHUI, "石瓮镇": ZHASHUI, "杏坪镇": ZHASHUI,
    "红岩寺镇": ZHASHUI, "曹坪镇": ZHASHUI, "瓦房口镇": ZHASHUI, "牛背梁": ZHASHUI,
    # sights a visitor names instead of the town (凤凰古镇 is 柞水's, not 湖南凤凰县)
    "凤凰古镇": ZHASHUI, "凤凰镇": ZHASHUI, "柞水溶洞": ZHASHUI, "塔云山": ZHEN_AN, "木王山": ZHEN_AN,
    "金丝大峡谷": SHANGNAN, "仙娥湖": SHANGZHOU, "棣花古镇": DANFENG, "漫川古镇": SHANYANG,
}

# Local names that are not a single district, and the province itself.
_LOCAL_NAMES = ("商洛市", "商洛", "本市", "市区", "城关街道", "城关镇", "城关")
_PROVINCE_NAMES = ("陕西省", "陕西")
# gazetteer names that are ordinary words or stand for nothing in particular
_GAZETTEER_STOP = frozenset({"城区", "郊区", "矿区", "东区", "西区", "南区", "北区", "新区", "开发区", "市辖区",
                             "市直辖行政区划", "省直辖行政区划", "自治区直辖县级行政区划"})
_ADMIN_SUFFIX = ("省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "街道")
# a development zone named after the city before it (西安高新区, 宝鸡经开区)
_ZONE_AFTER = re.compile(r"^(?:市)?(?:高新技术产业开发区|经济技术开发区|高新区|经开区|开发区|高新|新区)")
# a short name before these is a street, not the place (西安路, 北京路口, 长安街)
_ROAD_AFTER = re.compile(r"^[东西南北中]{0,2}(?:路|街(?!道|办)|大街|大道|巷|胡同|弄)")
# ... and before these an estate or shop named after a city (新城小区, 北京饭店)
_ESTATE_AFTER = re.compile(
    r"^(?:小区|花园|社区|家园|公寓|大厦|广场|市场|饭店|酒店|宾馆|小吃|商场|超市|苑|新村|村|楼|城小区|一号|国际)"
)
_SERVED_KIND, _LOCAL_KIND, _PROVINCE_KIND, _OUTSIDE_KIND = "served", "local", "province", "outside"


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text: ``name`` as written (normalised), ``start``/``end`` in the text.

    ``kind`` is ``served`` (``district`` holds the canonical district), ``local`` (商洛,
    城关 …), ``province`` (陕西) or ``outside`` (``divisions`` holds the candidates).
    """

    name: str
    start: int
    end: int
    kind: str
    district: Optional[str] = None
    divisions: Tuple[Division, ...] = ()


@dataclass(frozen=True)
class _Hit:
    name: str
    start: int  # cleaned offsets
    end: int
    kind: str
    district: Optional[str]
    divisions: Tuple[Division, ...]
    short: bool
    zone: str = ""


# --------------------------------------------------------------------------- names
def _served_names() -> Dict[str, str]:
    names = {compact(alias) or alias: canon for alias, canon in DISTRICT_ALIASES.items()}
    for town, canon in TOWN_TO_DISTRICT.items():
        names.setdefault(town, canon)
    for town, county in gazetteer.shangluo_towns().items():
        canon = DISTRICT_ALIASES.get(county)
        if canon:
            names.setdefault(town, canon)
    return names


_SERVED_CACHE: Dict[str, str] = {}


def _served() -> Dict[str, str]:
    if not _SERVED_CACHE:
        _SERVED_CACHE.update(_served_names())
    return _SERVED_CACHE


def _classify(name: str) -> Optional[Tuple[str, Optional[str], Tuple[Division, ...], bool]]:
    """(kind, district, divisions, short) for a known name, else None."""
    served = _served().get(name)
    if served:
        return _SERVED_KIND, served, (), not name.endswith(_ADMIN_SUFFIX)
    if name in _LOCAL_NAMES:
        return _LOCAL_KIND, None, (), False
    if name in _PROVINCE_NAMES:
        return _PROVINCE_KIND, None, (), False
    if name in _GAZETTEER_STOP:
        return None
    divisions = gazetteer.lookup(name)
    if not divisions:
        return None
    for division in divisions:
        if gazetteer.is_shangluo(division):
            canon = DISTRICT_ALIASES.get(division.county or "")
            return (_SERVED_KIND, canon, (), False) if canon else (_LOCAL_KIND, None, (), False)
    if all(d.province == SHAANXI and d.level == "province" for d in divisions):
        return _PROVINCE_KIND, None, (), False
    short = all(d.alias for d in divisions) or len(name) <= 2
    return _OUTSIDE_KIND, None, divisions, short


# --------------------------------------------------------------------------- scanning
class _Words:
    """Where LAC's words start and end, and which characters lie inside a LOC/ORG word."""

    def __init__(self, an: Analysis, trust: bool = False) -> None:
        self.enabled = bool(an.tokens)
        self.trust = trust  # the text is a place name: short names need no LAC tag
        self.starts = {t.start for t in an.tokens}
        self.ends = {t.end for t in an.tokens}
        self.place = [False] * len(an.cleaned)
        self.loc = [False] * len(an.cleaned)
        self.place_end = [0] * len(an.cleaned)
        for t in an.tokens:
            if t.tag in PLACE_TAGS:
                for i in range(t.start, t.end):
                    self.place[i] = True
                    self.loc[i] = t.tag == "LOC"
                    self.place_end[i] = t.end

    def in_place(self, start: int, end: int, loc_only: bool = False) -> bool:
        return all((self.loc if loc_only else self.place)[start:end])

    def start_ok(self, i: int, chain_end: int) -> bool:
        return not self.enabled or i in self.starts or (i == chain_end and self.place[i])

    def end_ok(self, start: int, end: int) -> bool:
        if not self.enabled or end in self.ends:
            return True
        # ends inside a place word that began at or before the name: 咸阳市|上大学, 汉中|勉县
        return self.place[end - 1] and self.place_end[end - 1] > end


def _accept(text: str, start: int, end: int, info, words: _Words, chain_end: int) -> bool:
    kind, _, divisions, short = info
    if not words.start_ok(start, chain_end) or not words.end_ok(start, end):
        return False
    after = text[end:end + 4]
    if short and _ROAD_AFTER.match(after):
        return False
    if kind != _OUTSIDE_KIND:
        return True
    if short and _ESTATE_AFTER.match(after):
        return False
    if not short:
        return True
    if words.trust:
        return True
    if words.enabled:
        # a county's short name inside an organisation's name is too weak (平安康复 tagged ORG)
        big = any(d.level in ("province", "city") for d in divisions)
        return words.in_place(start, end, loc_only=not big) or start == chain_end
    # without LAC only provinces' short names are trusted (北京, 河南; not 安康 in 平安康复)
    return any(d.level == "province" for d in divisions)


def _scan(text: str, words: _Words) -> List[_Hit]:
    hits: List[_Hit] = []
    longest = max(gazetteer.max_name_length(), max(map(len, _served()), default=2))
    i, chain_end, size = 0, -1, len(text)
    while i < size:
        hit = None
        for length in range(min(longest, size - i), 1, -1):
            name = text[i:i + length]
            info = _classify(name)
            if info is not None and _accept(text, i, i + length, info, words, chain_end):
                hit = _Hit(name, i, i + length, info[0], info[1], info[2], info[3])
                break
        if hit is None:
            i += 1
            continue
        if hit.kind == _OUTSIDE_KIND:
            zone = _ZONE_AFTER.match(text[hit.end:])
            if zone and any(d.level == "city" for d in hit.divisions):
                hit = _Hit(text[hit.start:hit.end + zone.end()], hit.start, hit.end + zone.end(), hit.kind,
                           None, tuple(d for d in hit.divisions if d.level == "city"), False, zone.group(0).lstrip("市"))
        hits.append(hit)
        i = chain_end = hit.end
    return hits


def _chains(hits: Sequence[_Hit]) -> List[List[_Hit]]:
    chains: List[List[_Hit]] = []
    for hit in hits:
        if chains and chains[-1][-1].end == hit.start:
            chains[-1].append(hit)
        else:
            chains.append([hit])
    return chains


def _resolve(chain: Sequence[_Hit]) -> Optional[Division]:
    """The most specific division a chain of outside names denotes (context resolves ambiguity)."""
    best: Optional[Division] = None
    for hit in chain:
        if hit.kind != _OUTSIDE_KIND:
            continue
        candidates = list(hit.divisions)
        if best is not None:
            inside = [d for d in candidates if d.province == best.province and (best.city is None or d.city == best.city)]
            candidates = inside or candidates
        candidates.sort(key=lambda d: (d.province != SHAANXI, d.alias, _LEVELS.index(d.level), d.code))
        if candidates:
            best = candidates[0]
    return best


_LEVELS = ("province", "city", "county")
# what people in Shaanxi call the provincial capital; same length, so offsets stay right
_COLLOQUIAL_NAMES = {"省城": "西安"}
_COLLOQUIAL = re.compile("|".join(_COLLOQUIAL_NAMES))


@lru_cache(maxsize=512)
def _mentions(text: str) -> Tuple[Analysis, Tuple[Tuple[_Hit, ...], ...]]:
    """LAC's analysis of ``text`` and its place names grouped into places (cached: the NLU
    component asks for the district and the other region of the same message)."""
    an = analysis(_COLLOQUIAL.sub(lambda m: _COLLOQUIAL_NAMES[m.group(0)], text))
    return an, tuple(tuple(chain) for chain in _chains(_scan(an.cleaned, _Words(an))))


def _public(an: Analysis, hit: _Hit, name: Optional[str] = None, start: Optional[int] = None) -> PlaceMention:
    s, e = an.original_span(hit.start if start is None else start, hit.end)
    return PlaceMention(name or hit.name, s, e, hit.kind, hit.district, hit.divisions)


# --------------------------------------------------------------------------- served
_PREFIX_RE = re.compile(r"^(?:中国)?(?:陕西省|陕西)?(?:商洛市|商洛)?")
_SUFFIX_RE = re.compile(r"(?:那边|这边|那里|这里|那块|这块|那儿|这儿|一带|附近|的|啊|呀|吧|呢|哈|嘛|了)+$")


def normalize_district(text: str) -> Optional[str]:
    """Canonical district when ``text`` is just a district name (or a known town), else None.

    >>> normalize_district("商州")
    '商州区'
    >>> normalize_district("陕西省商洛市镇安县")
    '镇安县'
    """
    if not text or not isinstance(text, str):
        return None
    clean = compact(text)
    if not clean:
        return None
    served = _served()
    for candidate in (clean, _SUFFIX_RE.sub("", clean), _SUFFIX_RE.sub("", _PREFIX_RE.sub("", clean))):
        if candidate in served:
            return served[candidate]
    # the canonical high-tech name with its bracket removed
    if clean in ("商洛高新区商丹园区", "高新区商丹园区"):
        return HIGH_TECH
    return None


def district_mention(text: str) -> Optional[PlaceMention]:
    """The first served district (or town of one) named in ``text``, with its offsets."""
    if not text or not isinstance(text, str):
        return None
    an, chains = _mentions(text)
    for chain in chains:
        for hit in chain:
            if hit.kind == _SERVED_KIND and hit.district:
                return _public(an, hit)
    return None


def find_district(text: str) -> Optional[str]:
    """First served district (canonical) named in free text, else None.

    >>> find_district("商州区城关街道幸福路12号")
    '商州区'
    >>> find_district("富水路南段") is None
    True
    """
    mention = district_mention(text)
    return mention.district if mention else None


def find_town(text: str, district: Optional[str] = None) -> Optional[str]:
    """The first town or street office of 商洛 named in ``text`` (as written), optionally
    only one of ``district``; a bare county name is no town.

    >>> find_town("我是丹凤县棣花镇的，我们村的漫水桥冲坏了", "丹凤县")
    '棣花镇'
    """
    if not text or not isinstance(text, str):
        return None
    an, chains = _mentions(text)
    for chain in chains:
        for hit in chain:
            if hit.kind != _SERVED_KIND or not hit.district or (district and hit.district != district):
                continue
            if hit.name in DISTRICT_ALIASES or hit.name == HIGH_TECH:
                continue  # the county itself
            return _public(an, hit).name
    return None


# --------------------------------------------------------------------------- other regions
_ORIGIN_BEFORE = re.compile(r"(?:从|自|由|打)$")
_TRAVEL_BEFORE = re.compile(r"(?:去|到|往|至|赴|飞|开往|发往|前往|通往|直达)$")
_ORIGIN_AFTER = re.compile(r"^(?:回来|过来|回到|回商洛|来商洛|到商洛|来的|回的|返回|返乡|方向|到|至|人(?!民|社|力|大|防|才|员))")


# a relative who lives, works or studies there: where they are, not where the matter is
# ("我儿子在西安打工，我们村的路坏了", "在西安上学的女儿"); the citizen's own work there
# ("我在西安打工，老板不给工资") stays the matter's place
_RELATIVE = r"(?:儿子|女儿|闺女|娃|孩子|小孩|老公|丈夫|媳妇|老婆|家人|亲戚|朋友|同学|老伴|孙子|孙女|父母|爸妈|我爸|我妈|哥|姐|弟|妹)"
_RELATIVE_BEFORE = re.compile(_RELATIVE + r"(?:都|也|现在|一直)?(?:在|去了?|到)$")
_STAY = r"(?:打工|上学|读书|念书|工作|上班|住院|看病|出差|旅游|当兵|带娃|住)"
_STAY_AFTER = re.compile(r"^" + _STAY)
_HERE = re.compile(r"我们村|我们小区|我们这|我们那|我们镇|我们县|我们家|我家|家里|屋里|村里|咱们|咱这|额们|俺们|本地|商洛|老家|"
                   r"额一个|我一个|俺一个|额屋|俺屋|额家|俺家|屋顶|房顶")
_RELATIVE_AFTER = re.compile(r"^" + _STAY + r"的" + _RELATIVE)


# "你们山阳这边能给额要回来不": the citizen addresses the hotline of that place; the matter may be elsewhere
# "…西安市长安区那个分店，不在商洛": a served place denied is not where the matter is
_NEGATED_BEFORE = re.compile(r"(?:不在|不是|不属于|并非|没在|不归)$")
# the hotline named by its city ("我能在咱商洛12345反映不"): whom the citizen writes to, not where
_HOTLINE_AFTER = re.compile(r"^(?:市)?(?:的)?(?:12345|一二三四五|热线|政务服务|便民热线|市民热线)")
_ADDRESSEE_BEFORE = re.compile(r"(?:你们|您们|你|您)$")
_ADDRESSEE_AFTER = re.compile(r"^(?:这边|这里|这块|那边)?(?:能|可以|管|给|帮|能不能|可不可以|有没有人)")
# where the citizen works or lives, not where the matter is: "我在商洛上班，我妈住在宝鸡市渭滨区…暖气不热"
_SELF_AT_BEFORE = re.compile(r"(?:我|额|俺)(?:们)?(?:现在|一直|平时)?(?:在|人在)$")
# where the citizen waits while the matter is elsewhere: "娃在汉中上学…额当家长的在商州干着急"
_SELF_WAITING_BEFORE = re.compile(r"(?:我|额|俺)(?:们)?[^，。！？,.!?\s]{0,5}?(?:在|人在)$")
_WAITING_AFTER = re.compile(r"^(?:干着急|着急|急得|等着|等消息|待着|呆着)")
# the citizen's home, where the matter is when they work elsewhere
_HOME = re.compile(r"老家|我家|家里|屋里|我们村|我们小区|额们村|俺们村|老屋")
# where the citizen has come back to, not where the matter is: "…包工头欠了工资跑了，我现在回洛南了"
_BACK_BEFORE = re.compile(r"(?:我|额|俺)(?:们)?(?:现在|已经|又|都)?(?:回|回到|回了|回来)$")
_BACK_AFTER = re.compile(r"^(?:了|咧|啦|来了|老家|住|待着|呆着|以后|之后|后)|^$|^[，。！？,.!?]")
# where the citizen is from, not where the matter is: "我是商州的，在西安住院…"
_SELF_BEFORE = re.compile(r"(?:我|额|俺)(?:们)?(?:的)?(?:是|老家是|老家在|家是|户口是|户口在|户籍是|户籍在|籍贯是)$")
_SELF_AFTER = re.compile(r"^(?:的|人)(?![\u4e00-\u9fff]{0,1}(?:小区|村|路|街|镇))")


def _is_travel(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 4):start]
    after = text[end:end + 4]
    if _ORIGIN_BEFORE.search(before) or _ORIGIN_AFTER.search(after):
        return True
    relative_there = (_RELATIVE_BEFORE.search(text[max(0, start - 8):start]) and _STAY_AFTER.search(after)) or \
        _RELATIVE_AFTER.search(text[end:end + 8])
    if relative_there and _HERE.search(text[end:]):
        return True  # …and the matter is here: "我们村的路", "家里水管"
    if _SELF_AT_BEFORE.search(text[max(0, start - 6):start]) and _STAY_AFTER.search(after) and _HOME.search(text[end:]):
        return True  # "我在西安上班，想替我老家的父亲反映个事": the matter is at home
    return bool(_TRAVEL_BEFORE.search(before) and after.startswith("的"))


def other_region_mention(text: str) -> Optional[PlaceMention]:
    """The place outside 商洛市 where ``text`` locates the matter, with its offsets, or None."""
    if not text or not isinstance(text, str):
        return None
    an, chains = _mentions(text)
    cleaned = an.cleaned
    for chain in chains:
        start, end = chain[0].start, chain[-1].end
        if any(h.kind in (_SERVED_KIND, _LOCAL_KIND) for h in chain) and not (
            _ORIGIN_AFTER.search(cleaned[end:end + 4]) or _ORIGIN_BEFORE.search(cleaned[max(0, start - 2):start])
            or (_SELF_BEFORE.search(cleaned[max(0, start - 5):start]) and _SELF_AFTER.search(cleaned[end:end + 2]))
            or (_ADDRESSEE_BEFORE.search(cleaned[max(0, start - 2):start]) and _ADDRESSEE_AFTER.search(cleaned[end:end + 6]))
            or (_SELF_AT_BEFORE.search(cleaned[max(0, start - 6):start]) and _STAY_AFTER.search(cleaned[end:end + 3]))
            or (_BACK_BEFORE.search(cleaned[max(0, start - 6):start]) and _BACK_AFTER.search(cleaned[end:end + 2]))
            or (_SELF_WAITING_BEFORE.search(cleaned[max(0, start - 10):start]) and _WAITING_AFTER.search(cleaned[end:end + 4]))
            or _HOTLINE_AFTER.search(cleaned[end:end + 8])
            or _NEGATED_BEFORE.search(cleaned[max(0, start - 3):start])
        ):
            return None  # a served or local place that is not only where someone comes from
    for chain in chains:
        outside = [i for i, h in enumerate(chain) if h.kind == _OUTSIDE_KIND]
        if not outside or any(h.kind in (_SERVED_KIND, _LOCAL_KIND) for h in chain):
            continue
        first = chain[outside[0]]
        start, end = first.start, chain[-1].end
        if _is_travel(cleaned, chain[0].start, end):
            continue
        division = _resolve(chain)
        hit = _Hit(cleaned[start:end], start, end, _OUTSIDE_KIND, None, (division,) if division else (), False)
        return _public(an, hit)
    return None


def find_other_region(text: str) -> Optional[str]:
    """Place name (as written) when the matter is located outside Shangluo, else None.

    >>> find_other_region("郑州市惠济区有个厂子拖欠工资")
    '郑州市惠济区'
    >>> find_other_region("我刚从西安回来，小区门口的路灯坏了") is None
    True
    """
    mention = other_region_mention(text)
    return mention.name if mention else None


def region_info(place: Optional[str]) -> Optional[Tuple[str, Optional[str], str]]:
    """``(province, city, display)`` for a place outside Shangluo (a name returned above).

    ``province`` is the full name (陕西省, 河南省, 北京市 …); ``city`` the full city name or
    None for a bare province; ``display`` a natural way to name the place (西安市雁塔区,
    河南省郑州市惠济区).  Served or unknown names → None.
    """
    if not place or not isinstance(place, str):
        return None
    text = compact(place)
    hits = _scan(text, _Words(Analysis(text, text, tuple(range(len(text))), ()), trust=True))
    if not hits or any(h.kind in (_SERVED_KIND, _LOCAL_KIND) for h in hits):
        return None
    division = _resolve(hits)
    if division is None:
        return None
    zone = hits[-1].zone
    county = division.county or ""
    city = division.city
    if division.province == SHAANXI:
        display = (city or "") + county + zone or division.province
    else:
        display = division.province + (city if city and city != division.province else "") + county + zone
    return division.province, city, display

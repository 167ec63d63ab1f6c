"""County-level units served by the Shangluo 12345 hotline, and other regions.

* ``SERVED_DISTRICTS`` – the eight canonical names used by the order gateway.
* ``normalize_district(text)`` – the text *is* a district name (alias, with or without
  商洛市 / 陕西省 prefix, spaces, full-width, 那边/这边 …) → canonical name or None.
* ``find_district(text)`` – first served district mentioned anywhere in free text
  (county aliases and a conservative list of towns / streets) → canonical or None.
* ``find_other_region(text)`` – the place name when the text locates the matter in
  another city or province; None otherwise.
* ``region_info(place)`` – (province, city, display name) for a place returned above.

How mentions are found: one alternation of every known name (served aliases, towns,
neutral names such as 商洛 / 陕西, other regions), longest name first, scanned left to
right without overlaps.  That makes 丹凤县 win over 凤县 (宝鸡), 上海南站 read as 上海,
and 西安高新区 read as 西安 rather than our 高新区.  Short or ambiguous names carry
guards (look-arounds) below.

How ``find_other_region`` decides that the matter is *there* (kept simple on purpose):

1. a mention is ignored when it is only a travel origin / destination or a person's
   origin: preceded by 从/自/由, followed by 回来/过来/来的/回商洛/到/至/方向/人(not 人民…),
   or preceded by 去/到/往/至/赴/飞 *and* followed by 的 (去西安的班车);
2. if no served district (or 商洛 itself) is mentioned, the first remaining other-region
   mention is returned;
3. if a served place is mentioned too, the other region is returned only when it is
   explicitly locative (在/位于/地处 right before it) and no served place is (for a
   served place 老家/家住/我们… also count).  When both or neither are locative the
   answer is None: the dialogue asks for the district and a person can redirect.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from bot.screening.normalize import compact, normalize

__all__ = [
    "SERVED_DISTRICTS",
    "DISTRICT_ALIASES",
    "TOWN_TO_DISTRICT",
    "normalize_district",
    "find_district",
    "find_other_region",
    "region_info",
]

SHANGZHOU = "商州区"
LUONAN = "洛南县"
DANFENG = "丹凤县"
SHANGNAN = "商南县"
SHANYANG = "山阳县"
ZHEN_AN = "镇安县"
ZHASHUI = "柞水县"
HIGH_TECH = "商洛高新区（商丹园区）"

SERVED_DISTRICTS: Tuple[str, ...] = (SHANGZHOU, LUONAN, DANFENG, SHANGNAN, SHANYANG, ZHEN_AN, ZHASHUI, HIGH_TECH)

# alias → canonical.  Regex guards for ambiguous short aliases live in _GUARDS.
DISTRICT_ALIASES: Dict[str, str] = {
    "商州区": SHANGZHOU, "商州": SHANGZHOU,
    "洛南县": LUONAN, "洛南": LUONAN,
    "丹凤县": DANFENG, "丹凤": DANFENG,
    "商南县": SHANGNAN, "商南": SHANGNAN,
    "山阳县": SHANYANG, "山阳": SHANYANG,
    "镇安县": ZHEN_AN, "镇安": ZHEN_AN,
    "柞水县": ZHASHUI, "柞水": ZHASHUI,
    "商洛高新区（商丹园区）": HIGH_TECH, "商洛高新区商丹园区": HIGH_TECH, "商洛高新区(商丹园区)": HIGH_TECH,
    "商洛高新技术产业开发区": HIGH_TECH, "商洛高新区": HIGH_TECH, "商洛高新": HIGH_TECH,
    "商丹循环工业经济园区": HIGH_TECH, "商丹循环工业园区": HIGH_TECH, "商丹园区": HIGH_TECH, "商丹": HIGH_TECH,
    "高新区": HIGH_TECH,
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
}

# Names that are local but not a single district (they stop other names from matching
# inside them, e.g. 陕西宁强 must not yield 西宁).
_NEUTRAL = ("陕西省", "陕西", "商洛市", "商洛", "本市", "市区", "城关街道", "城关镇")

# --------------------------------------------------------------------------- other regions
SHAANXI = "陕西省"

# Other Shaanxi cities → display name
_SHAANXI_CITIES: Dict[str, str] = {
    "西安": "西安市", "宝鸡": "宝鸡市", "咸阳": "咸阳市", "铜川": "铜川市", "渭南": "渭南市",
    "延安": "延安市", "汉中": "汉中市", "榆林": "榆林市", "安康": "安康市", "杨凌": "杨凌示范区",
    "西咸新区": "西咸新区",
}
# Well-known districts / counties of the other Shaanxi cities → city key above
_SHAANXI_COUNTIES: Dict[str, str] = {
    **{n: "西安" for n in ("雁塔区", "大雁塔", "小雁塔", "碑林区", "莲湖区", "未央区", "灞桥区", "长安区", "临潼区", "临潼",
                           "阎良区", "阎良", "高陵区", "鄠邑区", "户县", "蓝田县", "蓝田", "周至县", "周至", "曲江新区", "浐灞", "新城区")},
    **{n: "宝鸡" for n in ("渭滨区", "金台区", "陈仓区", "凤翔区", "凤翔", "岐山县", "岐山", "扶风县", "扶风", "眉县", "陇县",
                           "千阳县", "麟游县", "凤县", "太白县")},
    **{n: "咸阳" for n in ("秦都区", "渭城区", "兴平市", "兴平", "彬州市", "彬州", "三原县", "三原", "泾阳县", "泾阳", "乾县",
                           "礼泉县", "礼泉", "永寿县", "长武县", "旬邑县", "旬邑", "淳化县", "武功县")},
    **{n: "铜川" for n in ("王益区", "印台区", "耀州区", "耀州", "宜君县")},
    **{n: "渭南" for n in ("临渭区", "华州区", "华州", "华阴市", "华阴", "韩城市", "韩城", "潼关县", "潼关", "大荔县", "大荔",
                           "蒲城县", "蒲城", "澄城县", "白水县", "合阳县", "合阳", "富平县", "富平")},
    **{n: "延安" for n in ("宝塔区", "安塞区", "安塞", "延长县", "延川县", "延川", "子长市", "志丹县", "志丹", "吴起县", "吴起",
                           "甘泉县", "富县", "洛川县", "洛川", "宜川县", "黄龙县", "黄陵县", "黄陵")},
    **{n: "汉中" for n in ("汉台区", "南郑区", "南郑", "城固县", "城固", "洋县", "西乡县", "勉县", "宁强县", "宁强", "略阳县",
                           "略阳", "镇巴县", "镇巴", "留坝县", "佛坪县")},
    **{n: "榆林" for n in ("榆阳区", "横山区", "神木市", "神木", "府谷县", "府谷", "靖边县", "靖边", "定边县", "定边", "绥德县",
                           "绥德", "米脂县", "米脂", "佳县", "吴堡县", "清涧县", "子洲县")},
    **{n: "安康" for n in ("汉滨区", "汉阴县", "汉阴", "石泉县", "宁陕县", "宁陕", "紫阳县", "岚皋县", "岚皋", "平利县", "镇坪县",
                           "旬阳市", "旬阳", "白河县")},
    **{n: "杨凌" for n in ("杨陵区", "杨凌示范区", "杨凌区")},
}

# Provinces / autonomous regions / municipalities (short → full)
_PROVINCES: Dict[str, str] = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市", "河北": "河北省", "山西": "山西省",
    "内蒙古": "内蒙古自治区", "辽宁": "辽宁省", "吉林省": "吉林省", "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省",
    "安徽": "安徽省", "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省", "湖北": "湖北省",
    "湖南": "湖南省", "广东": "广东省", "广西": "广西壮族自治区", "海南": "海南省", "四川": "四川省", "贵州": "贵州省",
    "云南": "云南省", "西藏": "西藏自治区", "甘肃": "甘肃省", "青海": "青海省", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区", "台湾": "台湾省",
}
# Major or neighbouring cities outside Shaanxi → province key above
_OTHER_CITIES: Dict[str, str] = {
    **{n: "河南" for n in ("郑州", "洛阳", "南阳", "三门峡", "卢氏县", "卢氏", "灵宝", "西峡", "淅川", "新乡", "安阳", "许昌",
                           "信阳", "周口", "商丘", "驻马店", "平顶山", "焦作", "山阳区")},
    **{n: "湖北" for n in ("武汉", "十堰", "郧西", "郧阳", "竹山", "竹溪", "襄阳", "宜昌", "荆州", "黄石", "孝感")},
    **{n: "四川" for n in ("成都", "绵阳", "宜宾", "南充", "达州", "广元", "泸州")},
    **{n: "甘肃" for n in ("兰州", "天水", "庆阳", "平凉", "陇南", "敦煌", "酒泉", "嘉峪关")},
    **{n: "山西" for n in ("太原", "运城", "临汾", "晋城", "长治")},
    **{n: "河北" for n in ("石家庄", "保定", "邯郸", "唐山", "廊坊", "沧州")},
    **{n: "山东" for n in ("济南", "青岛", "烟台", "潍坊", "临沂", "淄博")},
    **{n: "江苏" for n in ("南京", "苏州", "无锡", "常州", "徐州", "扬州", "南通")},
    **{n: "浙江" for n in ("杭州", "宁波", "温州", "绍兴", "嘉兴", "台州", "义乌")},
    **{n: "广东" for n in ("广州", "深圳", "东莞", "佛山", "珠海", "汕头", "惠州")},
    **{n: "福建" for n in ("福州", "厦门", "泉州", "漳州")},
    **{n: "安徽" for n in ("合肥", "芜湖", "蚌埠")},
    **{n: "江西" for n in ("南昌", "九江", "赣州")},
    **{n: "湖南" for n in ("长沙", "株洲", "岳阳", "常德", "衡阳")},
    **{n: "贵州" for n in ("贵阳", "遵义")},
    **{n: "云南" for n in ("昆明", "丽江", "西双版纳")},
    **{n: "广西" for n in ("南宁", "桂林", "柳州")},
    **{n: "海南" for n in ("海口", "三亚")},
    **{n: "宁夏" for n in ("银川",)},
    **{n: "青海" for n in ("西宁", "格尔木")},
    **{n: "新疆" for n in ("乌鲁木齐", "喀什", "伊犁")},
    **{n: "西藏" for n in ("拉萨",)},
    **{n: "内蒙古" for n in ("呼和浩特", "鄂尔多斯")},
    **{n: "辽宁" for n in ("沈阳", "大连")},
    **{n: "吉林省" for n in ("长春", "吉林市")},
    **{n: "黑龙江" for n in ("哈尔滨",)},
}

_CITY_FULL_NAMES: Dict[str, str] = {
    "卢氏": "卢氏县", "西峡": "西峡县", "淅川": "淅川县", "郧西": "郧西县", "竹山": "竹山县", "竹溪": "竹溪县",
    "郧阳": "郧阳区", "西双版纳": "西双版纳傣族自治州", "伊犁": "伊犁哈萨克自治州", "喀什": "喀什地区",
}

# Look-around guards for names that are also ordinary words or parts of other names.
_GUARDS: Dict[str, Tuple[str, str]] = {
    # name: (negative look-behind alternatives, negative look-ahead alternatives)
    "山阳": ("", "区|光|坡|面"),
    "镇安": ("乡|城|村|集|小|该|本|各|全|市", "全|排|置|装|静|定|监|保|顿|稳|居|心|康"),
    "商丹": ("", ""),
    "高新区": ("", ""),
    "安康": ("平|健|祝|福|您|体|泰|寿", "码|吉|快|幸|长寿"),
    "福建": ("幸", "设"),
    "河南": ("洛|黄|渭|丹", "岸|边|面|侧"),
    "河北": ("洛|黄|渭|丹", "岸|边|面|侧"),
    "湖南": ("", "岸|边|面|侧"),
    "江西": ("浙", "路|街"),
    "西藏": ("东", ""),
    "山西": ("", "路|街"),
    "广西": ("", "路|街"),
    "海南": ("上", "路|街"),
    "江苏": ("", "路|街"),
    "吉林市": ("", ""),
    "眉县": ("", ""),
    "洋县": ("海", ""),
    "富县": ("首|致", ""),
    "佳县": ("", ""),
    "宁强": ("安|康|平", ""),
    "长春": ("", "路|街|藤|花"),
    "西宁": ("", "路|街"),
    "北京": ("", "路|街|烤鸭|时间"),
    "上海": ("", "路|街"),
    "天津": ("", "路|街"),
    "南京": ("", "路|街"),
    "南宁": ("", "路|街"),
    "成都": ("", "路|街"),
    "延安": ("", "路|街"),
    "汉中": ("", "路|街"),
    "蓝田": ("", "玉"),
    "三原": ("", "色|则"),
    "定边": ("", ""),
    "神木": ("", "林"),
    "合阳": ("", ""),
}


@dataclass(frozen=True)
class _Place:
    name: str
    kind: str  # "served" | "neutral" | "other"
    canonical: Optional[str] = None  # served: canonical district
    province: Optional[str] = None  # other: full province name
    city: Optional[str] = None  # other: display city (full) or None
    display: Optional[str] = None  # other: how to name it in a reply


def _build_places() -> Dict[str, _Place]:
    places: Dict[str, _Place] = {}

    def add(place: _Place) -> None:
        places.setdefault(place.name, place)

    for alias, canon in DISTRICT_ALIASES.items():
        add(_Place(compact(alias) or alias, "served", canonical=canon))
    for town, canon in TOWN_TO_DISTRICT.items():
        add(_Place(town, "served", canonical=canon))
    for name in _NEUTRAL:
        add(_Place(name, "neutral"))
    for key, full in _SHAANXI_CITIES.items():
        for name in {key, full}:
            add(_Place(name, "other", province=SHAANXI, city=full, display=full))
        # 西安高新区 / 西安市高新区 / 宝鸡高新 … are not ours
        for suffix in ("高新区", "市高新区", "高新", "经开区", "经济技术开发区"):
            add(_Place(key + suffix, "other", province=SHAANXI, city=full, display=full + suffix.lstrip("市")))
    for name, city_key in _SHAANXI_COUNTIES.items():
        city = _SHAANXI_CITIES[city_key]
        display = name if name.startswith(city_key) else city + name
        add(_Place(name, "other", province=SHAANXI, city=city, display=display))
    for key, full in _PROVINCES.items():
        for name in {key, full}:
            add(_Place(name, "other", province=full, city=None, display=full))
    for name, prov_key in _OTHER_CITIES.items():
        province = _PROVINCES[prov_key]
        city = _CITY_FULL_NAMES.get(name) or (name if name.endswith(("市", "县", "区")) else name + "市")
        display = prov_key.rstrip("省") + city
        add(_Place(name, "other", province=province, city=city, display=display))
        if not name.endswith(("市", "县", "区")):
            add(_Place(city, "other", province=province, city=city, display=display))
    return places


_PLACES = _build_places()


def _alternative(name: str) -> str:
    behind, ahead = _GUARDS.get(name, ("", ""))
    pattern = re.escape(name)
    if behind:
        pattern = "".join(f"(?<!{b})" for b in behind.split("|")) + pattern
    if ahead:
        pattern += f"(?!{ahead})"
    return pattern


_SCAN_RE = re.compile("|".join(_alternative(n) for n in sorted(_PLACES, key=len, reverse=True)))


@dataclass(frozen=True)
class _Mention:
    place: _Place
    start: int
    end: int


def _mentions(norm: str) -> List[_Mention]:
    return [_Mention(_PLACES[m.group(0)], m.start(), m.end()) for m in _SCAN_RE.finditer(norm)]


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
    for candidate in (clean, _SUFFIX_RE.sub("", clean), _SUFFIX_RE.sub("", _PREFIX_RE.sub("", clean))):
        place = _PLACES.get(candidate)
        if place is not None and place.kind == "served":
            return place.canonical
    # the canonical high-tech name with its bracket removed
    if clean in ("商洛高新区商丹园区", "高新区商丹园区"):
        return HIGH_TECH
    return None


def find_district(text: str) -> Optional[str]:
    """First served district (canonical) mentioned in free text, else None."""
    if not text or not isinstance(text, str):
        return None
    for mention in _mentions(normalize(text)):
        if mention.place.kind == "served":
            return mention.place.canonical
    return None


# --------------------------------------------------------------------------- other regions
_ORIGIN_BEFORE = re.compile(r"(?:从|自|由|打)$")
_TRAVEL_BEFORE = re.compile(r"(?:去|到|往|至|赴|飞|开往|发往|前往|通往|直达)$")
_ORIGIN_AFTER = re.compile(r"^(?:回来|过来|回到|回商洛|来商洛|到商洛|来的|回的|返回|返乡|方向|到|至|人(?!民|社|力|大|防|才|员))")
_LOCATIVE_BEFORE = re.compile(r"(?:在|位于|地处|是在|住在)$")
# a served place counts as "where the matter is" also after 老家 / 家住 / 我们 …
_LOCAL_LOCATIVE_BEFORE = re.compile(r"(?:在|位于|地处|是在|住在|老家是?|家在|家住|我们|咱们|俺们|我家|本地|我是)$")


def _is_travel_mention(norm: str, m: _Mention) -> bool:
    before = norm[max(0, m.start - 4):m.start]
    after = norm[m.end:m.end + 4]
    if _ORIGIN_BEFORE.search(before) or _ORIGIN_AFTER.search(after):
        return True
    return bool(_TRAVEL_BEFORE.search(before) and after.startswith("的"))


def _is_locative(norm: str, m: _Mention, rx: "re.Pattern[str]" = _LOCATIVE_BEFORE) -> bool:
    return bool(rx.search(norm[max(0, m.start - 3):m.start]))


def find_other_region(text: str) -> Optional[str]:
    """Place name (as mentioned) when the matter is located outside Shangluo, else None.

    >>> find_other_region("西安市雁塔区的房子漏水")
    '西安市'
    >>> find_other_region("我刚从西安回来，小区门口的路灯坏了") is None
    True
    """
    if not text or not isinstance(text, str):
        return None
    norm = normalize(text)
    mentions = _mentions(norm)
    local = [m for m in mentions if m.place.kind in ("served", "neutral") and m.place.name not in ("陕西省", "陕西")
             and not _ORIGIN_AFTER.search(norm[m.end:m.end + 4])]
    others = [m for m in mentions if m.place.kind == "other" and not _is_travel_mention(norm, m)]
    if not others:
        return None
    if not local:
        return others[0].place.name
    if any(_is_locative(norm, m, _LOCAL_LOCATIVE_BEFORE) for m in local):
        return None
    for m in others:
        if _is_locative(norm, m):
            return m.place.name
    return None


def region_info(place: Optional[str]) -> Optional[Tuple[str, Optional[str], str]]:
    """``(province, city, display)`` for a name returned by :func:`find_other_region`.

    ``province`` is the full name (陕西省, 河南省, 北京市 …); ``city`` the full city name
    or None for a bare province; ``display`` a natural way to name the place.
    Unknown names → None.
    """
    if not place:
        return None
    info = _PLACES.get(place) or _PLACES.get(compact(place))
    if info is None or info.kind != "other":
        return None
    return info.province or "", info.city, info.display or place

"""Institutions named as landmarks of an address (法院旁边, 消防支队对面, 部队家属院).

Citizens locate their matter by what stands nearby: ``北新街消防支队对面的小区停水了``
is about water, not the fire brigade; ``城关街道检察院后面的锦江花园小区`` is an address,
not a matter for the procuratorate.  Screening that looks for institution words (fire,
police, court, military …) must not read these as the matter.

* :func:`landmark_spans(text)` – ``[(start, end), …]`` of every institution word used as a
  landmark, together with its position word: an institution word (法院, 检察院, 消防支队,
  部队, 武警, 派出所, 公安局, 纪委, 信访局, 医院, 饭店 …) followed by a position word
  (对面, 旁边, 后面, 隔壁, 附近, 门口, 楼下, 往东 …, optionally after 的; 那边/这边/一带
  only after a locative verb: 住在法院那边, not 法院那边说不管), or by a
  place word that makes it part of a place name (家属院, 家属楼, 宿舍, 小区, 路, 巷 …), or
  preceded by a position word (斜对面的消防队, 旁边那个派出所).
* :func:`without_landmarks(text)` – the text with those spans blanked by spaces: same
  length, so offsets found in it are offsets in ``text``.

Word lists, not syntax: an institution word with no position or place word next to it is
never a landmark (``法院判了不执行`` stays a court matter).
"""
from __future__ import annotations

import re
from typing import List, Tuple

__all__ = ["INSTITUTIONS", "POSITIONS", "WEAK_POSITIONS", "landmark_spans", "without_landmarks"]

# longest first inside the alternation, so 消防支队 wins over 消防
INSTITUTIONS: Tuple[str, ...] = (
    "人民法院", "中级人民法院", "法院", "法庭", "人民检察院", "检察院",
    "消防救援支队", "消防救援大队", "消防支队", "消防大队", "消防中队", "消防队", "消防站", "消防",
    "武警支队", "武警中队", "武警医院", "武警", "部队营区", "部队", "营区", "军分区", "人武部", "军营", "营房",
    "派出所", "公安局", "公安分局", "交警大队", "交警队", "交警", "看守所", "监狱",
    "纪委", "监委", "纪委监委", "信访局", "信访办", "仲裁委", "司法局",
    "人民医院", "中心医院", "中医院", "医院", "卫生院", "卫生室", "诊所", "急救中心",
    "饭店", "酒店", "宾馆", "政府", "街道办", "居委会", "村委会", "学校", "中学", "小学", "幼儿园",
    "银行", "邮局", "税务局", "车站", "汽车站", "火车站", "加油站", "超市", "市场",
)

POSITIONS: Tuple[str, ...] = (
    "斜对面", "正对面", "对面", "对过", "旁边", "边上", "隔壁", "附近", "周边", "周围",
    "后面", "后边", "后头", "背后", "前面", "前边", "门口", "门前", "大门口", "大门", "楼下",
    "东边", "西边", "南边", "北边", "东面", "西面", "南面", "北面", "东侧", "西侧", "南侧", "北侧",
    "往东", "往西", "往南", "往北", "向东", "向西", "向南", "向北",
    "后墙外", "后墙", "院墙外", "围墙外", "墙外", "外头", "外面", "外边", "墙根",
)
# 法院那边 is often the court itself (法院那边说不归他们管): these count only after a
# locative verb (住在法院那边, 在医院这边的巷子里)
WEAK_POSITIONS: Tuple[str, ...] = ("那边", "这边", "那块", "那一块", "一带", "跟前")
_LOCATIVE_BEFORE = re.compile(r"(?:在|住|到|去|靠|挨着|离)[^，。！？,.!?]{0,8}$")

# words after which the institution is part of a place name
_PLACE_WORDS: Tuple[str, ...] = (
    "家属院", "家属楼", "家属区", "宿舍楼", "宿舍", "大院", "小区", "十字", "路口", "公交站", "站牌",
    "东路", "西路", "南路", "北路", "中路", "东街", "西街", "南街", "北街", "巷", "坡", "广场",
)
# 路 / 街 alone only as a name (法院路, 医院街), not 去医院路上
_ROAD = r"(?:路|街)(?![上过边])"


def _alternation(words: Tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_INSTITUTION = _alternation(INSTITUTIONS)
_AFTER = re.compile(
    rf"(?:{_INSTITUTION})(?:的)?(?:{_alternation(POSITIONS)})|(?:{_INSTITUTION})(?:{_alternation(_PLACE_WORDS)}|{_ROAD})"
)
_WEAK_AFTER = re.compile(rf"(?:{_INSTITUTION})(?:的)?(?:{_alternation(WEAK_POSITIONS)})")
_BEFORE = re.compile(rf"(?:{_alternation(POSITIONS)})(?:的|那个|那家|那|这个|这家)?(?:{_INSTITUTION})")


# place names that carry an institution word: 山阳县法官镇, 法官庙村, 营房沟村
_PLACE_NAME = re.compile(
    r"(?:法官|法院|法庭|部队|军营|营房|武警|检察|消防|公安)[庙沟湾坪岭河口寨坡园台坝梁]?(?:镇|乡|村|街道|社区)"
)


def landmark_spans(text: str) -> List[Tuple[int, int]]:
    """Sorted, non-overlapping ``(start, end)`` of institutions used as landmarks in ``text``."""
    if not text or not isinstance(text, str):
        return []
    spans = [m.span() for m in _AFTER.finditer(text)] + [m.span() for m in _BEFORE.finditer(text)]
    spans += [m.span() for m in _PLACE_NAME.finditer(text)]
    spans += [m.span() for m in _WEAK_AFTER.finditer(text) if _LOCATIVE_BEFORE.search(text[max(0, m.start() - 10):m.start()])]
    merged: List[Tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def without_landmarks(text: str) -> str:
    """``text`` with every landmark span replaced by spaces (same length)."""
    if not text or not isinstance(text, str):
        return text or ""
    chars = list(text)
    for start, end in landmark_spans(text):
        chars[start:end] = " " * (end - start)
    return "".join(chars)

"""When the matter happened, in the citizen's words, parsed with jionlp.

* :func:`parse_time(text, now=None)` – the first real time mention → :class:`TimeMention`
  or None.  ``words`` are the citizen's words (``前天下午``, ``昨天晚上八点多``, ``这两天``),
  ``start``/``end`` their offsets, ``normalized`` an ISO 8601 date or interval, ``kind`` and
  ``in_future``.
* :func:`find_times(text, now=None)` – every real time mention, in order.

Mentions come from ``jionlp.ner.extract_time`` (with ``time_base=now``) on the text as LAC
sees it (full-width folded, traditional → simplified); a few everyday words jionlp does not
know are added (这两天/这几天, 前几天, 刚才, 最近, 一直 …).  Not times: house and building
numbers (``幸福路12号``, ``12号楼``, ``3单元``), temperatures and amounts (``十几度``),
numbers inside place names (``五一路``, ``八一村``: LAC's LOC/ORG words), ordinals
(``第一时间``), idioms (``三天两头``, ``一天到晚``) and deadlines (``三个工作日``).

``normalized`` by ``kind``:

* ``point`` / ``span``: ``2026-11-30`` (one whole day), ``2026-11-07/2026-02-02`` (whole
  days) or ``2026-11-30T13:00/2026-11-30T17:59``; an open end is ``..`` (``春节前``).
* ``duration`` (``两天``, ``半年``, ``这两天``): the days from then until now,
  ``2026-11-30/2026-12-02``, or from now on when it is a deadline (``两天内``).
* ``period`` (``每天晚上``): ``R/<first occurrence>/<ISO duration>``,
  e.g. ``R/2026-12-02T18:00/2026-12-02T23:59/P1D``.
* ``vague`` (``一直``, ``最近``, ``经常``): None – the words are all there is.

``in_future`` is true when the mention starts after ``now`` or runs from now on (明天,
下周一, 两天内, a bare ``12号`` later this month: jionlp reads day numbers as this month's).  ``now`` is a naive local datetime
(default: the machine's local time); pass Shangluo's local time on a server in another zone.
jionlp loads its time tables on the first call (about 0.1 s); later calls take well under 1 ms.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from bot.screening.jio import jionlp
from bot.screening.lexical import PLACE_TAGS, Analysis, analysis

logger = logging.getLogger(__name__)

__all__ = ["TimeMention", "parse_time", "find_times", "specific_time"]


@dataclass(frozen=True)
class TimeMention:
    """A time in a text (see the module docstring for ``normalized`` and ``kind``)."""

    words: str
    start: int
    end: int
    normalized: Optional[str]
    kind: str  # point | span | duration | period | vague
    in_future: bool


# words jionlp does not parse: (pattern, kind, days back from, days back to); None = vague
_EXTRA: Tuple[Tuple[str, str, Optional[Tuple[int, int]]], ...] = (
    (r"(?:这|近|最近)(?:两|几|一两|两三|三四)天", "span", (3, 0)),
    (r"前(?:两|几|一两|两三)天", "span", (4, 1)),
    (r"刚才|刚刚|方才", "point", (0, 0)),
    # how many days, roughly (大概四五天了): jionlp reads none of these
    *((rf"(?<![这近前最]){words}天(?![内后以之])", "duration", (days, 0)) for words, days in (
        ("一两", 2), ("两三", 3), ("三四", 4), ("四五", 5), ("五六", 6), ("六七", 7), ("七八", 8), ("八九", 9),
        ("十来", 12), ("十几", 19))),
    (r"最近|近期|近来|这段时间|这段日子|这阵子|这一阵子?|这些天|这些日子|前段时间|前一阵子?|前阵子", "vague", None),
    (r"一直以来|一直|长期|经常|总是|老是|天天|好久|很久|好长时间|多年|好多年|好几年|好几个月|好几天", "vague", None),
)
_EXTRA_RE = [(re.compile(p), kind, days) for p, kind, days in _EXTRA]
# whole months jionlp raises on (上个月, 这个月, 上上个月): months back from this one
_MONTH_WORDS = re.compile(r"(上上个?月|上一个月|上个?月|前个月|这个月|本月|当月)(?![0-9一二三四五六七八九十两]+[号日]|初|底|末|中旬|上旬|下旬)")
_MONTHS_BACK = {"上上个月": 2, "上上月": 2, "上一个月": 1, "上个月": 1, "上月": 1, "前个月": 1, "这个月": 0, "本月": 0, "当月": 0}

# not when something happened: money (一分都不退), an age (今年七十了), a promise
# (说好三天内上门), how long something is overdue (过期一个礼拜)
_MONEY_AFTER = re.compile(r"^(?:钱|都|也|不|没)")
_AGE_AFTER = re.compile(r"^(?:都|已经|就|才)?(?:[0-9]{1,3}|[一二三四五六七八九十百]{1,4})(?:多|来)?(?:岁|了|咧|啦)")
_OVERDUE_BEFORE = re.compile(r"(?:过期|超期|超时|逾期|晚了|迟了|延误|延期)$")
_PROMISE_BEFORE = re.compile(r"(?:说好|说是|说|承诺|保证|答应|约好|约定|要求|规定|应该|必须|得在)(?:的)?$")
_TIME_OF_DAY_ONLY = re.compile(r"^(?:每天|天天)?(?:早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|深夜|凌晨|白天|晚间|黑夜|后半夜)$")
_UNTIL_BEFORE = re.compile(r"(?:到|至|直到|截至|截止到?)$")
_DATED_LETTER = re.compile(r"^(?:19|20)\d{2}年\d{1,2}月\d{1,2}[日号]$")
_DAILY_AFTER_WEEK = re.compile(r"(星期|礼拜)天天")
_DAY_PART = re.compile(r"[天日号周星期礼拜月年昨今前后刚这上下]|[0-9]{1,2}[./-][0-9]{1,2}")
_YEAR_ONLY = re.compile(r"^(?:今年|去年|前年|今年以来)$")

_BUILDING_AFTER = re.compile(r"^(?:号)?(?:楼|栋|幢|单元|室|院|门|铺|房|层|车位|床|窗口|柜台|线|车|口|路|街|村|组|巷|厂)")
_PLACE_BEFORE = re.compile(r"(?:路|街|巷|道|村|组|楼|栋|幢|院|区|第|号)$")
_MEASURE_AFTER = re.compile(r"^(?:[0-9一二三四五六七八九十几]|度|℃|°|%|％|公里|公斤|米|元|块|岁|个(?!月|星期|礼拜|小时|钟头|工作日))")
_IDIOM_AFTER = re.compile(r"^(?:两头|到晚|到头|到黑|天天|半载)")
_NUMERIC_ONLY = re.compile(r"^[0-9一二三四五六七八九十两]+(?:号|日|点)?$")
_MONTH_ONLY = re.compile(r"^([0-9]{1,2}|[一二三四五六七八九十]{1,3})月$")
_EXTEND_BEFORE = re.compile(r"(?:这|近|最近|前|一|两|二|三|四|五|几)$")
_EXTEND_AFTER = re.compile(r"^(?:多|左右|许|前后|以前|之前|以后|之后|以来|那天|那会儿?|那阵子?|的时候)")
# a weekday without 上/这/下: citizens mean the last one when they tell what happened
_BARE_WEEKDAY = re.compile(r"^(?:周|星期|礼拜)[一二三四五六日天七1-7]")
_FUTURE_CUE = re.compile(r"下周|下个?星期|下个?礼拜|打算|准备|将要|计划|预约|约了|要去|要来|会来|到时候")
_YI_WORD_AFTER = frozenset("直下样般起共些点块边道")
# 一天停好几回, 一周来三次, 一个月来两次: how often, not when
_ONE_UNIT = re.compile(r"^(?:一|每)(?:天|日|周|星期|礼拜|个?月|年|晚上?|夜|上午|下午)(?:来|里|内|之内)?$")
_RATE_AFTER = re.compile(r"^[^，。！？,.!?；;]{0,5}?(?:好几|几|[0-9]+|[一二三四五六七八九十两]{1,3})(?:次|回|遍|趟|顿|下)")
_DEADLINE_AFTER = re.compile(r"^(?:内|之内|以内|后|之后|以后)")
_WEAK = frozenset({"现在", "目前", "当前", "如今", "至今", "今后", "以后", "当时", "那时", "此时", "这时", "到现在"})
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2}


def _fmt(start: str, end: str) -> str:
    """ISO 8601 for jionlp's ``YYYY-MM-DD HH:MM:SS`` bounds (``inf`` → an open end)."""
    if start == "-inf":
        return "../" + _fmt_one(end)
    if end == "inf":
        return _fmt_one(start) + "/.."
    if start.endswith("00:00:00") and end.endswith("23:59:59"):
        return start[:10] if start[:10] == end[:10] else f"{start[:10]}/{end[:10]}"
    return f"{_fmt_one(start)}/{_fmt_one(end)}"


def _fmt_one(value: str) -> str:
    return value[:10] + "T" + value[11:16]


def _days_of(delta: Dict[str, Any]) -> float:
    scale = {"year": 365, "month": 30, "week": 7, "day": 1, "workday": 1, "hour": 1 / 24, "minute": 1 / 1440}
    total = 0.0
    for key, value in (delta or {}).items():
        amount = max(value) if isinstance(value, (list, tuple)) else value
        try:
            total += float(amount) * scale.get(key, 0)
        except (TypeError, ValueError):
            continue
    return total


def _iso_duration(delta: Dict[str, Any]) -> str:
    days = _days_of(delta)
    return f"P{int(days)}D" if days >= 1 else f"PT{max(1, round(days * 24))}H"


def _month_number(words: str) -> Optional[int]:
    m = _MONTH_ONLY.match(words)
    if not m:
        return None
    raw = m.group(1)
    if raw.isdigit():
        value = int(raw)
    elif raw.startswith("十"):
        value = 10 + _CN_NUM.get(raw[1:], 0) if len(raw) > 1 else 10
    else:
        value = _CN_NUM.get(raw[0], 0) * (10 if raw[1:2] == "十" else 1) + (_CN_NUM.get(raw[2:], 0) if len(raw) > 2 else 0)
    return value if 1 <= value <= 12 else None


# a duration longer than this (a century) is a misreading, not a time the matter began
_MAX_DELTA_DAYS = 36500


def _normalize(detail: Dict[str, Any], words: str, after: str, now: datetime) -> Tuple[Optional[str], str, bool]:
    """(normalized, kind, in_future) from jionlp's parse."""
    kind = detail.get("type")
    value = detail.get("time")
    month = _month_number(words)
    if kind == "time_delta" and month is not None:  # 三月(份) is March, not three months
        year = now.year if month <= now.month else now.year - 1
        return f"{year:04d}-{month:02d}", "span", False
    if kind in ("time_point", "time_span") and isinstance(value, (list, tuple)) and len(value) == 2:
        start, end = str(value[0]), str(value[1])
        moment = now.strftime("%Y-%m-%d %H:%M:%S")
        # after now, or from now on (两天内, 三个工作日内): not when the matter happened
        future = start != "-inf" and (start > moment or (start == moment and end > moment))
        return _fmt(start, end), "point" if kind == "time_point" else "span", future
    if kind == "time_delta" and isinstance(value, dict):
        days = _days_of(value)
        if not 0 <= days <= _MAX_DELTA_DAYS:
            return None, "vague", False  # "前些年" read as thousands of years: no date to name
        if _DEADLINE_AFTER.match(after):
            return f"{now:%Y-%m-%d}/{now + timedelta(days=days):%Y-%m-%d}", "duration", True
        return f"{now - timedelta(days=days):%Y-%m-%d}/{now:%Y-%m-%d}", "duration", False
    if kind == "time_period" and isinstance(value, dict):
        point = (value.get("point") or {}).get("time")
        period = _iso_duration(value.get("delta") or {})
        if isinstance(point, (list, tuple)) and len(point) == 2:
            return f"R/{_fmt(str(point[0]), str(point[1]))}/{period}", "period", False
        return f"R/{period}", "period", False
    return None, "vague", False


def _vetoed(an: Analysis, start: int, end: int, words: str, detail: Dict[str, Any]) -> bool:
    text = an.cleaned
    before, after = text[max(0, start - 2):start], text[end:end + 4]
    for tok in an.tokens:
        if tok.tag in PLACE_TAGS and tok.start < end and start < tok.end:
            return True  # 幸福路12号, 五一路, 八一村
    if _NUMERIC_ONLY.match(words) and (_BUILDING_AFTER.match(after) or _PLACE_BEFORE.search(before)):
        return True  # 12号楼, 3单元, 第十一
    if before.endswith("第"):
        return True  # 第一时间, 第十一个
    if _MEASURE_AFTER.match(after) and not re.search(r"[天年月周时分]$", words):
        return True  # 三点五公里
    if _IDIOM_AFTER.match(after):
        return True  # 三天两头, 一天到晚
    if _ONE_UNIT.match(words) and _RATE_AFTER.match(text[end:end + 10]):
        return True  # 一天停好几回: a rate
    if words == "一天" and before.endswith("有"):
        return True  # 有一天: some day, not a day long
    if words in ("一分", "一秒") and _MONEY_AFTER.match(after):
        return True  # 一分都不退, 一分钱
    if words == "今年" and _AGE_AFTER.match(text[end:end + 6]):
        return True  # 今年七十了, 今年82岁
    if detail.get("type") == "time_delta" and _OVERDUE_BEFORE.search(text[max(0, start - 3):start]):
        return True  # 过期一个礼拜
    value = detail.get("time")
    return detail.get("type") == "time_delta" and isinstance(value, dict) and "workday" in value  # 三个工作日


def _extend(text: str, start: int, end: int, kind: str) -> Tuple[int, int]:
    if kind == "time_delta" and _EXTEND_BEFORE.search(text[max(0, start - 2):start]):
        m = _EXTEND_BEFORE.search(text[max(0, start - 2):start])
        start -= len(m.group(0))
    m = _EXTEND_AFTER.match(text[end:])
    if m:
        end += len(m.group(0))
    return start, end


def _jionlp_mentions(an: Analysis, now: datetime) -> List[Tuple[int, int, Optional[str], str, bool]]:
    module = jionlp()
    if module is None or not an.cleaned:
        return []
    try:
        # "这个星期天天晚上" is 这个星期 + 天天, not Sunday: same length, so the offsets hold
        found = module.ner.extract_time(_DAILY_AFTER_WEEK.sub(r"\1每天", an.cleaned), time_base=now.timestamp(),
                                        with_parsing=True)
    except Exception:  # pragma: no cover - a parser error must never break a conversation
        logger.debug("jionlp could not parse times in %r", an.cleaned[:80], exc_info=True)
        return []
    out = []
    for item in found or []:
        try:
            start, end = int(item["offset"][0]), int(item["offset"][1])
            detail = item.get("detail") or {}
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        words = an.cleaned[start:end]
        if _vetoed(an, start, end, words, detail):
            continue
        if words.endswith("一") and an.cleaned[end:end + 1] in _YI_WORD_AFTER:
            continue  # 这周一直停电: 一直 (all along), not Monday
        start, end = _extend(an.cleaned, start, end, detail.get("type", ""))
        normalized, kind, future = _normalize(detail, words, an.cleaned[end:end + 3], now)
        if future and _BARE_WEEKDAY.match(words) and not _FUTURE_CUE.search(an.cleaned):
            # "礼拜天晚上冻裂的" on a Thursday: the Sunday just past, not the coming one
            try:
                earlier = module.parse_time(words, time_base=(now - timedelta(days=7)).timestamp())
                normalized, kind, future = _normalize(earlier, words, an.cleaned[end:end + 3], now)
            except Exception:  # pragma: no cover - keep the first reading
                pass
        if kind == "duration" and an.cleaned[start:start + 1] in "这近最":
            kind = "span"  # 这两天: the last two days
        out.append((start, end, normalized, kind, future))
    return out


def _month_span(now: datetime, back: int) -> str:
    year, month = now.year, now.month - back
    while month < 1:
        year, month = year - 1, month + 12
    first = datetime(year, month, 1)
    last = (datetime(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)) if back else now
    return f"{first:%Y-%m-%d}/{last:%Y-%m-%d}"


def _extra_mentions(an: Analysis, now: datetime) -> List[Tuple[int, int, Optional[str], str, bool]]:
    out = [(m.start(), m.end(), _month_span(now, _MONTHS_BACK[m.group(1)]), "span", False)
           for m in _MONTH_WORDS.finditer(an.cleaned)]
    for pattern, kind, days in _EXTRA_RE:
        for m in pattern.finditer(an.cleaned):
            normalized = None
            if days is not None:
                first, last = now - timedelta(days=days[0]), now - timedelta(days=days[1])
                normalized = f"{first:%Y-%m-%d}" if first.date() == last.date() else f"{first:%Y-%m-%d}/{last:%Y-%m-%d}"
            out.append((m.start(), m.end(), normalized, kind, False))
    return out


def find_times(text: str, now: Optional[datetime] = None) -> List[TimeMention]:
    """Every real time mention in ``text``, in order, without overlaps (longer words win)."""
    if not text or not isinstance(text, str):
        return []
    now = now or datetime.now()
    an = analysis(text)
    candidates = sorted(_jionlp_mentions(an, now) + _extra_mentions(an, now), key=lambda c: (c[0], -(c[1] - c[0])))
    found: List[TimeMention] = []
    last_end = -1
    for start, end, normalized, kind, future in candidates:
        if start < last_end:
            continue
        while start < end and not an.cleaned[start].isalnum():
            start += 1  # jionlp's offsets may take in the comma before (，从去年11月开始)
        while end > start and not an.cleaned[end - 1].isalnum():
            end -= 1
        if start >= end:
            continue
        s, e = an.original_span(start, end)
        found.append(TimeMention(an.cleaned[start:end], s, e, normalized, kind, future))
        last_end = end
    return found


def parse_time(text: str, now: Optional[datetime] = None) -> Optional[TimeMention]:
    """The first real time mention in ``text`` (现在/目前/当时 only if nothing else), or None.

    >>> parse_time("前天下午在北新街买的", now=datetime(2026, 12, 2, 10)).normalized
    '2026-11-30T13:00/2026-11-30T17:59'
    >>> parse_time("今天十几度").words
    '今天'
    >>> parse_time("十几度") is None
    True
    """
    found = find_times(text, now)
    if not found:
        return None
    best = max(found, key=lambda m: _specificity(text, m))  # max keeps the first of equals
    return best


def specific_time(text: str, now: Optional[datetime] = None) -> Optional[TimeMention]:
    """The best time mention when it says when (a day, a month, a span, how long or how
    often), not only a time of day or a year (晚上, 今年): None otherwise.

    >>> specific_time("晚上偷偷挖沙") is None
    True
    """
    mention = parse_time(text, now)
    return mention if mention is not None and _specificity(text, mention) >= 2 else None


def _specificity(text: str, mention: TimeMention) -> int:
    """How well a mention says when the matter happened: a day or a month (前天, 上周二下午,
    去年11月) 4, a span since (这两天, 从今年3月开始) 3, how long (三天, 半个月) and how often
    (每周) 2, a time of day or a year alone (晚上, 每天晚上, 凌晨两三点, 今年) 1, a promise or a
    future time (说好三天内), a vague or weak word (最近, 现在), the end of a span (到今天) or a
    letter's closing date 0. Of equals the first mentioned wins."""
    words = mention.words
    before = text[max(0, mention.start - 4):mention.start]
    if mention.in_future or words in _WEAK or mention.kind == "vague":
        return 0
    if _UNTIL_BEFORE.search(before) and words in ("今天", "现在", "目前", "今儿", "今晚"):
        return 0  # 到今天已经三天了: the end of a span, not when it began
    if _DATED_LETTER.match(words) and len(text) - mention.end <= 3 and len(text) > 80:
        return 0  # the date a letter is signed with, not when the matter happened
    if _PROMISE_BEFORE.search(before) or re.search(r"(?:内|之内|以内)$", words):
        return 0
    if _TIME_OF_DAY_ONLY.match(words) or _YEAR_ONLY.match(words) or not _DAY_PART.search(words):
        return 1  # 晚上, 今年, 凌晨两三点: no day in it
    if mention.kind in ("duration", "period"):
        return 2
    if mention.kind == "span":
        return 3
    return 4


# a week or a month without its day: 上周, 这个礼拜, 上个月 (not 从上个月开始, a span since)
_COARSE_WORDS = re.compile(r"^(?:上上?|这|本|前)(?:个|一个)?(?:周|星期|礼拜|月)$|^(?:前几天|前些天|前段时间|前阵子|去年|前年)$")


def is_coarse(text: str, mention: TimeMention) -> bool:
    """A time that says roughly, not on which day the matter began or happened: how long
    (屋里没水三天咧, 一个多月了) or a week or month alone (上周在农家乐吃完饭). A citizen
    asked "什么时候" can usually say the day; the rough time stays the fallback.

    >>> is_coarse("屋里没水三天咧", parse_time("屋里没水三天咧"))
    True
    >>> is_coarse("上周三晚上", parse_time("上周三晚上"))
    False
    """
    if mention.kind == "duration":
        return True
    since = text[max(0, mention.start - 2):mention.start].endswith(("从", "自")) or \
        text[mention.end:mention.end + 3].startswith(("开始", "以来", "起", "到现在", "一直"))
    return bool(_COARSE_WORDS.match(mention.words)) and not since


def opening_time(text: str, now: Optional[datetime] = None) -> Optional[TimeMention]:
    """The time a first message gives when it says on which day (or since when), else None
    (rough times are asked; see `is_coarse`)."""
    mention = specific_time(text, now)
    return None if mention is None or is_coarse(text, mention) else mention

"""Time per sentence of the structured-field tools (LAC, jionlp, phonenumbers) and their loading.

    PYTHONPATH=. .venv/rasa/bin/python bench/field_tools.py [--repeat 20]

Each tool runs on the same colloquial sentences (short answers, one-line requests and
500-character letters); LAC's cache is cleared before every pass so each call really runs
the model.  Prints one JSON object: load times (first call, in seconds) and, per tool and
sentence length, p50 / p95 / max in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from typing import Callable, Dict, List

SHORT = ["王有福", "商州", "13991405566", "前天下午", "免贵姓李", "叫我老王就行", "不想说", "一直"]
LINE = [
    "额姓王，叫王有福，电话139-9140-5566",
    "商州区城关街道幸福路12号的路灯坏了",
    "我们小区停水两天了",
    "我在郑州市惠济区打工被拖欠工资",
    "昨天晚上八点多有人在楼下烧烤",
    "北新街消防支队对面的小区停水了",
    "喂？是12345吗？我要投诉",
    "商丹园区那个新建的小区今天十几度还没暖气",
]
LETTER = [
    (
        "尊敬的领导：您好！我是住在商州区江滨花园的王大妈，叫王秀英，我们楼的电梯从上个月15号开始就坏了，"
        "物业一直推说没钱修，老人上下楼太难了。我们找过社区，社区说归物业管，物业又说要等业委会开会，"
        "业委会的人说这两天就开，到现在也没开。楼里有好几个老人腿脚不好，每天晚上还得爬到十几楼，"
        "前天下午李大爷在楼梯上摔了一跤，送到商洛市中心医院缝了三针。希望领导管一管，我的电话是139-9140-5566。"
    ) * 2,
    (
        "您好，我去年在郑州市惠济区一个建筑工地上干活，包工头姓张，一共欠我们十几个人的工资八万多，"
        "过年前说给结果到现在还没给，电话也不接。我们都是从商洛过去的农民工，不容易，"
        "我叫刘铁柱，住在丹凤县龙驹寨，手机138 9145 6721，请政府帮帮我们。"
    ) * 2,
]


def measure(func: Callable[[str], object], texts: List[str], repeat: int, before: Callable[[], None]) -> Dict:
    samples: List[float] = []
    for _ in range(repeat):
        before()
        for text in texts:
            start = time.perf_counter()
            func(text)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "chars": round(statistics.mean(len(t) for t in texts)),
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
        "max_ms": round(samples[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    loads = {}
    start = time.perf_counter()
    from bot.screening import contact, districts, gazetteer, lexical, names, times
    from bot.screening.jio import jionlp

    loads["import_bot_screening_s"] = round(time.perf_counter() - start, 3)
    for name, step in (
        ("lac_model_s", lexical.available),
        ("jionlp_import_s", jionlp),
        ("jionlp_time_tables_s", lambda: times.parse_time("昨天")),
        ("gazetteer_s", gazetteer.max_name_length),
    ):
        start = time.perf_counter()
        step()
        loads[name] = round(time.perf_counter() - start, 3)

    module = jionlp()
    now = datetime.now()
    clear = lexical._run.cache_clear  # every pass runs the model, not the cache
    tools = {
        "lac_analyse": lexical.analyse,
        "jionlp_extract_time": lambda t: module.ner.extract_time(t, time_base=now.timestamp(), with_parsing=True),
        "jionlp_parse_location": module.parse_location,
        "find_phones": contact.find_phones,
        "parse_time": lambda t: times.parse_time(t, now=now),
        "find_self_name": names.find_self_name,
        "find_district": districts.find_district,
        "find_other_region": districts.find_other_region,
    }
    results = {
        tool: {size: measure(func, texts, args.repeat, clear) for size, texts in (("short", SHORT), ("line", LINE), ("letter", LETTER))}
        for tool, func in tools.items()
    }
    print(json.dumps({"loads": loads, "per_sentence": results}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

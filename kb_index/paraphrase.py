"""Colloquial paraphrases of a standard question, made by templates at build time.

A city's knowledge base often has no similar questions (相似问), while citizens ask
colloquially (身份证丢了咋补 for 身份证丢失了如何补领). Two disjoint families:

- `index_paraphrases(q)`: extra question vectors of an entry (KB_PARAPHRASES / build
  option `paraphrases`), e.g. 如何办理X → 办X咋弄 · X需要什么材料 → 办X要带啥;
- `probe_paraphrases(q)`: other wordings, never indexed, used only by the build's
  calibration (kb_index/calibrate.py) as synthetic colloquial questions.

Only the question words and a few formal verbs change; the subject X is kept as written.
"""
from __future__ import annotations

import re
from typing import List

_END = re.compile(r"[？?。！!，,\s]+$")

# formal → colloquial, longest first (index family)
_COLLOQ_A = [
    ("需要哪些材料", "要带啥"), ("需要什么材料", "要带啥"), ("需要准备什么", "要准备啥"), ("需要哪些手续", "要走啥手续"),
    ("需要什么手续", "要走啥手续"), ("需要哪些条件", "要啥条件"), ("需要什么条件", "要啥条件"),
    ("在哪里办理", "在哪儿办"), ("去哪里办理", "去哪儿办"), ("到哪里办理", "去哪儿办"), ("在哪里", "在哪儿"),
    ("去哪里", "去哪儿"), ("如何办理", "咋办"), ("怎么办理", "咋办"), ("怎样办理", "咋办"), ("如何", "咋"), ("怎么", "咋"),
    ("怎样", "咋"), ("什么", "啥"), ("哪些", "啥"), ("是否", "是不是"), ("遗失了", "丢了"), ("丢失了", "丢了"), ("遗失", "丢了"),
    ("丢失", "丢了"), ("需要", "要"), ("申领", "领"), ("补领", "补"), ("办理", "办"),
]
# formal → colloquial (probe family: other words than the index family)
_COLLOQ_B = [
    ("需要哪些材料", "得拿些啥东西"), ("需要什么材料", "得拿些啥东西"), ("需要哪些手续", "得办啥手续"),
    ("需要什么手续", "得办啥手续"), ("需要哪些条件", "得够啥条件"), ("需要什么条件", "得够啥条件"),
    ("在哪里办理", "上哪办"), ("去哪里办理", "上哪办"), ("在哪里", "在啥地方"), ("去哪里", "上哪"),
    ("如何办理", "咋个弄"), ("怎么办理", "咋个弄"), ("怎样办理", "咋个弄"), ("如何", "咋个"), ("怎么", "咋个"),
    ("怎样", "咋个"), ("什么", "啥子"), ("哪些", "哪几样"), ("是否", "能不能"), ("遗失了", "弄丢了"), ("丢失了", "弄丢了"), ("遗失", "弄丢"), ("丢失", "弄丢"),
    ("需要", "得"), ("办理", "弄"),
]
_QWORDS = re.compile(r"(如何|怎么|怎样|怎么样)?(办理|申请|申领|办)?$")


def _clean(question: str) -> str:
    return _END.sub("", question.strip())


def _replace(text: str, table) -> str:
    for old, new in table:
        text = text.replace(old, new)
    return text


def _core(q: str) -> str:
    """The subject of a 如何办理X / X怎么办理 / X需要什么材料 question, or ''."""
    m = re.match(r"^(?:如何|怎么|怎样)(?:办理|申请|申领|办)(.{2,})$", q)
    if m:
        return m.group(1)
    m = re.match(r"^(.{2,}?)(?:如何|怎么|怎样)(?:办理|申请|申领|办)$", q)
    if m:
        return m.group(1)
    m = re.match(r"^(?:办理|申请|办)?(.{2,}?)需要(?:什么|哪些)(?:材料|手续|证件)$", q)
    if m:
        return m.group(1)
    m = re.match(r"^(.{2,}?)(?:在哪里|去哪里|到哪里)(?:办理|申请|办)$", q)
    if m:
        return m.group(1)
    return ""


def _distinct(question: str, forms: List[str]) -> List[str]:
    seen, out = {re.sub(r"\W", "", question)}, []
    for f in forms:
        key = re.sub(r"\W", "", f)
        if f and key not in seen and len(key) >= 4:
            seen.add(key)
            out.append(f)
    return out


def index_paraphrases(question: str) -> List[str]:
    """Up to 3 colloquial forms of a standard question, indexed as extra question vectors."""
    q = _clean(question)
    forms = [_replace(q, _COLLOQ_A)]
    x = _core(q)
    if x:
        forms += [f"{x}咋办", f"办{x}要带啥", f"{x}在哪儿办"]
    elif q.endswith("吗"):
        forms.append(_replace(q[:-1], _COLLOQ_A) + "不")
    return _distinct(q, forms)[:3]


def probe_paraphrases(question: str) -> List[str]:
    """Other colloquial forms (never indexed): synthetic questions for the build's calibration."""
    q = _clean(question)
    forms = ["请问" + _replace(q, _COLLOQ_B)]
    x = _core(q)
    if x:
        forms.append(f"我想办{x}，得跑哪去弄")
    else:
        forms.append("想问一下，" + _replace(q, _COLLOQ_B) + ("" if q.endswith("吗") else "呀"))
    return _distinct(q, forms)[:2]

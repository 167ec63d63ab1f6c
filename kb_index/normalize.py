"""Colloquial and Shaanxi words rewritten before a query is embedded (KB_NORMALIZE, on by default
only where bench/kb_eval.py shows it wins on both evaluation knowledge bases)."""
from __future__ import annotations

import re

# longest first; only words whose standard form is unambiguous in a hotline question
_WORDS = [
    ("咋个弄", "怎么办"), ("咋弄", "怎么办"), ("咋办", "怎么办"), ("咋个", "怎么"), ("咋样", "怎么样"), ("咋", "怎么"),
    ("啥时候", "什么时候"), ("啥子", "什么"), ("为啥", "为什么"), ("干啥", "做什么"), ("啥", "什么"),
    ("寻不见", "找不到"), ("弄啥", "做什么"), ("额的", "我的"), ("额家", "我家"), ("嘹", "好"),
    ("娃娃", "孩子"), ("娃", "孩子"), ("整不了", "办不了"), ("能不能行", "可以吗"), ("木有", "没有"),
]
_PARTICLES = re.compile(r"[嘛哩咧呗噻]")


def normalize(text: str) -> str:
    for old, new in _WORDS:
        text = text.replace(old, new)
    return _PARTICLES.sub("", text)

"""诉求类型 (第六条) and their deadlines in working days (第十二条); the citizen's ratings (满意度).

Only the data lives here; counting working days (holidays, 调休) is the gateway's
(``gateway.core.workdays``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vocabulary import _data

__all__ = [
    "OrderTypeInfo",
    "ORDER_TYPES",
    "ORDER_TYPE_NAMES",
    "DEADLINE_WORKDAYS",
    "DEFAULT_DEADLINE_WORKDAYS",
    "Rating",
    "RATINGS",
    "RATING_NAMES",
]


@dataclass(frozen=True)
class OrderTypeInfo:
    key: str  # the name in code: gateway.domain.OrderType.<KEY upper-cased>
    name: str  # the Chinese word the API exchanges and orders store
    deadline_workdays: int  # working days from the day after acceptance (第十二条)


@dataclass(frozen=True)
class Rating:
    key: str  # the name in code: gateway.domain.Satisfaction.<KEY upper-cased>
    name: str  # the word the citizen answers and the API exchanges


def _key(entry: dict[str, Any], where: str) -> str:
    key = _data.text(entry.get("key"), f"{where}.key")
    if not key.isidentifier() or not key.islower():
        raise _data.VocabularyError(f"hotline.yml: {where}.key must be a lower-case identifier, not {key!r}")
    return key


def parse(raw: Any) -> tuple[OrderTypeInfo, ...]:
    found = []
    for i, entry in enumerate(_data.items(raw, "order_types")):
        where = f"order_types[{i}]"
        entry = _data.mapping(entry, where)
        found.append(
            OrderTypeInfo(
                _key(entry, where),
                _data.text(entry.get("name"), f"{where}.name"),
                _data.integer(entry.get("deadline_workdays"), f"{where}.deadline_workdays"),
            )
        )
    _data.unique([t.key for t in found], "order_types' keys")
    _data.unique([t.name for t in found], "order_types' names")
    return tuple(found)


ORDER_TYPES: tuple[OrderTypeInfo, ...] = parse(_data.section("order_types"))
ORDER_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in ORDER_TYPES)
# type name → working days
DEADLINE_WORKDAYS: Mapping[str, int] = MappingProxyType({t.name: t.deadline_workdays for t in ORDER_TYPES})
# for a type name not listed (the API accepts none, a stored row could still carry one)
DEFAULT_DEADLINE_WORKDAYS: int = _data.integer(_data.section("default_deadline_workdays"), "default_deadline_workdays")


def parse_ratings(raw: Any) -> tuple[Rating, ...]:
    found = []
    for i, entry in enumerate(_data.items(raw, "ratings")):
        where = f"ratings[{i}]"
        entry = _data.mapping(entry, where)
        found.append(Rating(_key(entry, where), _data.text(entry.get("name"), f"{where}.name")))
    _data.unique([r.key for r in found], "ratings' keys")
    _data.unique([r.name for r in found], "ratings' names")
    return tuple(found)


RATINGS: tuple[Rating, ...] = parse_ratings(_data.section("ratings"))
# best first: 满意, 基本满意, 不满意
RATING_NAMES: tuple[str, ...] = tuple(r.name for r in RATINGS)

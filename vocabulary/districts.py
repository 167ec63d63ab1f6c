"""The served districts and the other names citizens and callers write for them.

>>> normalise_district("商洛市 商州")
'商州区'
>>> normalise_district("高新区(商丹园区)")
'商洛高新区（商丹园区）'
>>> normalise_district("安康市") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vocabulary import _data

__all__ = ["District", "SERVED", "DISTRICTS", "SHORT_NAMES", "DISTRICT_ALIASES", "normalise_district"]

_PAREN_TABLE = str.maketrans({"(": "（", ")": "）"})
_SPACES = re.compile(r"\s+")
_PROVINCE = "陕西省"
_CITY = "商洛市"


@dataclass(frozen=True)
class District:
    name: str  # the full name stored on an order
    short_name: str  # the name in a short list (the name itself unless the file gives one)
    aliases: tuple[str, ...]  # other ways of writing it, as the file has them


def _key(value: str) -> str:
    """The form names are compared in: no spaces, full-width brackets."""
    return _SPACES.sub("", value).translate(_PAREN_TABLE)


def parse(raw: Any) -> tuple[District, ...]:
    found = []
    for i, entry in enumerate(_data.items(raw, "districts")):
        where = f"districts[{i}]"
        entry = _data.mapping(entry, where)
        name = _data.text(entry.get("name"), f"{where}.name")
        short = _data.text(entry.get("short_name", name), f"{where}.short_name")
        found.append(District(name, short, _data.texts(entry.get("aliases"), f"{where}.aliases")))
    every_name = [_key(n) for d in found for n in (d.name, *d.aliases)]
    _data.unique(every_name, "the districts' names and aliases")
    return tuple(found)


def aliases_of(districts: tuple[District, ...]) -> Mapping[str, str]:
    """Every accepted name (compared form) → the district's full name."""
    return MappingProxyType({_key(n): d.name for d in districts for n in (d.name, *d.aliases)})


SERVED: tuple[District, ...] = parse(_data.section("districts"))
# the full names, in the order they are listed to citizens
DISTRICTS: tuple[str, ...] = tuple(d.name for d in SERVED)
SHORT_NAMES: tuple[str, ...] = tuple(d.short_name for d in SERVED)
DISTRICT_ALIASES: Mapping[str, str] = aliases_of(SERVED)


def normalise_district(value: str) -> str | None:
    """The full name of the district ``value`` names (the whole value, not a text that mentions one), else None.

    Spaces are ignored, ASCII brackets read as full-width ones, and a leading 陕西省 or 商洛市 is dropped.
    """
    key = _key(value)
    if key.startswith(_PROVINCE):
        key = key[len(_PROVINCE) :]
    if key.startswith(_CITY) and key != _CITY:
        key = key[len(_CITY) :]
    return DISTRICT_ALIASES.get(key)

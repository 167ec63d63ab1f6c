"""China's administrative divisions (province → city → county) from jionlp's shipped data.

* :func:`lookup(name)` – every :class:`Division` a name can denote: full names
  (``渭南市``, ``惠济区``, ``勉县``), short names jionlp lists as aliases (``渭南``, ``丰台``;
  never a single character) and names retired since 2002 (``旬阳县`` → 旬阳市, ``襄樊``).
* :func:`max_name_length()` – the longest name, for scanners.
* :func:`shangluo_towns()` – town / street-office names of 商洛市 → county full name, for
  names that belong to one county only (``城关街道`` exists in several and is left out).
* :func:`is_shangluo(division)` – whether a division lies in 商洛市.

Loaded once, lazily, under a lock: about 0.4 s and 90 MB of transient allocations
(jionlp reads its whole 700 000-line file, villages included); what is kept is small.
Without jionlp every lookup is empty.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from bot.screening.jio import jionlp, quietly

__all__ = ["Division", "lookup", "max_name_length", "shangluo_towns", "is_shangluo", "SHANGLUO", "SHAANXI"]

SHAANXI = "陕西省"
SHANGLUO = "商洛市"


@dataclass(frozen=True)
class Division:
    """One administrative unit: ``level`` is ``province``, ``city`` or ``county``.

    ``city`` is None for a province; ``county`` is None for a province or city.  ``alias``
    says whether the name it was found under is a short form (``丰台`` for 丰台区).
    """

    province: str
    city: Optional[str]
    county: Optional[str]
    level: str
    code: str
    alias: bool = False

    @property
    def name(self) -> str:
        return self.county or self.city or self.province


_lock = threading.Lock()
_index: Optional[Dict[str, Tuple[Division, ...]]] = None
_towns: Dict[str, str] = {}
_max_len = 0


def _aliases(value) -> List[str]:
    if not value:
        return []
    return [a for a in (value if isinstance(value, list) else [value]) if isinstance(a, str) and len(a) >= 2]


def _build() -> Dict[str, Tuple[Division, ...]]:
    module = jionlp()
    if module is None:
        return {}
    data = quietly(module.china_location_loader, detail=True)
    found: Dict[str, List[Division]] = {}

    def add(name: str, division: Division) -> None:
        if name and len(name) >= 2 and division not in found.setdefault(name, []):
            found[name].append(division)

    towns: Dict[str, List[str]] = {}
    for province, pv in data.items():
        if province.startswith("_"):
            continue
        unit = Division(province, None, None, "province", str(pv.get("_admin_code", "")))
        add(province, unit)
        for alias in _aliases(pv.get("_alias")):
            add(alias, replace(unit, alias=True))
        for city, cv in pv.items():
            if city.startswith("_") or not isinstance(cv, dict):
                continue
            unit = Division(province, city, None, "city", str(cv.get("_admin_code", "")))
            add(city, unit)
            for alias in _aliases(cv.get("_alias")):
                add(alias, replace(unit, alias=True))
            for county, kv in cv.items():
                if county.startswith("_") or not isinstance(kv, dict):
                    continue
                unit = Division(province, city, county, "county", str(kv.get("_admin_code", "")))
                add(county, unit)
                for alias in _aliases(kv.get("_alias")):
                    add(alias, replace(unit, alias=True))
                if city == SHANGLUO:
                    for town in kv:
                        if not town.startswith("_") and town.endswith(("镇", "乡", "街道")):
                            towns.setdefault(town, []).append(county)
    del data
    for change in quietly(module.china_location_change_loader):
        _add_retired(change, found, add)
    for extra, target in _EXTRA_NAMES.items():
        for division in [d for d in found.get(target, []) if d.province == SHAANXI and not d.alias]:
            add(extra, replace(division, alias=True))
    _towns.clear()
    _towns.update({town: counties[0] for town, counties in towns.items() if len(set(counties)) == 1})
    return {name: tuple(sorted(divisions, key=lambda d: d.alias)) for name, divisions in found.items()}


def _add_retired(change: dict, found: Dict[str, List[Division]], add) -> None:
    """Register a retired name (``旬阳县``, ``襄樊市``/``襄樊``) under the division that replaced it."""
    try:
        old = change["old_loc"]
        new = change["new_loc"]
        level = 2 if old[2][0] else 1
        old_names = [n for n in old[level] if n]
        new_name = new[level]
    except (KeyError, IndexError, TypeError):
        return
    if not new_name:
        return
    targets = [d for d in found.get(new_name, []) if not d.alias and d.province == new[0]]
    for old_name in old_names:
        if old_name not in found:
            for division in targets:
                add(old_name, replace(division, alias=old_name != old_names[0]))


# Everyday names the data lacks: 杨凌 is a national agricultural zone governed as 杨陵区;
# 户县 became 鄠邑区 in 2016 (before the data's change list starts).
_EXTRA_NAMES = {"杨凌": "杨陵区", "杨凌区": "杨陵区", "杨凌示范区": "杨陵区", "户县": "鄠邑区"}


def _ensure() -> Dict[str, Tuple[Division, ...]]:
    global _index, _max_len
    if _index is None:
        with _lock:
            if _index is None:
                built = _build()
                _max_len = max((len(n) for n in built), default=0)
                _index = built
    return _index


def lookup(name: str) -> Tuple[Division, ...]:
    """Every division ``name`` can denote (full names first), or ``()``."""
    return _ensure().get(name, ())


def max_name_length() -> int:
    """Length of the longest known name."""
    _ensure()
    return _max_len


def shangluo_towns() -> Dict[str, str]:
    """Town and street-office names of 商洛市 that belong to one county → that county."""
    _ensure()
    return dict(_towns)


def is_shangluo(division: Division) -> bool:
    """Whether ``division`` is 商洛市 or one of its counties."""
    return division.province == SHAANXI and division.city == SHANGLUO

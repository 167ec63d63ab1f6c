"""Routing (第十一条): which unit an order goes to, and why.

The table is data (``gateway/data/routing.yaml`` or ``GATEWAY_ROUTING_FILE``),
re-read when the file changes. ``route()`` is pure: description + district in,
``Decision`` (rule, 主办, 会办, reason) out. Nothing matched and no district →
rule ``manual``: the order waits in the manual dispatch queue, never a guess.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from vocabulary import normalise_district

logger = logging.getLogger(__name__)

DEFAULT_ROUTING_FILE = Path(__file__).resolve().parents[1] / "data" / "routing.yaml"
MAX_CO_UNITS = 5


class RouteRule(StrEnum):
    VERTICAL = "vertical"  # 垂直管理单位，转市级承办单位
    DISTRICT = "district"  # 属地管理优先
    DEPARTMENT = "department"  # 谁主管、谁负责（无区县）
    MANUAL = "manual"  # 未匹配，人工派单


@dataclass(frozen=True)
class Unit:
    name: str
    level: str  # "county" or "city"
    district: str | None = None
    vertical: bool = False
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    rule: RouteRule
    lead_unit: str | None
    co_units: tuple[str, ...]
    reason: str
    matched: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingTable:
    county_units: tuple[Unit, ...]
    city_units: tuple[Unit, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(u.name for u in self.county_units + self.city_units)

    def county_unit(self, district: str | None) -> Unit | None:
        return next((u for u in self.county_units if u.district == district), None) if district else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "county_units": [{"name": u.name, "district": u.district} for u in self.county_units],
            "city_units": [
                {"name": u.name, "vertical": u.vertical, "keywords": list(u.keywords)} for u in self.city_units
            ],
        }

    @classmethod
    def parse(cls, data: Any) -> RoutingTable:
        if not isinstance(data, dict):
            raise ValueError("top level must be a mapping with county_units and city_units")
        seen: set[str] = set()

        def name_of(entry: Any, where: str) -> str:
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: each unit must be a mapping")
            name = str(entry.get("name") or "").strip()
            if not name or len(name) > 64:
                raise ValueError(f"{where}: unit name must have 1-64 characters")
            if name in seen:
                raise ValueError(f"{where}: unit {name} is listed twice")
            seen.add(name)
            return name

        county: list[Unit] = []
        districts: set[str] = set()
        for entry in data.get("county_units") or []:
            name = name_of(entry, "county_units")
            district = normalise_district(str(entry.get("district") or ""))
            if district is None:
                raise ValueError(f"county_units: {name} has an unknown district")
            if district in districts:
                raise ValueError(f"county_units: district {district} has two units")
            districts.add(district)
            county.append(Unit(name=name, level="county", district=district))
        city: list[Unit] = []
        for entry in data.get("city_units") or []:
            name = name_of(entry, "city_units")
            keywords = entry.get("keywords") or []
            if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
                raise ValueError(f"city_units: {name} keywords must be a list of non-empty strings")
            vertical = entry.get("vertical", False)
            if not isinstance(vertical, bool):
                raise ValueError(f"city_units: {name} vertical must be true or false")
            city.append(Unit(name=name, level="city", vertical=vertical, keywords=tuple(k.strip() for k in keywords)))
        if not county and not city:
            raise ValueError("the routing table has no units")
        return cls(county_units=tuple(county), city_units=tuple(city))


def route(table: RoutingTable, description: str, district: str | None) -> Decision:
    text = description.casefold()
    hits: list[tuple[int, int, int, Unit, list[str]]] = []
    for index, unit in enumerate(table.city_units):
        found = [k for k in unit.keywords if k.casefold() in text]
        if found:
            hits.append((len(found), max(len(k) for k in found), -index, unit, found))
    hits.sort(key=lambda h: h[:3], reverse=True)
    matched = {h[3].name: h[4] for h in hits}

    def why(unit: Unit, found: list[str]) -> str:
        return f"{unit.name}（匹配关键词：{'、'.join(found)}）"

    def lead_with_co_units(rule: RouteRule, ranked: list, prefix: str) -> Decision:
        """The best-matching unit leads (主办); the next ones handle jointly (会办)."""
        lead = ranked[0]
        co = tuple(h[3].name for h in ranked[1:])[:MAX_CO_UNITS]
        reason = f"{prefix}{why(lead[3], lead[4])}"
        if co:
            reason += f"；涉及多个单位，会办：{'、'.join(co)}"
        return Decision(rule, lead[3].name, co, reason, matched)

    vertical = [h for h in hits if h[3].vertical]
    if vertical:
        return lead_with_co_units(RouteRule.VERTICAL, vertical, "属垂直管理单位职责，转派市级承办单位：")
    county = table.county_unit(district)
    if county is not None:
        reason = f"属地管理优先：诉求发生在{district}，转派{county.name}"
        if hits:
            reason += f"（诉求涉及{'、'.join(h[3].name for h in hits)}职责，由属地统筹办理）"
        return Decision(RouteRule.DISTRICT, county.name, (), reason, matched)
    if hits:
        return lead_with_co_units(RouteRule.DEPARTMENT, hits, "未提供区县，按“谁主管、谁负责”转派：")
    if district:
        reason = f"区县“{district}”在派单表中没有对应承办单位，且未匹配到主管部门，转人工派单"
    else:
        reason = "未提供区县，且未匹配到主管部门，转人工派单"
    return Decision(RouteRule.MANUAL, None, (), reason, matched)


class RoutingTableStore:
    """Holds the current table; re-reads the file when its modification time changes.

    The first load raises ``ValueError`` (the gateway must not start without a
    table); a broken edit later is logged and the previous table stays in use.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path else DEFAULT_ROUTING_FILE
        self._lock = threading.Lock()
        self._mtime = self._path.stat().st_mtime if self._path.exists() else None
        self._table = self._load()

    @property
    def path(self) -> Path:
        return self._path

    def _load(self) -> RoutingTable:
        try:
            data = yaml.safe_load(self._path.read_text(encoding="utf-8"))
            return RoutingTable.parse(data)
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ValueError(f"routing table {self._path}: {exc}") from None

    def current(self) -> RoutingTable:
        try:
            mtime = self._path.stat().st_mtime
        except OSError:
            return self._table
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._mtime = mtime
                    try:
                        self._table = self._load()
                        logger.info("routing table %s reloaded", self._path)
                    except ValueError as exc:
                        logger.error("%s; keeping the previous routing table", exc)
        return self._table

"""Domain vocabulary shared by the schemas, models and services."""

from __future__ import annotations

import re
from enum import StrEnum


class OrderType(StrEnum):
    """诉求类型 (第六条); the values are the Chinese names the API exchanges."""

    CONSULT = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "意见建议"
    PRAISE = "表扬"


class Channel(StrEnum):
    REST = "rest"
    WECHAT = "wechat"
    WEBCHAT = "webchat"
    EMAIL = "email"
    PHONE = "phone"
    AGENT = "agent"


class OrderStatus(StrEnum):
    RECEIVED = "received"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.RECEIVED: "已受理",
    OrderStatus.WITHDRAWN: "已撤单",
}

# 第十八条 / 第二十一条(五): a citizen may withdraw while the order is still open.
# Later statuses (dispatched, processing, ...) join this set; closed ones must not.
WITHDRAWABLE_STATUSES: frozenset[OrderStatus] = frozenset({OrderStatus.RECEIVED})


class EventKind(StrEnum):
    CREATED = "created"
    WITHDRAWN = "withdrawn"


# The eight county-level units the Shangluo hotline dispatches to.
DISTRICTS: tuple[str, ...] = (
    "商州区",
    "洛南县",
    "丹凤县",
    "商南县",
    "山阳县",
    "镇安县",
    "柞水县",
    "商洛高新区（商丹园区）",
)

_HIGH_TECH = "商洛高新区（商丹园区）"
DISTRICT_ALIASES: dict[str, str] = {
    **{name: name for name in DISTRICTS},
    "商州": "商州区",
    "洛南": "洛南县",
    "丹凤": "丹凤县",
    "商南": "商南县",
    "山阳": "山阳县",
    "镇安": "镇安县",
    "柞水": "柞水县",
    "高新区": _HIGH_TECH,
    "高新": _HIGH_TECH,
    "商洛高新区": _HIGH_TECH,
    "商洛高新": _HIGH_TECH,
    "商洛高新技术产业开发区": _HIGH_TECH,
    "商丹园区": _HIGH_TECH,
    "商丹": _HIGH_TECH,
    "商丹循环工业经济园区": _HIGH_TECH,
    "商洛高新（商丹园区）": _HIGH_TECH,
    "高新区（商丹园区）": _HIGH_TECH,
}

_PAREN_TABLE = str.maketrans({"(": "（", ")": "）"})
_SPACES = re.compile(r"\s+")


def normalise_district(value: str) -> str | None:
    """Return the canonical district name for a name or alias, else None."""
    key = _SPACES.sub("", value).translate(_PAREN_TABLE)
    if key.startswith("陕西省"):
        key = key[len("陕西省"):]
    if key.startswith("商洛市") and key != "商洛市":
        key = key[len("商洛市"):]
    return DISTRICT_ALIASES.get(key)


ORDER_NO_PREFIX = "SL"
ORDER_NO_PATTERN = re.compile(r"SL[0-9]{14}")  # use with fullmatch()

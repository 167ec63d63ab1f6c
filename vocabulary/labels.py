"""Labels of the fields, by who reads them.

``FIELD_LABELS``: the order API's fields, as its Chinese error messages name them
(``缺少必填字段：诉求内容（description）``). ``SLOT_LABELS``: the bot's slots as the agents'
console lists them, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vocabulary import _data

__all__ = ["FIELD_LABELS", "SLOT_LABELS", "WITHDRAWAL_REASON_LABEL"]

_LABELS = _data.mapping(_data.section("labels"), "labels")

FIELD_LABELS: Mapping[str, str] = MappingProxyType(_data.labels(_data.section("fields", _LABELS), "labels.fields"))
SLOT_LABELS: Mapping[str, str] = MappingProxyType(_data.labels(_data.section("slots", _LABELS), "labels.slots"))
# the withdrawal's reason in its validation messages (the field itself is `reason`, 原因)
WITHDRAWAL_REASON_LABEL: str = _data.text(_data.section("withdrawal_reason", _LABELS), "labels.withdrawal_reason")

"""Deterministic screening for the Shangluo 12345 assistant (standard library only).

Importable from the Rasa server (NLU component ``ScreeningOverride``), the action
server and any other Python ≥ 3.8 process.
"""
from bot.screening.contact import (
    SHANGLUO_AREA_CODE,
    find_phone,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_phone,
)
from bot.screening.districts import (
    SERVED_DISTRICTS,
    find_district,
    find_other_region,
    normalize_district,
    region_info,
)
from bot.screening.emergency import KINDS, EmergencyResult, detect_emergency
from bot.screening.replies import (
    EMERGENCY_NUMBERS,
    OOS_CLASSES,
    cross_region_reply,
    emergency_reply,
    refusal_reply,
)

__all__ = [
    "KINDS",
    "EmergencyResult",
    "detect_emergency",
    "EMERGENCY_NUMBERS",
    "OOS_CLASSES",
    "emergency_reply",
    "refusal_reply",
    "cross_region_reply",
    "SERVED_DISTRICTS",
    "normalize_district",
    "find_district",
    "find_other_region",
    "region_info",
    "SHANGLUO_AREA_CODE",
    "normalize_phone",
    "find_phone",
    "is_valid_id_number",
    "mask_phone",
    "mask_name",
    "mask_id_number",
]

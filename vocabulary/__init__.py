"""The Shangluo 12345 hotline's vocabulary, one package for the bot, the channels and the gateway.

The data is ``hotline.yml`` beside this file (districts and their aliases, order types and their
deadlines, the ratings, channels, field labels); phone numbers are :mod:`vocabulary.phones`. Standard library
and PyYAML only, so it imports in both virtual environments (.venv/rasa on Python 3.10 and
.venv/svc). Import the names from here or from the modules::

    from vocabulary import DISTRICTS, normalise_district, mask_phone
    from vocabulary.channels import WECHAT, channel_of
"""

from __future__ import annotations

from vocabulary._data import VocabularyError
from vocabulary.channels import (
    CHANNEL_NAMES,
    CHANNELS,
    CONVERSATION_CHANNELS,
    ChannelInfo,
    canonical_channel,
    channel_label,
    channel_of,
    report_label,
)
from vocabulary.districts import DISTRICT_ALIASES, DISTRICTS, SERVED, SHORT_NAMES, District, normalise_district
from vocabulary.labels import FIELD_LABELS, SLOT_LABELS, WITHDRAWAL_REASON_LABEL
from vocabulary.orders import (
    DEADLINE_WORKDAYS,
    DEFAULT_DEADLINE_WORKDAYS,
    ORDER_TYPE_NAMES,
    ORDER_TYPES,
    RATING_NAMES,
    RATINGS,
    OrderTypeInfo,
    Rating,
)
from vocabulary.phones import (
    LANDLINE_IN_TEXT,
    MOBILE_IN_TEXT,
    mask_phone,
    mask_phones_in_text,
    normalise_phone,
)

__all__ = [
    "VocabularyError",
    "District",
    "SERVED",
    "DISTRICTS",
    "SHORT_NAMES",
    "DISTRICT_ALIASES",
    "normalise_district",
    "OrderTypeInfo",
    "ORDER_TYPES",
    "ORDER_TYPE_NAMES",
    "DEADLINE_WORKDAYS",
    "DEFAULT_DEADLINE_WORKDAYS",
    "Rating",
    "RATINGS",
    "RATING_NAMES",
    "ChannelInfo",
    "CHANNELS",
    "CHANNEL_NAMES",
    "CONVERSATION_CHANNELS",
    "canonical_channel",
    "channel_of",
    "channel_label",
    "report_label",
    "FIELD_LABELS",
    "SLOT_LABELS",
    "WITHDRAWAL_REASON_LABEL",
    "MOBILE_IN_TEXT",
    "LANDLINE_IN_TEXT",
    "normalise_phone",
    "mask_phone",
    "mask_phones_in_text",
]

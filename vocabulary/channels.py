"""The channels an order comes in by, and the Rasa input channels that are each of them.

>>> channel_of("socketio"), channel_of("cmdline"), channel_of(None)
('webchat', 'rest', 'rest')
>>> channel_label("socketio"), channel_label("carrier-pigeon")
('网页', 'carrier-pigeon')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from vocabulary import _data

__all__ = [
    "ChannelInfo",
    "CHANNELS",
    "CHANNEL_NAMES",
    "CONVERSATION_CHANNELS",
    "REST",
    "WECHAT",
    "WEBCHAT",
    "EMAIL",
    "PHONE",
    "AGENT",
    "canonical_channel",
    "channel_of",
    "channel_label",
    "report_label",
]

# the names code refers to; each is a channel of hotline.yml (checked on import)
REST = "rest"
WECHAT = "wechat"
WEBCHAT = "webchat"
EMAIL = "email"
PHONE = "phone"  # taken by the hotline's operators on the phone
AGENT = "agent"  # entered by an agent (the console's orders from a conversation of no known channel)


@dataclass(frozen=True)
class ChannelInfo:
    name: str
    label: str  # how the console and the reports name it
    report_label: str  # the monthly report's word (the label unless the file gives one)
    conversation: bool  # the bot talks on it (a Rasa input channel in channels/)
    aliases: tuple[str, ...]  # Rasa input channel names that are this channel
    also_from: tuple[str, ...]  # Rasa's development input channels the bot files under it


def parse(raw: Any) -> tuple[ChannelInfo, ...]:
    found = []
    for name, entry in _data.mapping(raw, "channels").items():
        where = f"channels.{name}"
        entry = _data.mapping(entry, where)
        label = _data.text(entry.get("label"), f"{where}.label")
        found.append(
            ChannelInfo(
                name,
                label,
                _data.text(entry.get("report_label", label), f"{where}.report_label"),
                _data.flag(entry.get("conversation", False), f"{where}.conversation"),
                _data.texts(entry.get("aliases"), f"{where}.aliases"),
                _data.texts(entry.get("also_from"), f"{where}.also_from"),
            )
        )
    _data.unique([n for c in found for n in (c.name, *c.aliases, *c.also_from)], "the channels' names")
    return tuple(found)


CHANNELS: tuple[ChannelInfo, ...] = parse(_data.section("channels"))
CHANNEL_NAMES: tuple[str, ...] = tuple(c.name for c in CHANNELS)
CONVERSATION_CHANNELS: frozenset[str] = frozenset(c.name for c in CHANNELS if c.conversation)

_BY_NAME: Mapping[str, ChannelInfo] = MappingProxyType({c.name: c for c in CHANNELS})
_BY_ALIAS: Mapping[str, ChannelInfo] = MappingProxyType({n: c for c in CHANNELS for n in (c.name, *c.aliases)})
_BY_INPUT: Mapping[str, ChannelInfo] = MappingProxyType(
    {n: c for c in CHANNELS if c.conversation for n in (c.name, *c.aliases, *c.also_from)}
)

for _name in (REST, WECHAT, WEBCHAT, EMAIL, PHONE, AGENT):
    if _name not in _BY_NAME:
        raise _data.VocabularyError(f"hotline.yml: channels.{_name} is missing (the code names it)")


def canonical_channel(name: str | None) -> str | None:
    """The channel ``name`` is (a channel's name or one of its aliases), else None."""
    found = _BY_ALIAS.get(name or "")
    return found.name if found else None


def channel_of(input_channel: str | None) -> str:
    """The channel an order from a conversation on this Rasa input channel is filed under (rest when unknown)."""
    found = _BY_INPUT.get((input_channel or REST).lower())
    return found.name if found else REST


def channel_label(name: str) -> str:
    """The channel's label for a channel name or alias; an unknown name as it is."""
    found = _BY_ALIAS.get(name)
    return found.label if found else name


def report_label(name: str) -> str:
    """The monthly report's word for a channel (by its name only); an unknown name as it is."""
    found = _BY_NAME.get(name)
    return found.report_label if found else name

"""Turns a WeChat message into what the bot gets (or an answer without the bot).

The message is read by wechatpy's own parser (`wechatpy.parse_message`, its registry of
`wechatpy.messages` and `wechatpy.events` classes); this module only decides what each
class means for the hotline."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

import xmltodict
from wechatpy import parse_message
from wechatpy.events import (
    ClickEvent,
    SubscribeEvent,
    SubscribeScanEvent,
    SubscribeScanProductEvent,
    UnsubscribeEvent,
)
from wechatpy.messages import BaseMessage, ImageMessage, LocationMessage, TextMessage, VoiceMessage

from channels.wechat import texts

# a follow, also from a QR code with a scene (qrscene_…) or a product page: wechatpy gives each its own class
_SUBSCRIBE = (SubscribeEvent, SubscribeScanEvent, SubscribeScanProductEvent)


@dataclass
class Inbound:
    sender: str  # the citizen's OpenID (FromUserName)
    account: str  # our official account (ToUserName)
    key: str  # exactly-once key: MsgId, or sender + CreateTime for events
    msg_type: str
    text: Optional[str] = None  # for the bot: what the citizen typed (or said)
    payload: Optional[str] = None  # for the bot: a command the channel itself builds (trusted)
    reply: Optional[str] = None  # answered by the channel itself, without the bot
    evidence: Optional[Dict[str, str]] = None  # an image to keep for the order
    unsubscribe: bool = False
    metadata: Dict[str, Any] = field(default_factory=dict)


class MalformedMessage(ValueError):
    pass


def _text(value: Any) -> str:
    """A field's text, stripped; "" when it is missing or not text (a nested element)."""
    return value.strip() if isinstance(value, str) else ""


def _s(fields: Mapping[str, Any], name: str) -> str:
    return _text(fields.get(name))


def message_key(fields: Mapping[str, Any]) -> str:
    msg_id = _s(fields, "MsgId") or _s(fields, "MsgID")
    if msg_id:
        return f"msg:{msg_id}"
    return f"evt:{_s(fields, 'FromUserName')}:{_s(fields, 'CreateTime')}:{_s(fields, 'Event').lower()}"


def location_text(label: str, lat: str, lon: str) -> str:
    if label:
        return f"我的位置在{label}"
    return f"我的位置是纬度{lat}，经度{lon}"


def parse(fields: Mapping[str, Any]) -> BaseMessage:
    """wechatpy's message or event object for the (already checked, entity-free) <xml> dict.

    `parse_message` takes the XML text: the dict goes back to XML (escaped, so nothing in it
    can become markup) and wechatpy picks the class from its registry, as it would for the body.
    Only text fields go back: a nested or repeated element is no field the hotline reads (and
    an Event or EventKey that is not text would trip wechatpy's `.lower()` / `.startswith()`)."""
    return parse_message(xmltodict.unparse({"xml": {k: v for k, v in fields.items() if isinstance(v, str)}}))


def to_inbound(fields: Mapping[str, Any]) -> Inbound:
    """`fields` is the (decrypted) <xml> of the request as a dict."""
    sender, account, msg_type = _s(fields, "FromUserName"), _s(fields, "ToUserName"), _s(fields, "MsgType").lower()
    if not (sender and msg_type):
        raise MalformedMessage("FromUserName and MsgType are required")
    inbound = Inbound(sender=sender, account=account, key=message_key(fields), msg_type=msg_type)
    message = parse(dict(fields, MsgType=msg_type))
    if msg_type == "event":
        # VIEW, SCAN, LOCATION reports, template callbacks, unknown events …: nothing to say
        if isinstance(message, _SUBSCRIBE):
            inbound.reply = texts.WELCOME
        elif isinstance(message, UnsubscribeEvent):
            inbound.unsubscribe = True
        elif isinstance(message, ClickEvent):
            inbound.text = texts.MENU_TEXTS.get(_text(message.key))
    elif isinstance(message, TextMessage):
        content = message.content
        inbound.text = content if isinstance(content, str) and content.strip() else None
        if inbound.text is None:
            inbound.reply = texts.UNSUPPORTED
    elif isinstance(message, VoiceMessage):
        recognition = _text(message.recognition)
        if recognition:
            inbound.text = recognition
            inbound.metadata["voice"] = True
        else:
            inbound.reply = texts.VOICE_NOT_RECOGNISED
    elif isinstance(message, LocationMessage):
        lat, lon, label = _text(message.location_x), _text(message.location_y), _text(message.label)
        # the bot asks whether this is where the matter happened before it fills the order
        inbound.text = location_text(label, lat, lon)
        inbound.payload = "/share_location"
        inbound.metadata["location"] = {"latitude": lat, "longitude": lon, "label": label}
    elif isinstance(message, ImageMessage):
        inbound.evidence = {"type": "image", "media_id": _text(message.media_id), "pic_url": _text(message.image),
                            "msg_id": _s(fields, "MsgId"), "create_time": _s(fields, "CreateTime")}
        inbound.reply = texts.IMAGE_RECEIVED
    else:  # video, shortvideo, link, mini-program pages, device messages, unknown types
        inbound.reply = texts.UNSUPPORTED
    return inbound

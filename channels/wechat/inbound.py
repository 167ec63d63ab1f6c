"""Turns a parsed WeChat message into what the bot gets (or an answer without the bot)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from channels.wechat import texts


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


def _s(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def message_key(fields: Mapping[str, Any]) -> str:
    msg_id = _s(fields, "MsgId") or _s(fields, "MsgID")
    if msg_id:
        return f"msg:{msg_id}"
    return f"evt:{_s(fields, 'FromUserName')}:{_s(fields, 'CreateTime')}:{_s(fields, 'Event').lower()}"


def location_text(label: str, lat: str, lon: str) -> str:
    if label:
        return f"我的位置在{label}"
    return f"我的位置是纬度{lat}，经度{lon}"


def to_inbound(fields: Mapping[str, Any]) -> Inbound:
    """`fields` is the (decrypted) <xml> of the request as a dict."""
    sender, account, msg_type = _s(fields, "FromUserName"), _s(fields, "ToUserName"), _s(fields, "MsgType").lower()
    if not (sender and msg_type):
        raise MalformedMessage("FromUserName and MsgType are required")
    inbound = Inbound(sender=sender, account=account, key=message_key(fields), msg_type=msg_type)
    if msg_type == "text":
        content = fields.get("Content")
        inbound.text = content if isinstance(content, str) and content.strip() else None
        if inbound.text is None:
            inbound.reply = texts.UNSUPPORTED
    elif msg_type == "voice":
        recognition = _s(fields, "Recognition")
        if recognition:
            inbound.text = recognition
            inbound.metadata["voice"] = True
        else:
            inbound.reply = texts.VOICE_NOT_RECOGNISED
    elif msg_type == "location":
        lat, lon, label = _s(fields, "Location_X"), _s(fields, "Location_Y"), _s(fields, "Label")
        # the bot asks whether this is where the matter happened before it fills the order
        inbound.text = location_text(label, lat, lon)
        inbound.payload = "/share_location"
        inbound.metadata["location"] = {"latitude": lat, "longitude": lon, "label": label}
    elif msg_type == "image":
        inbound.evidence = {"type": "image", "media_id": _s(fields, "MediaId"), "pic_url": _s(fields, "PicUrl"),
                            "msg_id": _s(fields, "MsgId"), "create_time": _s(fields, "CreateTime")}
        inbound.reply = texts.IMAGE_RECEIVED
    elif msg_type == "event":
        event = _s(fields, "Event").lower()
        if event == "subscribe":
            inbound.reply = texts.WELCOME
        elif event == "unsubscribe":
            inbound.unsubscribe = True
        elif event == "click":
            inbound.text = texts.MENU_TEXTS.get(_s(fields, "EventKey"))
        # VIEW, SCAN, LOCATION reports, template callbacks …: nothing to say
    else:
        inbound.reply = texts.UNSUPPORTED
    return inbound

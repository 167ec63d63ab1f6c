"""Signature checks, XML parsing and safe-mode (AES) crypto of inbound requests."""
from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict, Mapping, Optional, Tuple

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from channels.wechat.settings import Settings


class RequestRejected(Exception):
    """An inbound request that must not reach the bot; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def check_signature(token: str, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str]) -> None:
    if not (signature and timestamp and nonce):
        raise RequestRejected(403, "missing signature")
    if not hmac.compare_digest(sign(token, timestamp, nonce), signature.lower()):
        raise RequestRejected(403, "bad signature")


def parse_xml(body: bytes) -> Dict[str, Any]:
    """The <xml> root of a body as a dict; 400 for anything else (entities are refused)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRejected(400, "body is not UTF-8")
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise RequestRejected(400, "DTDs are not accepted")
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except Exception:  # expat errors and friends
        raise RequestRejected(400, "malformed XML")
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise RequestRejected(400, "no <xml> root")
    return root


def crypto_for(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(settings.token, settings.encoding_aes_key, settings.app_id)


def decode_request(settings: Settings, query: Mapping[str, str], body: bytes) -> Tuple[Dict[str, Any], bool]:
    """Checks and opens an inbound POST. Returns (message fields, encrypted?).

    Plaintext mode: `signature` over token, timestamp, nonce.
    Compatible and safe mode (`encrypt_type=aes`): additionally `msg_signature` over
    the encrypted payload, which is then decrypted; the reply is encrypted too."""
    timestamp, nonce = query.get("timestamp"), query.get("nonce")
    encrypted = (query.get("encrypt_type") or "raw").lower() == "aes"
    if not encrypted or query.get("signature"):
        # WeChat sends `signature` in every mode; in safe mode msg_signature is what protects the body
        check_signature(settings.token, query.get("signature"), timestamp, nonce)
    root = parse_xml(body)
    if not encrypted:
        return root, False
    if not settings.can_decrypt:
        raise RequestRejected(503, "safe mode request but WECHAT_ENCODING_AES_KEY / WECHAT_APP_ID are not set")
    if not isinstance(root.get("Encrypt"), str):
        raise RequestRejected(400, "no <Encrypt> element")
    try:
        plain = crypto_for(settings).decrypt_message(root, query.get("msg_signature") or "", timestamp, nonce)
    except InvalidSignatureException:
        raise RequestRejected(403, "bad msg_signature")
    except Exception:
        raise RequestRejected(400, "cannot decrypt the message")
    return parse_xml(plain.encode("utf-8") if isinstance(plain, str) else plain), True


def encrypt_reply(settings: Settings, xml: str, nonce: str, timestamp: str) -> str:
    return crypto_for(settings).encrypt_message(xml, nonce, timestamp)

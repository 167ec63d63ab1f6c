"""Signature and timestamp checks, XML parsing and safe-mode (AES) crypto of inbound requests
(the nonce cache that refuses replays within the window is storage: `stores.NonceCache`)."""
from __future__ import annotations

import hashlib
import hmac
import time
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


MAX_NONCE_CHARS = 64


def check_signature(token: str, signature: Optional[str], timestamp: Optional[str], nonce: Optional[str]) -> None:
    if not (signature and timestamp and nonce):
        raise RequestRejected(403, "missing signature")
    if len(nonce) > MAX_NONCE_CHARS or len(timestamp) > 20:
        raise RequestRejected(400, "nonce or timestamp too long")
    if not hmac.compare_digest(sign(token, timestamp, nonce), signature.lower()):
        raise RequestRejected(403, "bad signature")


def check_timestamp(timestamp: Optional[str], window_s: int, now: Optional[float] = None) -> int:
    """The request's timestamp; 400 when it is not a number, 403 when it is more than
    `window_s` from our clock (a logged request replayed later is stale)."""
    try:
        value = int(str(timestamp or "").strip())
    except ValueError:
        raise RequestRejected(400, "timestamp is not a number") from None
    now = time.time() if now is None else now
    if abs(now - value) > window_s:
        raise RequestRejected(403, f"stale timestamp: more than {window_s} s from the server's clock")
    return value


def parse_xml(body: bytes) -> Dict[str, Any]:
    """The <xml> root of a body as a dict; 400 for anything else (entities are refused)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRejected(400, "body is not UTF-8") from None
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise RequestRejected(400, "DTDs are not accepted")
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except Exception:  # expat errors and friends
        raise RequestRejected(400, "malformed XML") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise RequestRejected(400, "no <xml> root")
    return root


def crypto_for(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(settings.token, settings.encoding_aes_key, settings.app_id)


def decode_request(settings: Settings, query: Mapping[str, str], body: bytes,
                   now: Optional[float] = None) -> Tuple[Dict[str, Any], bool]:
    """Checks and opens an inbound POST. Returns (message fields, encrypted?).

    Every mode: `signature` over token, timestamp, nonce, and the timestamp within
    ±`timestamp_window_s` (the nonce is claimed by the caller once all checks passed).
    Compatible and safe mode (`encrypt_type=aes`): additionally `msg_signature` over the
    encrypted payload, which is then decrypted; the reply is encrypted too. With an
    EncodingAESKey set, plaintext requests are refused: their signature does not cover the
    message, so a logged signature would let anyone post anything as anyone."""
    timestamp, nonce = query.get("timestamp"), query.get("nonce")
    encrypted = (query.get("encrypt_type") or "raw").lower() == "aes"
    if not encrypted or query.get("signature"):
        # WeChat sends `signature` in every mode; in safe mode msg_signature is what protects the body
        check_signature(settings.token, query.get("signature"), timestamp, nonce)
    elif not (timestamp and nonce) or len(nonce) > MAX_NONCE_CHARS:
        raise RequestRejected(403, "missing timestamp or nonce")
    check_timestamp(timestamp, settings.timestamp_window_s, now)
    if not encrypted and settings.requires_encryption:
        raise RequestRejected(403, "plaintext request refused: encrypt_type=aes is required (safe mode is on)")
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
        raise RequestRejected(403, "bad msg_signature") from None
    except Exception:
        raise RequestRejected(400, "cannot decrypt the message") from None
    return parse_xml(plain.encode("utf-8") if isinstance(plain, str) else plain), True


def encrypt_reply(settings: Settings, xml: str, nonce: str, timestamp: str) -> str:
    return crypto_for(settings).encrypt_message(xml, nonce, timestamp)

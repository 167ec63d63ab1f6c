"""Settings of the WeChat channel, read from environment variables.

Nothing secret lives in credentials.yml: the channel reads its token, AppID,
AppSecret and EncodingAESKey from the environment. With WECHAT_TOKEN unset the
channel is mounted but disabled: its endpoint answers 503 with a clear message,
and Rasa starts as usual.
"""
from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional, Sequence

from channels.common.settings import ChannelSettings
from vocabulary.channels import WECHAT

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"


def valid_aes_key(key: str) -> bool:
    if len(key) != 43:
        return False
    try:
        return len(base64.b64decode(key + "=")) == 32
    except (binascii.Error, ValueError):
        return False


@dataclass(frozen=True)
class Settings(ChannelSettings):
    CHANNEL: ClassVar[str] = WECHAT
    # non-secret values that credentials.yml may override (secrets come from the environment only)
    OVERRIDABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "reply_budget_s": float,
        "max_body_bytes": int,
        "text_limit_bytes": int,
        "dedupe_ttl_s": int,
        "options_ttl_s": int,
    }
    SECRET_KEYS: ClassVar[Sequence[str]] = ("token", "app_id", "app_secret", "encoding_aes_key", "appid", "secret")

    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    redis_url: str = ""
    redis_prefix: str = "hotline:wechat"
    # seconds the bot may take before we answer "success" and deliver via customer-service messages
    reply_budget_s: float = 4.0
    max_body_bytes: int = 64 * 1024
    # WeChat cuts text messages at 2048 bytes (UTF-8); keep some margin
    text_limit_bytes: int = 2000
    dedupe_ttl_s: int = 600
    # a request's timestamp may differ from our clock by at most this much (replays and stale
    # requests are refused); every (timestamp, nonce) pair is accepted once within the window
    timestamp_window_s: int = 300
    options_ttl_s: int = 2 * 24 * 3600
    evidence_ttl_s: int = 30 * 24 * 3600
    http_timeout_s: float = 10.0
    # images are uploaded to the order gateway (POST /api/v1/attachments) as evidence for the order
    gateway_url: str = "http://127.0.0.1:8000"
    gateway_token: str = ""
    media_max_bytes: int = 10 * 1024 * 1024
    # a result outside the 48-hour window goes as this template message, if the account has one (issue 14)
    result_template_id: str = ""
    result_template_url: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """Inbound messages are accepted only with a token to check signatures against."""
        return bool(self.token)

    @property
    def can_decrypt(self) -> bool:
        return bool(self.encoding_aes_key and self.app_id)

    @property
    def requires_encryption(self) -> bool:
        """With an EncodingAESKey set only safe-mode requests (`encrypt_type=aes`) are accepted:
        a plaintext signature covers timestamp and nonce, not the message."""
        return bool(self.encoding_aes_key)

    @property
    def can_send(self) -> bool:
        """Customer-service (asynchronous) messages need AppID and AppSecret."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        e = cls.env(env)
        aes_key = e.string("WECHAT_ENCODING_AES_KEY")
        if aes_key and not valid_aes_key(aes_key):
            logger.error("WECHAT_ENCODING_AES_KEY is not a 43-character EncodingAESKey; safe mode is off")
            aes_key = ""
        base_url = e.string("WECHAT_API_BASE_URL", DEFAULT_API_BASE_URL)
        if not base_url.endswith("/"):
            base_url += "/"
        defaults = cls()
        return cls(
            token=e.string("WECHAT_TOKEN"),
            app_id=e.string("WECHAT_APP_ID"),
            app_secret=e.string("WECHAT_APP_SECRET"),
            encoding_aes_key=aes_key,
            api_base_url=base_url,
            redis_url=e.string("REDIS_URL"),
            redis_prefix=e.key_prefix(WECHAT, override="WECHAT_REDIS_PREFIX"),
            reply_budget_s=e.number("WECHAT_REPLY_BUDGET_S", defaults.reply_budget_s),
            max_body_bytes=e.integer("WECHAT_MAX_BODY_BYTES", defaults.max_body_bytes),
            text_limit_bytes=e.integer("WECHAT_TEXT_LIMIT_BYTES", defaults.text_limit_bytes),
            dedupe_ttl_s=e.integer("WECHAT_DEDUPE_TTL_S", defaults.dedupe_ttl_s),
            timestamp_window_s=e.integer("WECHAT_TIMESTAMP_WINDOW_S", defaults.timestamp_window_s, minimum=1),
            http_timeout_s=e.number("WECHAT_HTTP_TIMEOUT_S", defaults.http_timeout_s),
            gateway_url=e.url("GATEWAY_URL", defaults.gateway_url),
            gateway_token=e.string("GATEWAY_API_TOKEN"),
            media_max_bytes=e.integer("WECHAT_MEDIA_MAX_BYTES", defaults.media_max_bytes),
            result_template_id=e.string("WECHAT_RESULT_TEMPLATE_ID"),
            result_template_url=e.string("WECHAT_RESULT_TEMPLATE_URL"),
        )

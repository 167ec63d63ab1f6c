"""Settings of the email channel, read from environment variables (no secrets in the repo).

The channel is "configured" for reading when EMAIL_IMAP_HOST, EMAIL_IMAP_USER,
EMAIL_IMAP_PASSWORD and EMAIL_CHANNEL_TOKEN are set, and can answer when
EMAIL_SMTP_HOST and EMAIL_ADDRESS are set. Without them the worker logs one line and
stays idle, and the Rasa endpoint answers 503: `make run` works with no mail server.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TLS_MODES = ("ssl", "starttls", "none")
DEFAULT_DISPLAY_NAME = "商洛12345热线"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(float(raw))
    except ValueError:
        logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return default


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


def _tls(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip().lower() or "ssl"
    if raw not in TLS_MODES:
        logger.error("%s=%r is not one of %s; using ssl", name, raw, "/".join(TLS_MODES))
        return "ssl"
    return raw


def _default_port(tls: str, ssl_port: int, plain_port: int) -> int:
    return ssl_port if tls == "ssl" else plain_port


@dataclass(frozen=True)
class Settings:
    # reading (IMAP)
    imap_host: str = ""
    imap_port: int = 993
    imap_tls: str = "ssl"
    imap_user: str = ""
    imap_password: str = ""
    mailbox: str = "INBOX"
    # sending (SMTP)
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_tls: str = "ssl"
    smtp_user: str = ""
    smtp_password: str = ""
    tls_verify: bool = True
    # the hotline's mailbox
    address: str = ""
    display_name: str = DEFAULT_DISPLAY_NAME
    # worker
    poll_interval_s: float = 60.0
    use_idle: bool = True
    idle_timeout_s: float = 300.0  # re-issue IDLE before servers drop it (RFC 2177: < 29 min)
    timeout_s: float = 30.0
    retry_s: float = 10.0
    # the worker posts parsed mails to the Rasa server's email endpoint
    rasa_url: str = "http://127.0.0.1:5005"
    channel_token: str = ""
    handling_timeout_s: float = 120.0
    lease_s: float = 300.0  # a claim older than this is taken over (the Rasa server died mid-handling)
    # state store: SQLite file by default, Redis when REDIS_URL is set
    store_path: str = str(ROOT / "var" / "email_state.sqlite3")
    redis_url: str = ""
    redis_prefix: str = "hotline:email"
    # attachments: uploaded to the gateway when it has POST /api/v1/attachments
    gateway_url: str = "http://127.0.0.1:8000"
    gateway_token: str = ""
    # a mail larger than this (IMAP RFC822.SIZE) is not fetched: its header only, and a polite reply
    max_mail_bytes: int = 30 * 1024 * 1024
    # a mail whose handling failed this often (unparseable, a bug) is quarantined and the worker goes on
    max_attempts: int = 3
    quarantine_folder: str = "Quarantine"
    # authserv-id of the hotline's own receiving server: only its Authentication-Results count; a mail
    # with dmarc=pass there may join its sender's open thread by subject (empty: only our Message-IDs)
    authserv_id: str = ""
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments: int = 10

    @property
    def can_read(self) -> bool:
        return bool(self.imap_host and self.imap_user and self.imap_password and self.channel_token)

    @property
    def can_send(self) -> bool:
        return bool(self.smtp_host and self.address)

    def missing_for_worker(self) -> list:
        names = {
            "EMAIL_IMAP_HOST": self.imap_host, "EMAIL_IMAP_USER": self.imap_user,
            "EMAIL_IMAP_PASSWORD": self.imap_password, "EMAIL_CHANNEL_TOKEN": self.channel_token,
            "EMAIL_ADDRESS": self.address,
        }
        return [name for name, value in names.items() if not value]

    @property
    def own_domain(self) -> str:
        return self.address.rsplit("@", 1)[-1] if "@" in self.address else "localhost"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        imap_tls = _tls(env, "EMAIL_IMAP_TLS")
        smtp_tls = _tls(env, "EMAIL_SMTP_TLS")
        imap_user = env.get("EMAIL_IMAP_USER", "").strip()
        address = env.get("EMAIL_ADDRESS", "").strip() or (imap_user if "@" in imap_user else "")
        store_path = env.get("EMAIL_STORE_PATH", "").strip() or cls.store_path
        prefix = env.get("EMAIL_REDIS_PREFIX", "").strip() or f"{env.get('REDIS_KEY_PREFIX', 'hotline')}:email"
        defaults = cls()
        return cls(
            imap_host=env.get("EMAIL_IMAP_HOST", "").strip(),
            imap_port=_int(env, "EMAIL_IMAP_PORT", _default_port(imap_tls, 993, 143)),
            imap_tls=imap_tls,
            imap_user=imap_user,
            imap_password=env.get("EMAIL_IMAP_PASSWORD", ""),
            mailbox=env.get("EMAIL_MAILBOX", "").strip() or "INBOX",
            smtp_host=env.get("EMAIL_SMTP_HOST", "").strip(),
            smtp_port=_int(env, "EMAIL_SMTP_PORT", _default_port(smtp_tls, 465, 587)),
            smtp_tls=smtp_tls,
            smtp_user=env.get("EMAIL_SMTP_USER", "").strip(),
            smtp_password=env.get("EMAIL_SMTP_PASSWORD", ""),
            tls_verify=_bool(env, "EMAIL_TLS_VERIFY", True),
            address=address,
            display_name=env.get("EMAIL_DISPLAY_NAME", "").strip() or DEFAULT_DISPLAY_NAME,
            poll_interval_s=max(1.0, _float(env, "EMAIL_POLL_INTERVAL_S", defaults.poll_interval_s)),
            use_idle=_bool(env, "EMAIL_USE_IDLE", True),
            idle_timeout_s=max(5.0, _float(env, "EMAIL_IDLE_TIMEOUT_S", defaults.idle_timeout_s)),
            timeout_s=_float(env, "EMAIL_TIMEOUT_S", defaults.timeout_s),
            retry_s=max(0.2, _float(env, "EMAIL_RETRY_S", defaults.retry_s)),
            rasa_url=(env.get("EMAIL_RASA_URL", "").strip()
                      or f"http://127.0.0.1:{env.get('RASA_PORT', '5005').strip() or '5005'}").rstrip("/"),
            channel_token=env.get("EMAIL_CHANNEL_TOKEN", "").strip(),
            handling_timeout_s=_float(env, "EMAIL_HANDLING_TIMEOUT_S", defaults.handling_timeout_s),
            lease_s=_float(env, "EMAIL_LEASE_S", defaults.lease_s),
            store_path=store_path,
            redis_url=env.get("REDIS_URL", "").strip(),
            redis_prefix=prefix,
            gateway_url=(env.get("GATEWAY_URL", "").strip() or defaults.gateway_url).rstrip("/"),
            gateway_token=env.get("GATEWAY_API_TOKEN", "").strip(),
            max_mail_bytes=_int(env, "EMAIL_MAX_MAIL_BYTES", defaults.max_mail_bytes),
            max_attempts=max(1, _int(env, "EMAIL_MAX_ATTEMPTS", defaults.max_attempts)),
            quarantine_folder=env.get("EMAIL_QUARANTINE_FOLDER", "").strip() or defaults.quarantine_folder,
            authserv_id=env.get("EMAIL_AUTHSERV_ID", "").strip().lower(),
            max_attachment_bytes=_int(env, "EMAIL_MAX_ATTACHMENT_BYTES", defaults.max_attachment_bytes),
            max_attachments=_int(env, "EMAIL_MAX_ATTACHMENTS", defaults.max_attachments),
        )

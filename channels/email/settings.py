"""Settings of the email channel, read from environment variables (no secrets in the repo).

The channel is "configured" for reading when EMAIL_IMAP_HOST, EMAIL_IMAP_USER,
EMAIL_IMAP_PASSWORD and EMAIL_CHANNEL_TOKEN are set, and can answer when
EMAIL_SMTP_HOST and EMAIL_ADDRESS are set. Without them the worker logs one line and
stays idle, and the Rasa endpoint answers 503: `make run` works with no mail server.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Mapping, Optional

from channels.common.settings import ChannelSettings
from vocabulary.channels import EMAIL

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TLS_MODES = ("ssl", "starttls", "none")
DEFAULT_DISPLAY_NAME = "商洛12345热线"


def _default_port(tls: str, ssl_port: int, plain_port: int) -> int:
    return ssl_port if tls == "ssl" else plain_port


@dataclass(frozen=True)
class Settings(ChannelSettings):
    CHANNEL: ClassVar[str] = EMAIL

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
        e = cls.env(env)
        imap_tls = e.choice("EMAIL_IMAP_TLS", TLS_MODES, "ssl")
        smtp_tls = e.choice("EMAIL_SMTP_TLS", TLS_MODES, "ssl")
        imap_user = e.string("EMAIL_IMAP_USER")
        address = e.string("EMAIL_ADDRESS") or (imap_user if "@" in imap_user else "")
        defaults = cls()
        return cls(
            imap_host=e.string("EMAIL_IMAP_HOST"),
            imap_port=e.integer("EMAIL_IMAP_PORT", _default_port(imap_tls, 993, 143)),
            imap_tls=imap_tls,
            imap_user=imap_user,
            imap_password=e.raw("EMAIL_IMAP_PASSWORD"),
            mailbox=e.string("EMAIL_MAILBOX", "INBOX"),
            smtp_host=e.string("EMAIL_SMTP_HOST"),
            smtp_port=e.integer("EMAIL_SMTP_PORT", _default_port(smtp_tls, 465, 587)),
            smtp_tls=smtp_tls,
            smtp_user=e.string("EMAIL_SMTP_USER"),
            smtp_password=e.raw("EMAIL_SMTP_PASSWORD"),
            tls_verify=e.boolean("EMAIL_TLS_VERIFY", True),
            address=address,
            display_name=e.string("EMAIL_DISPLAY_NAME", DEFAULT_DISPLAY_NAME),
            poll_interval_s=e.number("EMAIL_POLL_INTERVAL_S", defaults.poll_interval_s, minimum=1.0),
            use_idle=e.boolean("EMAIL_USE_IDLE", True),
            idle_timeout_s=e.number("EMAIL_IDLE_TIMEOUT_S", defaults.idle_timeout_s, minimum=5.0),
            timeout_s=e.number("EMAIL_TIMEOUT_S", defaults.timeout_s),
            retry_s=e.number("EMAIL_RETRY_S", defaults.retry_s, minimum=0.2),
            rasa_url=e.url("EMAIL_RASA_URL", f"http://127.0.0.1:{e.string('RASA_PORT', '5005')}"),
            channel_token=e.string("EMAIL_CHANNEL_TOKEN"),
            handling_timeout_s=e.number("EMAIL_HANDLING_TIMEOUT_S", defaults.handling_timeout_s),
            lease_s=e.number("EMAIL_LEASE_S", defaults.lease_s),
            store_path=e.string("EMAIL_STORE_PATH", defaults.store_path),
            redis_url=e.string("REDIS_URL"),
            redis_prefix=e.key_prefix(EMAIL, override="EMAIL_REDIS_PREFIX"),
            gateway_url=e.url("GATEWAY_URL", defaults.gateway_url),
            gateway_token=e.string("GATEWAY_API_TOKEN"),
            max_mail_bytes=e.integer("EMAIL_MAX_MAIL_BYTES", defaults.max_mail_bytes),
            max_attempts=e.integer("EMAIL_MAX_ATTEMPTS", defaults.max_attempts, minimum=1),
            quarantine_folder=e.string("EMAIL_QUARANTINE_FOLDER", defaults.quarantine_folder),
            authserv_id=e.string("EMAIL_AUTHSERV_ID").lower(),
            max_attachment_bytes=e.integer("EMAIL_MAX_ATTACHMENT_BYTES", defaults.max_attachment_bytes),
            max_attachments=e.integer("EMAIL_MAX_ATTACHMENTS", defaults.max_attachments),
        )

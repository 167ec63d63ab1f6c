"""The retention policy: how many days each kind of personal data is kept (env ``RETENTION_*``).

The defaults and the reasons for them are in docs/security.md ("Retention"). Where each
store lives is read from the same variables the processes that write it use
(DATABASE_URL, EVENTS_DB_URL, KB_GAPS_DB, EMAIL_STORE_PATH, REDIS_URL, …).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


def _days(default: int, name: str, what: str) -> Field:  # type: ignore[valid-type]
    return Field(default=default, ge=1, le=36500, validation_alias=AliasChoices(f"RETENTION_{name}", name.lower()),
                 description=what)


class RetentionPolicy(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    closed_order_days: int = _days(
        365, "CLOSED_ORDER_DAYS",
        "days after an order was completed or withdrawn until its personal fields (and those of its "
        "history and attachments) are masked; the order itself stays for the reports")
    conversation_days: int = _days(
        90, "CONVERSATION_DAYS",
        "conversation events of the SQL event broker (texts, slots) and closed console hand-offs")
    email_days: int = _days(90, "EMAIL_DAYS", "the email channel's state: composed replies, threads, reply addresses")
    email_attachment_days: int = _days(
        30, "EMAIL_ATTACHMENT_DAYS", "attachment blobs the email worker kept because the gateway could not take them")
    wechat_undelivered_days: int = _days(
        14, "WECHAT_UNDELIVERED_DAYS", "WeChat messages that could not be delivered (the agents' call-back list)")
    kb_gap_days: int = _days(90, "KB_GAP_DAYS", "questions the knowledge base could not answer (raw citizen text)")
    outbox_sent_days: int = _days(30, "OUTBOX_SENT_DAYS", "payloads of orders already delivered upstream")
    idempotency_key_days: int = _days(30, "IDEMPOTENCY_KEY_DAYS", "Idempotency-Keys (they name the conversation)")
    unlinked_attachment_days: int = _days(
        30, "UNLINKED_ATTACHMENT_DAYS", "uploads that were never linked to an order (the citizen gave up)")
    interval_hours: float = Field(default=24.0, gt=0, le=24 * 31,
                                  validation_alias=AliasChoices("RETENTION_INTERVAL_HOURS", "interval_hours"),
                                  description="`python -m gateway.retention loop`: hours between two prunes")

    # where the stores are (the names the writing processes read)
    kb_gaps_db: Path = Field(default=Path("var/kb_gaps.sqlite3"),
                             validation_alias=AliasChoices("KB_GAPS_DB", "kb_gaps_db"))
    email_store_path: Path = Field(default=ROOT / "var" / "email_state.sqlite3",
                                   validation_alias=AliasChoices("EMAIL_STORE_PATH", "email_store_path"))
    email_redis_prefix: str = Field(default="", validation_alias=AliasChoices("EMAIL_REDIS_PREFIX", "email_redis_prefix"))
    redis_url: str = Field(default="", validation_alias=AliasChoices("REDIS_URL", "redis_url"))
    redis_key_prefix: str = Field(default="hotline", validation_alias=AliasChoices("REDIS_KEY_PREFIX", "redis_key_prefix"))
    var_dir: Path = Field(default=ROOT / "var", validation_alias=AliasChoices("RETENTION_VAR_DIR", "var_dir"))
    env_file: Path = Field(default=ROOT / ".env", validation_alias=AliasChoices("RETENTION_ENV_FILE", "env_file"))

    @property
    def email_prefix(self) -> str:
        """Same rule as channels/email/settings.py."""
        return self.email_redis_prefix.strip() or f"{self.redis_key_prefix}:email"

"""Settings from the environment and the worker → Rasa payload check."""
from __future__ import annotations

from channels.email.handler import validate_payload
from channels.email.settings import Settings


def test_unconfigured_by_default():
    s = Settings.from_env({})
    assert not s.can_read and not s.can_send
    assert "EMAIL_IMAP_HOST" in s.missing_for_worker()
    assert s.display_name == "商洛12345热线"


def test_ports_follow_tls_mode_and_address_defaults_to_user():
    s = Settings.from_env({"EMAIL_IMAP_HOST": "imap.x", "EMAIL_IMAP_USER": "12345@x.gov.cn", "EMAIL_IMAP_PASSWORD": "p",
                           "EMAIL_CHANNEL_TOKEN": "t", "EMAIL_SMTP_HOST": "smtp.x", "EMAIL_SMTP_TLS": "starttls",
                           "EMAIL_IMAP_TLS": "none"})
    assert s.imap_port == 143 and s.smtp_port == 587 and s.address == "12345@x.gov.cn"
    assert s.can_read and s.can_send and s.missing_for_worker() == []
    assert Settings.from_env({}).imap_port == 993 and Settings.from_env({}).smtp_port == 465


def test_bad_values_fall_back():
    s = Settings.from_env({"EMAIL_IMAP_TLS": "tls1.3", "EMAIL_POLL_INTERVAL_S": "soon", "EMAIL_IMAP_PORT": "x"})
    assert s.imap_tls == "ssl" and s.poll_interval_s == 60 and s.imap_port == 993


def test_redis_prefix_and_store_path():
    s = Settings.from_env({"REDIS_URL": "redis://r", "REDIS_KEY_PREFIX": "e2e1", "EMAIL_STORE_PATH": "/tmp/x.db"})
    assert s.redis_prefix == "e2e1:email" and s.store_path == "/tmp/x.db"


def test_payload_validation():
    good = {"message_id": "<a@b>", "sender_id": "email-t1", "from_address": "a@b", "text": "你好"}
    assert validate_payload(good) is None
    assert validate_payload([]) == "body must be a JSON object"
    assert validate_payload({**good, "message_id": ""})
    assert validate_payload({**good, "text": 5})
    assert validate_payload({**good, "attachments": "x"})

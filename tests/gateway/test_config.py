"""Settings, token handling, database URL handling."""

from __future__ import annotations

import logging
import pytest
from fastapi.testclient import TestClient

from gateway.core.config import DEFAULT_DATABASE_URL, Settings, resolve_api_token
from gateway.core.db import make_engine
from gateway.core.security import TokenChecker
from gateway.main import create_app


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "GATEWAY_DATABASE_URL", "GATEWAY_API_TOKEN", "GATEWAY_MAX_BODY_BYTES",
                 "GATEWAY_TIMEZONE", "GATEWAY_HOLIDAYS_FILE", "GATEWAY_AUTO_MIGRATE"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.max_body_bytes == 64 * 1024
    assert settings.timezone == "Asia/Shanghai"
    assert settings.api_token is None
    assert settings.auto_migrate is True


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("GATEWAY_API_TOKEN", "from-env")
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("GATEWAY_HOLIDAYS_FILE", str(tmp_path / "h.yaml"))
    monkeypatch.setenv("GATEWAY_AUTO_MIGRATE", "false")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p%40ss@db:5432/gw")
    settings = Settings()
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)
    assert settings.max_body_bytes == 4096
    assert settings.holidays_file == tmp_path / "h.yaml"
    assert settings.auto_migrate is False
    assert settings.database_url == "postgresql+psycopg://u:p%40ss@db:5432/gw"


def test_prefixed_database_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///plain.db")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "sqlite:///prefixed.db")
    assert Settings().database_url == "sqlite:///prefixed.db"


def test_unknown_timezone_is_rejected():
    with pytest.raises(ValueError):
        Settings(timezone="Mars/Olympus")


def test_missing_token_is_generated_and_warned(caplog):
    caplog.set_level(logging.WARNING, logger="gateway.core.config")
    first = resolve_api_token(Settings())
    second = resolve_api_token(Settings(api_token="  "))
    assert len(first) >= 32 and first != second
    assert any("GATEWAY_API_TOKEN is not set" in r.getMessage() for r in caplog.records)


def test_generated_token_protects_the_api(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/orders").status_code == 401
        assert client.get("/api/v1/orders", headers={"Authorization": "Bearer "}).status_code == 401
        assert client.get("/health").status_code == 200


def test_token_checker():
    checker = TokenChecker("s3cret")
    assert checker.is_valid("s3cret")
    assert not checker.is_valid("s3cre")
    assert not checker.is_valid("")
    assert not checker.is_valid(None)
    assert not checker.is_valid("s3cret\udc80")
    with pytest.raises(ValueError):
        TokenChecker("")


def test_sqlite_folder_is_created(tmp_path):
    path = tmp_path / "nested" / "deeper" / "gw.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    engine.dispose()
    assert path.exists()


def test_unsupported_backend_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://u@localhost/db")


def test_import_has_no_side_effects(tmp_path, monkeypatch):
    """Importing gateway.main (module-level app) must not touch the database."""
    import importlib

    import gateway.main

    monkeypatch.chdir(tmp_path)
    importlib.reload(gateway.main)
    assert not (tmp_path / "var").exists()

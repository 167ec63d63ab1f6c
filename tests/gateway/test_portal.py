"""The demo portal page (/) and the chat widget's files (/widget/*) served by the gateway."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from gateway.core.config import Settings
from gateway.main import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def portal(tmp_path: Path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gw.db'}", api_token="t" * 20,
                        webchat_socket_url="https://chat.example.gov.cn:5005")
    with TestClient(create_app(settings)) as client:
        yield client


def test_demo_page_embeds_the_widget_with_the_configured_socket_url_and_a_strict_csp(portal):
    response = portal.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "商洛市人民政府" in html and 'lang="zh-CN"' in html
    assert '<script src="/widget/widget.js" data-socket-url="https://chat.example.gov.cn:5005" defer></script>' in html
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "connect-src 'self' https://chat.example.gov.cn:5005 wss://chat.example.gov.cn:5005" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert nonce not in portal.get("/").headers["content-security-policy"]  # fresh per response
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["widget.js", "widget.css", "vendor/socket.io.min.js"])
def test_widget_files_are_served(portal, path):
    response = portal.get(f"/widget/{path}")
    assert response.status_code == 200
    assert response.content == (ROOT / "gateway/web/widget" / path).read_bytes()
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["", "vendor/VERSION", "../main.py", "%2e%2e/main.py", "vendor/", "widget.js/x",
                                  "..%2f..%2fgateway%2fmain.py"])
def test_nothing_else_is_served_under_widget(portal, path):
    response = portal.get(f"/widget/{path}")
    assert response.status_code == 404
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_vendored_socket_io_client_matches_the_recorded_checksum():
    script = (ROOT / "scripts/vendor_widget.sh").read_text()
    recorded = re.search(r'^SHA256="([0-9a-f]{64})"$', script, re.M).group(1)
    vendored = (ROOT / "gateway/web/widget/vendor/socket.io.min.js").read_bytes()
    assert hashlib.sha256(vendored).hexdigest() == recorded


def test_widget_never_puts_text_in_as_html():
    source = (ROOT / "gateway/web/widget/widget.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "localhost:5005", 'http://x" onload="y', "ftp://x", "http://"])
def test_socket_url_setting_must_be_an_http_origin(url):
    with pytest.raises(ValidationError):
        Settings(webchat_socket_url=url)

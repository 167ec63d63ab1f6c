"""channels/rest.py, the trusted REST channel: its sender namespace and token check.
Against the real Rasa server: tests/e2e/test_public_surface.py."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from channels.rest import TrustedRestInput, bearer_token, token_matches, valid_sender


@pytest.mark.parametrize("sender", ["rest-e2e-0a1b2c3d4e", "rest-bench-x", "rest-cq-1:2.3_4"])
def test_rest_senders_are_taken(sender):
    assert valid_sender(sender)


@pytest.mark.parametrize("sender", [
    "web-" + "0" * 32, "webchat-" + "0" * 32, "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "email-0123abcd", "rest-", "rest",
    "REST-x", "rest-a/b", "rest-../x", "rest-" + "a" * 97, "", None, 12,
])
def test_senders_of_other_channels_and_odd_ones_are_refused(sender):
    assert not valid_sender(sender)


def _request(authorization):
    return SimpleNamespace(headers={"authorization": authorization} if authorization is not None else {})


def test_bearer_token_and_constant_time_match():
    assert bearer_token(_request("Bearer abc")) == "abc"
    assert bearer_token(_request("bearer abc ")) == "abc"
    assert bearer_token(_request("Basic abc")) == "" and bearer_token(_request(None)) == ""
    assert token_matches("abc", "abc") and not token_matches("abc", "abd") and not token_matches("abc", "")
    assert not token_matches("", "")  # no token configured: nobody gets in


def test_without_a_token_the_channel_is_shut(monkeypatch):
    monkeypatch.delenv("REST_CHANNEL_TOKEN", raising=False)
    assert TrustedRestInput.from_credentials(None).token == ""
    monkeypatch.setenv("REST_CHANNEL_TOKEN", " t0ken ")
    assert TrustedRestInput.from_credentials(None).token == "t0ken"
    assert TrustedRestInput.name() == "rest"  # the orders' channel stays "rest"


def test_rasa_s_built_in_rest_channel_is_off():
    from pathlib import Path

    import yaml

    channels = yaml.safe_load((Path(__file__).resolve().parents[2] / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in channels and "channels.rest.TrustedRestInput" in channels

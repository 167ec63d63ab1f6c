"""bot/action_server.py: the action server on loopback, behind Rasa's shared token.
Against the running stack: tests/e2e/test_public_surface.py."""
from __future__ import annotations

import pytest

from bot import action_server


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                           ("localhost", True), ("0.0.0.0", False), ("192.0.2.2", False),
                                           ("::", False), ("example.org", False)])
def test_loopback_hosts(host, loopback):
    assert action_server.is_loopback(host) is loopback


def test_without_a_token_it_refuses_to_listen_beyond_loopback(monkeypatch):
    monkeypatch.setenv("ACTIONS_HOST", "0.0.0.0")
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="ACTION_SERVER_TOKEN"):
        action_server.main(["--actions", "bot.actions"])

"""The server-sent event stream and the users command line."""

from __future__ import annotations

import io
import json

import pytest

from gateway.console.stream import format_event
from gateway.console.users import main as users_main


def test_event_format():
    assert format_event("update", {"events": 3, "handoffs": "x"}) == 'event: update\ndata: {"events":3,"handoffs":"x"}\n\n'


def test_stream_sends_updates_as_server_sent_events(agents, events_table):
    events_table.user("c1", "你好")
    with agents["王芳"].client.stream("GET", "/console/api/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())  # the test settings end the stream after 0.5 s
    assert body.startswith("retry: 2000\n\n")
    blocks = [b for b in body.split("\n\n") if b.startswith("event: update")]
    name, data = blocks[0].split("\n")
    assert data.startswith("data: ") and json.loads(data[6:])["events"] == 1


def test_users_cli_adds_and_lists(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    assert users_main(["--database-url", url, "add", "王芳", "--role", "agent", "--password-stdin"]) == 0
    assert "已创建用户“王芳”（话务员）" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    assert users_main(["--database-url", url, "add", "王芳", "--password-stdin"]) == 2
    assert "已存在" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert users_main(["--database-url", url, "add", "李强", "--password-stdin"]) == 2
    assert users_main(["--database-url", url, "list"]) == 0
    assert "王芳\t话务员" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["<b>", "", "x" * 51])
def test_bad_user_names_are_refused(name):
    from gateway.console.users import UserError, clean_name

    with pytest.raises(UserError):
        clean_name(name)

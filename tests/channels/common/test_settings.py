"""The channel kit's settings: one reader of the environment, one base class (channels/common/settings.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Optional, Sequence

import pytest

from channels.common.settings import ChannelSettings, Env


def test_strings_are_stripped_and_blank_is_the_default() -> None:
    env = Env({"A": "  x  ", "B": "   ", "P": "  secret  "})
    assert env.string("A") == "x"
    assert env.string("B", "d") == "d" and env.string("MISSING", "d") == "d"
    assert env.raw("P") == "  secret  " and env.raw("MISSING") == ""


def test_urls_lose_their_trailing_slash() -> None:
    env = Env({"GATEWAY_URL": "http://gw:8000/ "})
    assert env.url("GATEWAY_URL", "http://127.0.0.1:8000") == "http://gw:8000"
    assert env.url("MISSING", "http://127.0.0.1:8000/") == "http://127.0.0.1:8000"


def test_numbers(caplog: pytest.LogCaptureFixture) -> None:
    env = Env({"F": "2.5", "BAD": "two", "LOW": "0.01", "I": "30", "CUT": "2.9", "INF": "inf"})
    assert env.number("F", 1.0) == 2.5
    assert env.number("MISSING", 1.5) == 1.5
    assert env.number("LOW", 10.0, minimum=0.2) == 0.2
    assert env.integer("I", 5) == 30 and env.integer("CUT", 5) == 2
    with caplog.at_level(logging.WARNING):
        assert env.number("BAD", 4.0) == 4.0
        assert env.integer("BAD", 4) == 4
        assert env.integer("INF", 4) == 4
    assert [r.getMessage() for r in caplog.records] == [
        "BAD='two' is not a number; using 4.0",
        "BAD='two' is not a number; using 4",
        "INF='inf' is not a number; using 4",
    ]


def test_whole_numbers_outside_their_range_fall_back(caplog: pytest.LogCaptureFixture) -> None:
    env = Env({"N": "0", "M": "99999", "OK": "7", "W": "0"})
    with caplog.at_level(logging.WARNING):
        assert env.integer("N", 25, low=1, high=300) == 25
        assert env.integer("M", 25, low=1, high=300) == 25
    assert env.integer("OK", 25, low=1, high=300) == 7
    assert env.integer("W", 300, minimum=1) == 1  # a floor raises, a range refuses
    assert "N=0 is outside 1..300; using 25" in caplog.text


def test_flags_and_choices(caplog: pytest.LogCaptureFixture) -> None:
    env = Env({"Y": "Yes", "N": "off", "T": " STARTTLS ", "X": "tls1.3"})
    assert env.boolean("Y", False) and not env.boolean("N", True) and env.boolean("MISSING", True)
    assert env.choice("T", ("ssl", "starttls", "none"), "ssl") == "starttls"
    assert env.choice("MISSING", ("ssl", "starttls", "none"), "ssl") == "ssl"
    with caplog.at_level(logging.ERROR):
        assert env.choice("X", ("ssl", "starttls", "none"), "ssl") == "ssl"
    assert "X='tls1.3' is not one of ssl/starttls/none; using ssl" in caplog.text


def test_key_prefixes_follow_redis_key_prefix_as_the_gateway_reads_it() -> None:
    assert Env({}).key_prefix("wechat") == "hotline:wechat"
    assert Env({"REDIS_KEY_PREFIX": "city"}).key_prefix("email") == "city:email"
    assert Env({"REDIS_KEY_PREFIX": "city", "X_PREFIX": " own "}).key_prefix("email", override="X_PREFIX") == "own"
    assert Env({"X_PREFIX": " "}).key_prefix("email", override="X_PREFIX") == "hotline:email"


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIT_TEST_VALUE", " 42 ")
    assert Env().integer("KIT_TEST_VALUE", 0) == 42


@dataclass(frozen=True)
class Demo(ChannelSettings):
    CHANNEL: ClassVar[str] = "demo"
    OVERRIDABLE: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "limit": int,
        "path": lambda value: str(value) if value else None,
    }
    SECRET_KEYS: ClassVar[Sequence[str]] = ("token",)

    limit: int = 10
    path: str = "/socket.io"
    token: str = ""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Demo":
        e = cls.env(env)
        return cls(limit=e.integer("DEMO_LIMIT", 10), token=e.string("DEMO_TOKEN"))


def test_a_channel_reads_its_variables_through_the_base() -> None:
    assert Demo.from_env({"DEMO_LIMIT": "12", "DEMO_TOKEN": " t "}) == Demo(limit=12, token="t")


def test_overrides_take_non_secret_values_only(caplog: pytest.LogCaptureFixture) -> None:
    base = Demo(token="from-env")
    with caplog.at_level(logging.WARNING):
        tuned = base.with_overrides({"limit": "20", "path": "", "token": "in-yaml", "unknown": 1})
    assert tuned == Demo(limit=20, path="/socket.io", token="from-env")
    assert "credentials.yml: demo.token is ignored; set it as an environment variable" in caplog.text
    assert base.with_overrides(None) is base and base.with_overrides({"limit": None}) is base

"""Web chat channel, pure parts: session ids, settings, the checks of a citizen message,
the JSON of a bot message, and the transcript rebuilt from tracker events."""
from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from channels.webchat import inbound, texts
from channels.webchat.history import DISPLAY_KEY, transcript
from channels.webchat.output import bot_message
from channels.webchat.session import new_session_id, sender_for, session_or_new, valid_session_id
from channels.webchat.settings import DEFAULT_ORIGINS, Settings

SID = "web-" + "0123456789abcdef" * 2


# -- session ids
def test_new_session_ids_are_valid_and_unique():
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(valid_session_id(i) for i in ids)


def test_malformed_session_ids_are_refused_and_replaced():
    for bad in [None, "", 42, ["web-"], "web-123", "WEB-" + "a" * 32, "web-" + "A" * 32, "web-" + "g" * 32,
                SID + "\n", " " + SID, "web-" + "a" * 33, "../../etc/passwd", "web-" + "a" * 31 + "é"]:
        assert not valid_session_id(bad), bad
        replaced = session_or_new(bad)
        assert valid_session_id(replaced) and replaced != bad
    assert session_or_new(SID) == SID


# -- settings
def test_sender_ids_are_keyed_hashes_of_session_ids():
    a, b = new_session_id(), new_session_id()
    sender = sender_for("k1", a)
    assert sender == sender_for("k1", a) and sender.startswith("webchat-") and len(sender) == len("webchat-") + 32
    assert sender != sender_for("k1", b) and sender != sender_for("k2", a)  # per session, per key
    assert a[4:] not in sender


def test_sender_secret_from_environment_or_random_per_process():
    assert Settings.from_env({"WEBCHAT_SENDER_SECRET": "s3cret"}).sender_secret == "s3cret"
    one, two = Settings.from_env({}), Settings.from_env({})
    assert one.sender_secret and one.sender_secret != two.sender_secret
    assert Settings().sender_secret  # never empty, also when built by hand


def test_settings_defaults_and_environment():
    default = Settings.from_env({})
    assert default.allowed_origins == DEFAULT_ORIGINS and default.redis_url == ""
    assert default.redis_channel == "hotline:webchat" and default.max_chars == 2000
    env = {"WEBCHAT_ALLOWED_ORIGINS": " https://www.shangluo.gov.cn/ , http://127.0.0.1:9000",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_KEY_PREFIX": "e2e1", "WEBCHAT_MAX_CHARS": "oops"}
    settings = Settings.from_env(env)
    assert settings.allowed_origins == ("https://www.shangluo.gov.cn", "http://127.0.0.1:9000")
    assert settings.redis_channel == "e2e1:webchat" and settings.max_chars == 2000
    assert settings.origin_allowed("https://www.shangluo.gov.cn")
    assert not settings.origin_allowed("https://evil.example") and not settings.origin_allowed(None)
    assert Settings.from_env({"WEBCHAT_ALLOWED_ORIGINS": "*"}).origin_allowed("https://any.example")
    assert settings.with_overrides({"max_chars": 500, "socketio_path": "/chat/socket.io"}).max_chars == 500


# -- a citizen's message
def _check(data, session=SID):
    return inbound.check(data, 2000, session)


def test_plain_text_is_accepted_and_cleaned():
    result = _check({"message": "  我们小区停水两天了\x00 "})
    assert isinstance(result, inbound.Accepted)
    assert result.text == "我们小区停水两天了" and result.display == result.text and result.session_id == SID


def test_typed_commands_never_reach_rasa_as_commands():
    for typed in ["/restart", "/session_start", '/inform{"phone":"1"}', "/affirm"]:
        result = _check({"message": typed})
        assert isinstance(result, inbound.Accepted) and not result.text.startswith("/"), typed
    # the same text claimed to be a button click passes only for an intent we offer in buttons
    assert _check({"message": "/restart", "is_payload": True}).text == "／restart"
    click = _check({"message": "/affirm", "is_payload": True, "title": "是的，提交"})
    assert click.text == "/affirm" and click.display == "是的，提交" and click.is_payload
    assert _check({"message": "/affirm", "is_payload": "yes"}).text == "／affirm"  # only a real true


def test_empty_oversized_and_malformed_messages_are_refused_in_chinese():
    assert _check({"message": "   \n\t "}) == inbound.Refused("empty", texts.EMPTY)
    assert _check({"message": "\x01\x02"}).code == "empty"
    too_long = _check({"message": "水" * 2001})
    assert too_long.code == "too_long" and "2000" in too_long.text
    assert isinstance(_check({"message": "水" * 2000}), inbound.Accepted)
    for bad in [None, "text", ["a"], {"message": 12}, {"message": None}, {"message": {"a": 1}}]:
        assert _check(bad).code == "malformed", bad
    assert inbound.check({"message": "你好"}, 2000, None).code == "no_session"
    other = "web-" + "f" * 32
    assert _check({"message": "你好", "session_id": other}).session_id == other
    assert _check({"message": "你好", "session_id": "web-bad"}).session_id == SID


# -- bot messages
def test_bot_message_json_keeps_text_buttons_and_agent_only():
    message = {"text": "请确认", "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "", "payload": "/x"}, "junk"],
               "utter_action": "utter_confirm", "timestamp": 1.0}
    assert bot_message(message) == {"text": "请确认", "buttons": [{"title": "是", "payload": "/affirm"}]}
    assert bot_message({"text": "您好，我是王芳", "agent": "王芳"}) == {"text": "您好，我是王芳", "buttons": [], "agent": "王芳"}
    assert bot_message({"text": "  "}) is None and bot_message({"image": "x.png"}) is None


# -- history
def test_transcript_from_tracker_events():
    events = [
        SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("我们小区停水两天了", metadata={DISPLAY_KEY: "我们小区停水两天了"}),
        BotUttered("请问在哪个区县？", data={"buttons": [{"title": "商州区", "payload": '/inform{"district":"商州区"}'}]},
                   metadata={"utter_action": "utter_ask_district"}),
        UserUttered('/inform{"district":"商州区"}', metadata={DISPLAY_KEY: "商州区"}),
        SlotSet("district", "商州区"),
        UserUttered("<img src=x onerror=alert(1)>"),
        BotUttered("您好，我是人工客服王芳，正在为您处理。", metadata={"agent": "王芳"}),
        BotUttered(""),
    ]
    messages = transcript([e.as_dict() for e in events])
    assert messages == [
        {"from": "citizen", "text": "我们小区停水两天了"},
        {"from": "bot", "text": "请问在哪个区县？", "buttons": [{"title": "商州区", "payload": '/inform{"district":"商州区"}'}]},
        {"from": "citizen", "text": "商州区"},
        {"from": "citizen", "text": "<img src=x onerror=alert(1)>"},
        {"from": "agent", "text": "您好，我是人工客服王芳，正在为您处理。", "buttons": [], "agent": "王芳"},
    ]
    assert transcript([e.as_dict() for e in events], limit=2) == messages[-2:]

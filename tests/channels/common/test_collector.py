"""The channel kit's bot call: the answers are collected under the channel's name (channels/common/collector.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.common.collector import collector_class, make_ask_bot


def test_one_collector_class_per_channel_name() -> None:
    email, wechat = collector_class("email"), collector_class("wechat")
    assert email is collector_class("email") and email is not wechat
    assert issubclass(email, CollectingOutputChannel)
    assert email.name() == "email" and wechat.name() == "wechat" and email().name() == "email"


async def test_ask_bot_hands_the_message_over_and_returns_the_answers() -> None:
    seen: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message)
        # Rasa's output channel: answers go to the collector, and responses pick their variant by its name
        assert message.output_channel.name() == "email"
        await message.output_channel.send_text_message(message.sender_id, "您好，请问有什么可以帮您？")
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "是否需要回复？", [{"title": "需要", "payload": "/affirm"}]
        )

    ask_bot = make_ask_bot("email", on_new_message)
    metadata: Dict[str, Any] = {"attachments": [{"id": "a1"}]}
    answers = await ask_bot("email-thread-1", "我们小区停水两天了", metadata)
    assert [a["text"] for a in answers] == ["您好，请问有什么可以帮您？", "是否需要回复？"]
    assert answers[1]["buttons"] == [{"title": "需要", "payload": "/affirm"}]
    (message,) = seen
    assert (message.text, message.sender_id, message.input_channel, message.metadata) == (
        "我们小区停水两天了",
        "email-thread-1",
        "email",
        metadata,
    )


async def test_each_call_has_its_own_collector() -> None:
    async def on_new_message(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, message.text)

    ask_bot = make_ask_bot("wechat", on_new_message)
    first, second = await ask_bot("o1", "一", {}), await ask_bot("o2", "二", {})
    assert [a["text"] for a in first] == ["一"] and [a["text"] for a in second] == ["二"]
    assert first[0]["recipient_id"] == "o1"

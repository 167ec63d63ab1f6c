"""One citizen message to the bot and back, the same in every channel.

A channel's handler gets `ask_bot(sender, text, metadata)` and receives the bot's messages
(dicts as Rasa's `CollectingOutputChannel` keeps them). The collector carries the channel's
name, so the responses' channel variants (`channel: email` in responses.yml) are chosen.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

# (sender, text, metadata) → the bot's messages as Rasa's CollectingOutputChannel has them
AskBot = Callable[[str, str, Dict[str, Any]], Awaitable[List[Dict[str, Any]]]]
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@lru_cache(maxsize=None)
def collector_class(channel: str) -> type[CollectingOutputChannel]:
    """A CollectingOutputChannel named `channel` (one class per name)."""

    class Collector(CollectingOutputChannel):
        @classmethod
        def name(cls) -> Text:
            return channel

    Collector.__name__ = Collector.__qualname__ = f"Collector[{channel}]"
    return Collector


def make_ask_bot(channel: str, on_new_message: OnNewMessage) -> AskBot:
    """`ask_bot` for a channel's blueprint: the message goes in as `input_channel=channel`."""

    async def ask_bot(sender: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        collector = collector_class(channel)()
        await on_new_message(UserMessage(text, collector, sender, input_channel=channel, metadata=metadata))
        messages: List[Dict[str, Any]] = collector.messages
        return messages

    return ask_bot

"""Email channel: `channels.email.EmailInput` in credentials.yml (Rasa side) and the
mailbox worker `python -m channels.email`. See docs/email.md.

The Rasa classes are imported on first use, so the worker does not load Rasa."""
from typing import Any

__all__ = ["EmailInput", "EmailOutput"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from channels.email import channel

        return getattr(channel, name)
    raise AttributeError(name)

"""The web chat output: every bot or agent message goes to the socket.io room named by
the session id, so every tab of that browser gets it, from any Rasa replica when the
server uses python-socketio's AsyncRedisManager."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from channels.outcome import notification_of, report
from vocabulary.channels import WEBCHAT

logger = logging.getLogger(__name__)

BOT_EVENT = "bot_uttered"
TYPING_EVENT = "bot_typing"
ERROR_EVENT = "webchat_error"
SESSION_EVENT = "session_confirm"
ECHO_EVENT = "user_echo"


def bot_message(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A Rasa bot message → the widget's JSON {text, buttons, agent?}; None when nothing to show."""
    text = message.get("text")
    text = text if isinstance(text, str) else ""
    buttons: List[Dict[str, str]] = []
    for button in (message.get("buttons") or message.get("quick_replies") or []):
        if not isinstance(button, dict):
            continue
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and title and isinstance(payload, str) and payload:
            buttons.append({"title": title, "payload": payload})
    if not text.strip() and not buttons:
        return None
    rendered: Dict[str, Any] = {"text": text, "buttons": buttons}
    agent = message.get("agent")
    if isinstance(agent, str) and agent.strip():
        rendered["agent"] = agent.strip()[:64]
    return rendered


class WebChatOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return WEBCHAT

    def __init__(self, sio: Any, bot_message_evt: Text = BOT_EVENT) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        rendered = bot_message(message)
        if rendered is None:
            logger.debug("webchat: nothing to show in a bot message with keys %s", sorted(message))
            return
        await self.sio.emit(self.bot_message_evt, rendered, room=recipient_id)
        notification = notification_of(message)
        if notification is not None:
            # a result (issue 14): it is in the conversation either way; the history shows it when the
            # widget is next opened on that browser. "pushed" when a page of this server had it open.
            open_here = bool(self._participants(recipient_id))
            await report(notification, "pushed" if open_here else "stored")

    def _participants(self, room: str) -> List[Any]:
        try:
            return list(self.sio.manager.get_participants("/", room))
        except Exception:  # noqa: BLE001 - unknown room, or a manager without the call
            return []

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons, **kwargs})

"""Web chat widget channel (socket.io) for the government portal, see docs/webchat.md."""
from channels.webchat.channel import WebChatInput, WebChatOutput

__all__ = ["WebChatInput", "WebChatOutput"]

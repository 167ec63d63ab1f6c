"""WeChat official account (微信公众号) channel: `channels.wechat.WeChatInput` in credentials.yml."""
from channels.wechat.channel import WeChatInput, WeChatOutput

__all__ = ["WeChatInput", "WeChatOutput"]

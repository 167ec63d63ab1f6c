"""The channel kit: what every channel (channels/wechat, channels/webchat, channels/email) builds on.

- `collector`: the bot call of one citizen message (`ask_bot`), the bot's answers collected
  under the channel's name (Rasa picks a response's channel variant by that name);
- `settings`: `ChannelSettings`, the base of every channel's `settings.py`, and `Env`, the one
  reader of environment variables (blank means the default, a bad value is logged and the
  default used);
- `store`: the `Store` protocol (small keyed state with expiry, shaped like wechatpy's
  `session/` storages) and its backends in this process, in Redis and in SQLite.

Only `collector` imports Rasa: `settings` and `store` are plain Python, so the service venv
(.venv/svc: the gateway's retention, its tests) imports the channels' stores too.
"""

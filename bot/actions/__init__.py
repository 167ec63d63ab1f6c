"""The action server's actions: `rasa run actions --actions bot.actions` imports every module of this package."""

"""The bot's own NLU components (config.yml). Importing them also installs bot.rasa_speedups,
since every Rasa server of this project imports this package when it loads the model."""
from bot import rasa_speedups

rasa_speedups.apply()

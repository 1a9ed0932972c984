"""The Telegram adapter: python-telegram-bot types stop here; below it the conversation sees plain values."""

"""The Telegram bot: the python-telegram-bot application, its handlers, keyboards, HTML messages,
alerts and uploads, over the surface-neutral replies/."""

"""Conversation surfaces over the archive: the terminal console and the Telegram bot."""

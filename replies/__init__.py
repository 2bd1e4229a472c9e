"""What every surface says, as plain data: a message in, a reply out (conversation), the Chinese
texts (messages), and the renderers that need no front end (console text, JSON). The Telegram bot
(bot/) and the web (web/) both build on it; it imports neither telegram nor starlette."""

"""The archive in a browser: an ASGI app (Starlette) with pages and a JSON API over the same
answers as the bot; only the renderer differs."""

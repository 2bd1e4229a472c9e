"""Telegram's refusals: every module of the stand-in raises them, and each transport turns them
into the Bot API's JSON error answer (``ok: false``, ``error_code``, ``description``)."""

from __future__ import annotations


class BotApiError(Exception):
    """A request Telegram would answer with ``ok: false``."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def _bad(message: str) -> BotApiError:
    return BotApiError(400, "Bad Request: " + message)

"""One message that shows how a long task is going, edited in place.

Telegram refuses an edit that changes nothing ("message is not modified") and limits how often a
bot may edit, so progress edits are at most one per EDIT_INTERVAL seconds, each showing the latest
state, and never repeat the text shown. The final text is shown at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from .faults import unchanged_is_fine
from .render_html import notice_message

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.0


class ProgressMessage:
    def __init__(self, bot: Bot, chat_id: int, message_id: int, text: str, clock: Callable[[], float] = time.monotonic):
        self.bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self._shown = text
        self._clock = clock
        self._edited_at = clock()
        self._pending: str | None = None
        self._flush: asyncio.Task[None] | None = None

    @classmethod
    async def send(cls, bot: Bot, chat_id: int, text: str) -> ProgressMessage:
        message = await bot.send_message(chat_id, notice_message(text))
        return cls(bot, chat_id, message.message_id, text)

    def show(self, text: str) -> None:
        """Show text soon: now if the last edit is EDIT_INTERVAL old, else when it is."""
        self._pending = text
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._show_pending())

    async def finish(self, text: str) -> None:
        """The last text, shown now; progress not yet shown is dropped. If the message cannot be
        edited any more (the user deleted it), the text comes as a new message."""
        self._pending = None
        if self._flush is not None:
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush
        try:
            await self._edit(text)
        except BadRequest as exc:
            log.warning("could not edit the progress message (%s); sending the result anew", exc)
            await self.bot.send_message(self.chat_id, notice_message(text))

    async def _show_pending(self) -> None:
        await asyncio.sleep(max(0.0, self._edited_at + EDIT_INTERVAL - self._clock()))
        text, self._pending = self._pending, None
        if text is None:
            return
        try:
            await self._edit(text)
        except TelegramError as exc:  # progress is a courtesy: the result still follows
            log.warning("could not show upload progress: %s", exc)

    async def _edit(self, text: str) -> None:
        if text == self._shown:
            return
        with unchanged_is_fine():
            await self.bot.edit_message_text(notice_message(text), chat_id=self.chat_id, message_id=self.message_id)
        self._shown, self._edited_at = text, self._clock()

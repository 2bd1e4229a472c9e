"""按年份筛选 under an answer: the years of the question's whole list, each with its count, shown
in place of the answer's keyboard (返回 brings it back); a year's button sends the answer narrowed
to that year as a new message, whose 更多结果 and 导出Word keep to the year.

Years only: an office's name does not fit Telegram's 64 bytes of callback data, and the web and
the command line narrow by office."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Update
from telegram.ext import ContextTypes

from replies import conversation, messages
from replies.conversation import AnswerPage

from .faults import unchanged_is_fine
from .handler_base import HandlerBase, query_of, send
from .keyboards import (
    FacetBackRequest,
    FacetRequest,
    FacetYearsRequest,
    answer_keyboard,
    facet_years,
    facet_years_keyboard,
)


class FacetButtons(HandlerBase):
    async def facet_button(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        pressed: MaybeInaccessibleMessage,
        request: FacetRequest,
    ) -> None:
        """A press of 按年份筛选, 返回 or a year, once Handlers.button has parsed it and let it
        through the sender's rate limit."""
        query = query_of(update)
        chat = pressed.chat.id
        if isinstance(request, FacetYearsRequest | FacetBackRequest):
            # The page shown, with the whole list's facets: the years to offer, or the keyboard to restore.
            page = await self.worker.run(conversation.turn_page, request.key, request.page, chat, None, True)
            if not isinstance(page, AnswerPage):
                await self._ack(query, page.text)
                return
            keyboard: InlineKeyboardMarkup | None
            if isinstance(request, FacetYearsRequest):
                if not facet_years(page):  # the archive changed since: nothing left to narrow
                    await self._ack(query, messages.EXPIRED)
                    return
                keyboard = facet_years_keyboard(page, request.key)
            else:
                keyboard = answer_keyboard(page, request.key)
            await self._ack(query)
            # By chat and message id: a message too old to arrive whole (InaccessibleMessage) can still be edited.
            with unchanged_is_fine():  # a double press shows the same buttons
                await context.bot.edit_message_reply_markup(chat, pressed.message_id, reply_markup=keyboard)
            return
        narrowed = await self.worker.run(conversation.turn_page, request.key, 0, chat, request.year)
        if not isinstance(narrowed, AnswerPage):
            await self._ack(query, narrowed.text)
            return
        await self._ack(query)
        await send(context.bot, chat, narrowed, request.key)

"""/trend 话题: the topic's articles per year as a PNG chart, with a caption and a button for each
year with articles; a year's button asks the question for that year (话题 2022年) and sends its
answer as a new message, since the chart above it stays."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from replies import conversation, messages
from replies.conversation import AnswerPage
from replies.trend import TrendView, trend_reply, year_question
from retrieval.archive import Archive

from .handler_base import HandlerBase, chat_id_of, message_of, query_of, send
from .trend_chart import trend_png

# "t:<saved topic's key>:<year>": the topic is kept server-side, as a question behind "more";
# Handlers.button hands such presses to trend_button.
_TREND_YEAR = re.compile(r"t:([A-Za-z0-9_-]{1,32}):([1-9][0-9]{3})")
YEARS_PER_ROW = 4
# Telegram refuses a keyboard of more than 100 buttons; the latest years are kept.
MAX_YEAR_BUTTONS = 96


def trend_keyboard(view: TrendView, key: str | None) -> InlineKeyboardMarkup | None:
    """A button per year with articles, four to a row; none when the topic could not be kept."""
    if key is None:
        return None
    buttons = [
        InlineKeyboardButton(messages.TREND_YEAR_BUTTON.format(year=year, count=count), callback_data=f"t:{key}:{year}")
        for year, count in view.years_with_articles[-MAX_YEAR_BUTTONS:]
    ]
    return InlineKeyboardMarkup([buttons[i : i + YEARS_PER_ROW] for i in range(0, len(buttons), YEARS_PER_ROW)])


def parse_trend_year(data: object) -> tuple[str, int] | None:
    match = _TREND_YEAR.fullmatch(data) if isinstance(data, str) else None
    return (match.group(1), int(match.group(2))) if match else None


class TrendCommands(HandlerBase):
    async def _allowed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        raise NotImplementedError  # Handlers' rate limit

    async def trend(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._allowed(update, context):
            return
        topic = " ".join(context.args or [])
        reply = await self.worker.run(trend_reply, topic)
        if not isinstance(reply, TrendView):
            await self._reply(update, context, reply)
            return
        chat = chat_id_of(update)
        key = await self.worker.run(Archive.save_question, reply.trend.topic, chat)
        message = message_of(update)
        quote = message.message_id if message.chat.type != ChatType.PRIVATE else None
        await context.bot.send_photo(
            chat,
            InputFile(trend_png(reply.trend), filename="trend.png"),
            caption=html.escape(reply.caption, quote=False),
            reply_markup=trend_keyboard(reply, key),
            reply_parameters=ReplyParameters(quote, allow_sending_without_reply=True) if quote else None,
        )

    async def trend_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A year's button: that year's hits on the topic, as a question naming the year."""
        query = query_of(update)
        request = parse_trend_year(query.data)
        if request is None or query.message is None:
            await self._ack(query, messages.EXPIRED)
            return
        if not await self._allowed(update, context):
            return
        chat = query.message.chat.id
        topic = await self.worker.run(Archive.saved_question, request[0], chat)
        if topic is None:
            await self._ack(query, messages.EXPIRED)
            return
        question = year_question(topic, request[1])
        reply = await self.worker.run(conversation.ask, question)
        key = None
        if isinstance(reply, AnswerPage) and reply.has_more:
            key = await self.worker.run(Archive.save_question, reply.answer.question, chat)
        await self._ack(query)
        await send(context.bot, chat, reply, key)

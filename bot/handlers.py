"""Telegram handlers: read the update, ask the conversation, render HTML, reply. Commands, questions
and buttons are here; alerts, trends, narrowing by year, inline mode and uploads each have a module
of their own."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time

from telegram import InputFile, MaybeInaccessibleMessage, Message, MessageEntity, Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ContextTypes, filters

from replies import conversation, messages
from replies.conversation import AnswerPage, IssueView, Notice, Reply, YearsView, YearView
from replies.render_docx import answer_document, answer_filename
from retrieval.archive import Archive

from .alert_commands import AlertCommands
from .facet_buttons import FacetButtons
from .faults import describe_fault, is_network_fault, unchanged_is_fine
from .handler_base import browse_message, chat_id_of, message_of, query_of, send
from .inline_mode import InlineMode
from .keyboards import (
    ArticleRequest,
    ExportRequest,
    FacetBackRequest,
    FacetYearsRequest,
    IssueRequest,
    NarrowRequest,
    PageRequest,
    SourceRequest,
    YearRequest,
    YearsRequest,
    answer_keyboard,
    parse_callback,
)
from .render_html import answer_message, export_caption, notice_message, source_caption
from .trend_commands import TrendCommands, parse_trend_year
from .upload_handler import UploadHandler

log = logging.getLogger(__name__)

# Sending an original of up to 50 MB takes longer than python-telegram-bot's 20 s default.
SEND_FILE_SECONDS = 180


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: replies to it, or text that mentions it."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        if not bot.username:
            return False
        mention = f"@{bot.username}".casefold()
        return any(text.casefold() == mention for text in message.parse_entities([MessageEntity.MENTION]).values())


class Handlers(AlertCommands, TrendCommands, FacetButtons, InlineMode, UploadHandler):
    """Every handler the bot registers; they share the archive and upload workers, admins and rate limits."""

    # --- commands ---------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, and deep links such as t.me/<bot>?start=issue_2202."""
        argument = " ".join(context.args or [])
        reply = await self.worker.run(conversation.start, argument)
        await self._reply(update, context, reply)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, Notice(messages.HELP))

    async def latest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, await self.worker.run(conversation.latest))

    async def issue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        argument = " ".join(context.args or [])
        await self._reply(update, context, await self.worker.run(conversation.issue, argument))

    async def years(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, await self.worker.run(conversation.years))

    async def year(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        argument = " ".join(context.args or [])
        await self._reply(update, context, await self.worker.run(conversation.year, argument))

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._is_admin(update):
            await self._reply(update, context, Notice(messages.ADMIN_ONLY))
            return
        await self._reply(update, context, await self.worker.run(conversation.stats))

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        if not question.strip():
            await self._reply(update, context, Notice(messages.ASK_USAGE))
            return
        await self._answer(update, context, question)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, Notice(messages.UNKNOWN_COMMAND))

    # --- questions ----------------------------------------------------------------

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, context, message_of(update).text or "")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to the bot or a mention of it; the mention itself is not part of the question."""
        mention = re.compile(re.escape(f"@{context.bot.username}"), re.IGNORECASE)
        await self._answer(update, context, mention.sub(" ", message_of(update).text or ""))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, Notice(messages.TEXT_ONLY))

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        if not await self._allowed(update, context):
            return
        started = time.perf_counter()
        # With the list's facets: 按年份筛选 is offered when the list spans more than one year.
        reply = await self.worker.run(conversation.ask, question, 0, None, None, True)
        key = None
        if isinstance(reply, AnswerPage) and reply.answer.hits:  # for 更多结果, 导出Word and 按年份筛选
            key = await self.worker.run(Archive.save_question, reply.answer.question, chat_id_of(update))
        await self._reply(update, context, reply, key)
        hits = len(reply.answer.hits) if isinstance(reply, AnswerPage) else 0
        log.info("answered a question in %.1f ms with %d hits", (time.perf_counter() - started) * 1000, hits)

    async def _allowed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Within the sender's rate limit; the first refusal of a stretch says when to try again."""
        key = _sender_key(update)
        if key is None:
            return True
        wait = self.questions.wait_seconds(key)
        if not wait:
            return True
        query = update.callback_query
        if self.questions.should_warn(key):
            text = messages.RATE_LIMITED.format(seconds=wait)
            if query is not None:
                await self._ack(query, text)
            else:
                await self._reply(update, context, Notice(text))
        elif query is not None:
            await self._ack(query)
        return False

    # --- buttons ------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = query_of(update)
        if parse_trend_year(query.data) is not None:
            await self.trend_button(update, context)
            return
        request = parse_callback(query.data)
        if request is None or query.message is None:  # data from elsewhere, or an inline message
            await self._ack(query, messages.EXPIRED)
            return
        pressed = query.message
        if not await self._allowed(update, context):
            return
        if isinstance(request, PageRequest):
            await self._turn_page(update, context, pressed, request)
        elif isinstance(request, ExportRequest):
            await self._send_export(update, context, pressed, request)
        elif isinstance(request, FacetYearsRequest | FacetBackRequest | NarrowRequest):
            await self.facet_button(update, context, pressed, request)
        elif isinstance(request, ArticleRequest):
            view = await self.worker.run(conversation.article, request.article_id)
            await self._ack(query)
            await send(context.bot, pressed.chat.id, view)
        elif isinstance(request, SourceRequest):
            await self._send_source(update, context, pressed, request)
        elif isinstance(request, YearRequest):
            page = await self.worker.run(conversation.year_page, request.year, request.page)
            await self._browse(update, context, pressed, page)
        elif isinstance(request, YearsRequest):
            await self._browse(update, context, pressed, await self.worker.run(conversation.years))
        elif isinstance(request, IssueRequest):
            opened = await self.worker.run(conversation.open_issue, request.total)
            await self._ack(query, opened.text if isinstance(opened, Notice) else None)
            if isinstance(opened, IssueView):
                await send(context.bot, pressed.chat.id, opened)

    async def _browse(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: MaybeInaccessibleMessage, view: Reply
    ) -> None:
        """A year's page or the years, shown in place of the message whose button was pressed."""
        query = query_of(update)
        if not isinstance(view, YearsView | YearView):
            await self._ack(query, view.text if isinstance(view, Notice) else None)
            return
        await self._ack(query)
        text, keyboard = browse_message(view)
        with unchanged_is_fine():  # a double press shows the same page
            await context.bot.edit_message_text(
                text, chat_id=pressed.chat.id, message_id=pressed.message_id, reply_markup=keyboard
            )

    async def _send_source(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        pressed: MaybeInaccessibleMessage,
        request: SourceRequest,
    ) -> None:
        """原文: the issue's stored file as a document, or an alert saying why not."""
        query = query_of(update)
        found = await self.worker.run(conversation.source_file, request.total, request.sha256)
        if isinstance(found, Notice):
            await self._ack(query, found.text)
            return
        await self._ack(query)
        await context.bot.send_document(
            pressed.chat.id,
            InputFile(found.data, filename=found.filename),
            caption=source_caption(found),
            write_timeout=SEND_FILE_SECONDS,
        )

    async def _send_export(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        pressed: MaybeInaccessibleMessage,
        request: ExportRequest,
    ) -> None:
        """导出Word: the saved question's answer (only a year's hits when narrowed to it) as a .docx
        document, or an alert saying why not."""
        query = query_of(update)
        found = await self.worker.run(
            conversation.saved_answer, request.key, pressed.chat.id, conversation.EXPORT_HITS, request.year
        )
        if isinstance(found, Notice):
            await self._ack(query, found.text)
            return
        await self._ack(query)
        today = dt.date.today()
        data = await asyncio.to_thread(answer_document, found, today)  # off the event loop
        await context.bot.send_document(
            pressed.chat.id,
            InputFile(data, filename=answer_filename(found.question, today)),
            caption=export_caption(found, request.year),
            write_timeout=SEND_FILE_SECONDS,
        )

    async def _turn_page(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        pressed: MaybeInaccessibleMessage,
        request: PageRequest,
    ) -> None:
        query = query_of(update)
        # The chat owns the questions saved in it: a key carried into another chat finds nothing.
        # The whole list's facets keep 按年份筛选 on every page; a narrowed list has one year.
        page = await self.worker.run(
            conversation.turn_page, request.key, request.page, pressed.chat.id, request.year, request.year is None
        )
        if not isinstance(page, AnswerPage):
            await self._ack(query, page.text)
            return
        await self._ack(query)
        # By chat and message id: a message too old to arrive whole (InaccessibleMessage) can still be edited.
        with unchanged_is_fine():  # a double press shows the same page
            await context.bot.edit_message_text(
                answer_message(page),
                chat_id=pressed.chat.id,
                message_id=pressed.message_id,
                reply_markup=answer_keyboard(page, request.key),
            )

    # --- failures -----------------------------------------------------------------------

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and apologise to the user; the bot keeps serving.

        A network fault that outlasted the retries is expected, not a bug: one line, no traceback.
        Without an update it came from polling, and the request that met it has logged it already.
        """
        expected = is_network_fault(context.error) or isinstance(context.error, RetryAfter)
        if not isinstance(update, Update):
            if not expected:
                log.error("failed to handle an update", exc_info=context.error)
            return
        if expected:
            log.warning("could not answer an update: %s", describe_fault(context.error))
        else:
            log.error("failed to handle an update", exc_info=context.error)
        query = update.callback_query
        chat = update.effective_chat
        try:
            if query is not None and query.id not in self._answered:
                await self._ack(query, messages.APOLOGY)
            elif chat is not None:
                await context.bot.send_message(chat.id, notice_message(messages.APOLOGY))
        except TelegramError as exc:
            log.warning("could not apologise either: %s", exc)


def _sender_key(update: Update) -> int | None:
    """Whom a rate limit counts: the user, or the chat an anonymous admin or channel speaks as
    (all of those share one user id across Telegram)."""
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user is not None else None

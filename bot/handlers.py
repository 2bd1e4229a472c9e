"""Telegram handlers: read the update, ask the conversation, render HTML, reply."""

from __future__ import annotations

import logging
import re
import time

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes, filters

from retrieval.archive import Archive
from retrieval.decode import MAX_BYTES

from . import conversation, messages
from .conversation import AnswerPage, Notice
from .keyboards import (
    ArticleRequest,
    PageRequest,
    answer_keyboard,
    issue_keyboard,
    parse_callback,
)
from .ratelimit import RateLimiter
from .render_html import (
    answer_message,
    article_messages,
    hit_block,
    issue_messages,
    notice_message,
)
from .worker import ArchiveWorker

log = logging.getLogger(__name__)

INLINE_RESULTS = 10
INLINE_DESCRIPTION_CHARS = 120
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: replies to it, or text that mentions it."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".casefold()
        return any(text.casefold() == mention for text in message.parse_entities([MessageEntity.MENTION]).values())


class Handlers:
    """Every handler the bot registers; they share the archive worker, admins and rate limits."""

    def __init__(self, worker: ArchiveWorker, admin_ids: frozenset[int], questions_per_minute: int):
        self.worker = worker
        self.admin_ids = admin_ids
        self.questions = RateLimiter(questions_per_minute)
        self.inline_queries = RateLimiter(questions_per_minute * 3)

    # --- commands ---------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, and deep links such as t.me/<bot>?start=issue_2202."""
        argument = " ".join(context.args or [])
        if argument:
            await self._send_reply(update.effective_message, await self.worker.run(conversation.respond, f"/start {argument}"))
        else:
            await update.effective_message.reply_text(notice_message(messages.HELP))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(notice_message(messages.HELP))

    async def latest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send_reply(update.effective_message, await self.worker.run(conversation.latest))

    async def issue(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        argument = " ".join(context.args or [])
        await self._send_reply(update.effective_message, await self.worker.run(conversation.issue, argument))

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._is_admin(update):
            await update.effective_message.reply_text(notice_message(messages.ADMIN_ONLY))
            return
        view = await self.worker.run(conversation.stats)
        await update.effective_message.reply_text(notice_message(messages.stats(view.stats)))

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        if not question.strip():
            await update.effective_message.reply_text(notice_message(messages.ASK_USAGE))
            return
        await self._answer(update, question)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(notice_message(messages.UNKNOWN_COMMAND))

    # --- questions ----------------------------------------------------------------

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, update.effective_message.text or "")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to the bot or a mention of it; the mention itself is not part of the question."""
        mention = re.compile(re.escape(f"@{context.bot.username}"), re.IGNORECASE)
        await self._answer(update, mention.sub(" ", update.effective_message.text or ""))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(notice_message(messages.TEXT_ONLY))

    async def _answer(self, update: Update, question: str) -> None:
        message = update.effective_message
        if not await self._allowed(update):
            return
        started = time.perf_counter()
        reply = await self.worker.run(conversation.ask, question)
        key = None
        if isinstance(reply, AnswerPage) and reply.has_more:
            key = await self.worker.run(Archive.save_question, reply.answer.question)
        await self._send_reply(message, reply, key)
        hits = len(reply.answer.hits) if isinstance(reply, AnswerPage) else 0
        log.info("answered a question in %.1f ms with %d hits", (time.perf_counter() - started) * 1000, hits)

    async def _allowed(self, update: Update) -> bool:
        user = update.effective_user
        if user is None:
            return True
        wait = self.questions.wait_seconds(user.id)
        if wait and self.questions.should_warn(user.id):
            text = messages.RATE_LIMITED.format(seconds=wait)
            if update.callback_query:
                await update.callback_query.answer(text, show_alert=True)
            else:
                await update.effective_message.reply_text(notice_message(text))
        elif wait and update.callback_query:
            await update.callback_query.answer()
        return not wait

    # --- buttons ------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        request = parse_callback(query.data)
        if isinstance(request, PageRequest):
            await self._turn_page(update, request)
        elif isinstance(request, ArticleRequest):
            await query.answer()
            view = await self.worker.run(conversation.article, request.article_id)
            if query.message is not None:
                await self._send_reply(query.message, view, quote=False)
        else:
            await query.answer(messages.EXPIRED, show_alert=True)

    async def _turn_page(self, update: Update, request: PageRequest) -> None:
        query = update.callback_query
        if not await self._allowed(update):
            return
        question = await self.worker.run(Archive.saved_question, request.key)
        if question is None:
            await query.answer(messages.EXPIRED, show_alert=True)
            return
        page = await self.worker.run(conversation.ask, question, request.page)
        await query.answer()
        if not isinstance(page, AnswerPage):
            return
        try:
            await query.edit_message_text(answer_message(page), reply_markup=answer_keyboard(page, request.key))
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():  # a double press shows the same page
                raise

    # --- inline mode ----------------------------------------------------------------

    async def inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """@bot 问题 in any chat: up to ten hits, each sent with its citation when chosen."""
        query = update.inline_query
        if self.inline_queries.wait_seconds(query.from_user.id):
            await query.answer([], cache_time=5, is_personal=True)
            return
        answer = await self.worker.run(Archive.ask, query.query, INLINE_RESULTS) if query.query.strip() else None
        if answer is None or not answer.hits:
            button = InlineQueryResultsButton(text=messages.INLINE_HELP_BUTTON, start_parameter="help")
            await query.answer([], cache_time=30, button=button)
            return
        results = [
            InlineQueryResultArticle(
                id=str(hit.article_id),
                title=messages.shorten(hit.title, 100),
                description=messages.shorten(hit.excerpt.strip("…"), INLINE_DESCRIPTION_CHARS),
                input_message_content=InputTextMessageContent(
                    hit_block(None, hit), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
            )
            for hit in answer.hits
        ]
        await query.answer(results, cache_time=60)

    # --- admin uploads ------------------------------------------------------------------

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A bulletin file from an admin is ingested as `run_bot.py ingest` would; others are refused."""
        message = update.effective_message
        document = message.document
        name = document.file_name or "未命名文件"
        if not self._is_admin(update):
            text = messages.UPLOAD_REFUSED
        elif not name.lower().endswith(".txt"):
            text = messages.UPLOAD_ONLY_TXT.format(name=name)
        elif document.file_size and document.file_size > MAX_BYTES:
            text = messages.UPLOAD_TOO_BIG.format(name=name)
        else:
            data = bytes(await (await document.get_file()).download_as_bytearray())
            report = await self.worker.run(Archive.ingest_bytes, data, name)
            log.info("admin %s uploaded %s: %s", update.effective_user.id, name, report.status.value if report.status else "refused")
            text = messages.ingest_line(report)
        await message.reply_text(notice_message(text))

    # --- failures -----------------------------------------------------------------------

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and apologise to the user; the bot keeps serving."""
        log.error("failed to handle an update", exc_info=context.error)
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(messages.APOLOGY, show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(notice_message(messages.APOLOGY))
        except TelegramError as exc:
            log.warning("could not apologise either: %s", exc)

    # --- helpers ------------------------------------------------------------------------

    def _is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.admin_ids

    async def _send_reply(self, message: Message, reply: conversation.Reply, key: str | None = None, quote: bool | None = None) -> None:
        """Send a reply object as one or more HTML messages, with the buttons it needs."""
        if isinstance(reply, AnswerPage):
            await message.reply_text(answer_message(reply), reply_markup=answer_keyboard(reply, key), do_quote=quote)
        elif isinstance(reply, conversation.IssueView):
            parts = issue_messages(reply.issue)
            for index, part in enumerate(parts, start=1):
                keyboard = issue_keyboard(reply.issue) if index == len(parts) else None
                await message.reply_text(part, reply_markup=keyboard, do_quote=quote)
        elif isinstance(reply, conversation.ArticleView):
            for part in article_messages(reply):
                await message.reply_text(part, do_quote=False)
        elif isinstance(reply, conversation.StatsView):
            await message.reply_text(notice_message(messages.stats(reply.stats)), do_quote=quote)
        elif isinstance(reply, Notice):
            await message.reply_text(notice_message(reply.text), do_quote=quote)

"""Telegram handlers: read the update, ask the conversation, render HTML, reply."""

from __future__ import annotations

import logging
import re
import textwrap
import time
from collections import OrderedDict

from telegram import (
    Bot,
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputFile,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, FileSizeLimit, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes, filters

from retrieval.archive import MAX_FILE_BYTES, Archive, ArchiveError
from retrieval.display import printable
from retrieval.models import IngestReport

from replies import conversation, messages
from replies.conversation import AnswerPage, ArticleView, IssueView, Notice, Reply, StatsView, YearsView, YearView
from .keyboards import (
    ArticleRequest,
    IssueRequest,
    PageRequest,
    SourceRequest,
    YearRequest,
    YearsRequest,
    answer_keyboard,
    issue_keyboard,
    parse_callback,
    year_keyboard,
    years_keyboard,
)
from .progress import ProgressMessage
from .ratelimit import RateLimiter
from .render_alerts import parse_unfollow, unfollow_keyboard
from .render_html import (
    answer_message,
    article_messages,
    hit_block,
    issue_messages,
    notice_message,
    source_caption,
    year_message,
    years_message,
)
from .subscriptions import MAX_TOPICS, AlertState, StateWorker, TooManyTopics, normalise_topic
from . import upload_messages
from .uploads import UploadInterrupted, UploadProgress, UploadWorker
from replies.worker import ArchiveWorker

log = logging.getLogger(__name__)

INLINE_RESULTS = 10
INLINE_DESCRIPTION_CHARS = 120
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
REMEMBERED_QUERIES = 1000
# Telegram lets bots download files up to 20 MB; the archive reads files up to its own cap.
MAX_UPLOAD_BYTES = min(MAX_FILE_BYTES, FileSizeLimit.FILESIZE_DOWNLOAD)
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


class Handlers:
    """Every handler the bot registers; they share the archive and upload workers, admins and rate limits."""

    def __init__(
        self,
        worker: ArchiveWorker,
        uploads: UploadWorker,
        admin_ids: frozenset[int],
        questions_per_minute: int,
        alerts: StateWorker | None = None,
    ):
        self.worker = worker
        self.alerts = alerts
        self.uploads = uploads
        self.admin_ids = admin_ids
        self.questions = RateLimiter(questions_per_minute)
        self.inline_queries = RateLimiter(questions_per_minute * 3)
        # Button presses already answered: Telegram takes one answer per press, so after a
        # failure the apology goes to the chat instead.
        self._answered: OrderedDict[str, None] = OrderedDict()

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

    # --- subscriptions and followed topics ----------------------------------------

    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        new = await self.alerts.run(AlertState.subscribe, update.effective_chat.id)
        await self._reply(update, context, Notice(messages.SUBSCRIBED if new else messages.ALREADY_SUBSCRIBED))

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        gone = await self.alerts.run(AlertState.unsubscribe, update.effective_chat.id)
        await self._reply(update, context, Notice(messages.UNSUBSCRIBED if gone else messages.NOT_SUBSCRIBED))

    async def follow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        topic = normalise_topic(" ".join(context.args or []))
        chat = update.effective_chat.id
        if not topic:
            await self._reply(update, context, Notice(messages.FOLLOW_USAGE))
            return
        try:
            new = await self.alerts.run(AlertState.follow, chat, topic)
        except TooManyTopics:
            await self._reply(update, context, Notice(messages.TOO_MANY_TOPICS.format(limit=MAX_TOPICS)))
            return
        count = len(await self.alerts.run(AlertState.topics, chat))
        text = messages.FOLLOWED if new else messages.ALREADY_FOLLOWED
        await self._reply(update, context, Notice(text.format(topic=topic, count=count, limit=MAX_TOPICS)))

    async def unfollow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unfollow 话题; without one, a button per followed topic."""
        topic = normalise_topic(" ".join(context.args or []))
        chat = update.effective_chat.id
        if topic:
            gone = await self.alerts.run(AlertState.unfollow, chat, topic)
            text = messages.UNFOLLOWED if gone else messages.NOT_FOLLOWED
            await self._reply(update, context, Notice(text.format(topic=topic)))
            return
        followed = await self.alerts.run(AlertState.followed, chat)
        if not followed:
            await self._reply(update, context, Notice(messages.FOLLOWING_NONE))
            return
        await context.bot.send_message(
            chat, notice_message(messages.UNFOLLOW_PICK), reply_markup=unfollow_keyboard(followed)
        )

    async def following(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        topics = await self.alerts.run(AlertState.topics, update.effective_chat.id)
        if not topics:
            await self._reply(update, context, Notice(messages.FOLLOWING_NONE))
            return
        listed = "\n".join(f"· {topic}" for topic in topics)
        await self._reply(
            update, context, Notice(messages.FOLLOWING.format(count=len(topics), limit=MAX_TOPICS, topics=listed))
        )

    async def unfollow_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A 取消关注 button: that topic goes, and the buttons left show the rest."""
        query = update.callback_query
        if query.message is None:
            await self._ack(query, messages.EXPIRED)
            return
        chat = query.message.chat.id
        topic = await self.alerts.run(AlertState.unfollow_id, chat, parse_unfollow(query.data))
        await self._ack(query, messages.UNFOLLOWED.format(topic=topic) if topic else messages.EXPIRED)
        followed = await self.alerts.run(AlertState.followed, chat)
        try:
            await context.bot.edit_message_reply_markup(
                chat_id=chat, message_id=query.message.message_id, reply_markup=unfollow_keyboard(followed)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():  # a double press leaves the same buttons
                raise

    # --- questions ----------------------------------------------------------------

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, context, update.effective_message.text or "")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to the bot or a mention of it; the mention itself is not part of the question."""
        mention = re.compile(re.escape(f"@{context.bot.username}"), re.IGNORECASE)
        await self._answer(update, context, mention.sub(" ", update.effective_message.text or ""))

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, context, Notice(messages.TEXT_ONLY))

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        if not await self._allowed(update, context):
            return
        started = time.perf_counter()
        reply = await self.worker.run(conversation.ask, question)
        key = None
        if isinstance(reply, AnswerPage) and reply.has_more:
            key = await self.worker.run(Archive.save_question, reply.answer.question, update.effective_chat.id)
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
        query = update.callback_query
        request = parse_callback(query.data)
        if request is None or query.message is None:  # data from elsewhere, or an inline message
            await self._ack(query, messages.EXPIRED)
            return
        if not await self._allowed(update, context):
            return
        if isinstance(request, PageRequest):
            await self._turn_page(update, context, request)
        elif isinstance(request, ArticleRequest):
            view = await self.worker.run(conversation.article, request.article_id)
            await self._ack(query)
            await self._send(context.bot, query.message.chat.id, view)
        elif isinstance(request, SourceRequest):
            await self._send_source(update, context, request)
        elif isinstance(request, YearRequest):
            await self._browse(
                update, context, await self.worker.run(conversation.year_page, request.year, request.page)
            )
        elif isinstance(request, YearsRequest):
            await self._browse(update, context, await self.worker.run(conversation.years))
        elif isinstance(request, IssueRequest):
            view = await self.worker.run(conversation.open_issue, request.total)
            await self._ack(query, view.text if isinstance(view, Notice) else None)
            if isinstance(view, IssueView):
                await self._send(context.bot, query.message.chat.id, view)

    async def _browse(self, update: Update, context: ContextTypes.DEFAULT_TYPE, view: Reply) -> None:
        """A year's page or the years, shown in place of the message whose button was pressed."""
        query = update.callback_query
        if isinstance(view, Notice):
            await self._ack(query, view.text)
            return
        await self._ack(query)
        text, keyboard = _browse_message(view)
        try:
            await context.bot.edit_message_text(
                text, chat_id=query.message.chat.id, message_id=query.message.message_id, reply_markup=keyboard
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():  # a double press shows the same page
                raise

    async def _send_source(self, update: Update, context: ContextTypes.DEFAULT_TYPE, request: SourceRequest) -> None:
        """原文: the issue's stored file as a document, or an alert saying why not."""
        query = update.callback_query
        found = await self.worker.run(conversation.source_file, request.total, request.sha256)
        if isinstance(found, Notice):
            await self._ack(query, found.text)
            return
        await self._ack(query)
        await context.bot.send_document(
            query.message.chat.id,
            InputFile(found.data, filename=found.filename),
            caption=source_caption(found),
            write_timeout=SEND_FILE_SECONDS,
        )

    async def _turn_page(self, update: Update, context: ContextTypes.DEFAULT_TYPE, request: PageRequest) -> None:
        query = update.callback_query
        # The chat owns the questions saved in it: a key carried into another chat finds nothing.
        page = await self.worker.run(conversation.turn_page, request.key, request.page, query.message.chat.id)
        if not isinstance(page, AnswerPage):
            await self._ack(query, page.text)
            return
        await self._ack(query)
        try:
            # By chat and message id: a message too old to arrive whole (InaccessibleMessage) can still be edited.
            await context.bot.edit_message_text(
                answer_message(page),
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                reply_markup=answer_keyboard(page, request.key),
            )
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
                    hit_block(hit), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
            )
            for hit in answer.hits
        ]
        await query.answer(results, cache_time=60)

    # --- admin uploads ------------------------------------------------------------------

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A bulletin (PDF, Word, web page or text, told by its bytes) from an admin is ingested as
        `run_bot.py ingest` would, in the upload worker's process, one file at a time; one message
        shows its progress and then its result. Anyone else is refused and nothing is stored."""
        document = update.effective_message.document
        name = document.file_name or "未命名文件"
        if not self._is_admin(update):
            await self._reply(update, context, Notice(upload_messages.UPLOAD_REFUSED))
            return
        if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
            await self._reply(update, context, Notice(upload_messages.UPLOAD_TOO_BIG.format(name=name)))
            return
        with self.uploads.place() as queued:
            waiting = upload_messages.upload_progress(UploadProgress(name, queued=queued))
            shown = await ProgressMessage.send(context.bot, update.effective_chat.id, waiting)
            report = await self._ingest_upload(document, name, shown)
        status = report.status.value if report.status else "refused"
        # The sender chose the name: escaped, so that a CR or LF in it cannot write a line of its own.
        log.info("admin %s uploaded %s: %s", update.effective_user.id, printable(name), status)
        await shown.finish(messages.ingest_line(report))

    async def _ingest_upload(self, document: Document, name: str, shown: ProgressMessage) -> IngestReport:
        """Download the file and store it; whatever happens comes back as a report for the message."""
        try:
            data = bytes(await (await document.get_file()).download_as_bytearray())
            return await self.uploads.ingest(data, name, lambda p: shown.show(upload_messages.upload_progress(p)))
        except UploadInterrupted:
            return IngestReport(name=name, error=upload_messages.UPLOAD_INTERRUPTED)
        except ArchiveError as exc:  # the archive busy past the timeout (a CLI ingest), full, read-only …
            log.warning("the upload %s was not stored: %s", printable(name), printable(str(exc)))
            return IngestReport(name=name, error=str(exc))
        except Exception:  # a failed download or a fault of the reader: logged, and the admin told
            log.exception("reading the upload %s failed", printable(name))
            return IngestReport(name=name, error=upload_messages.UPLOAD_FAILED)

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

    # --- helpers ------------------------------------------------------------------------

    async def _ack(self, query: CallbackQuery, alert: str | None = None) -> None:
        """Answer a button press once, with an alert when there is something to say."""
        self._answered[query.id] = None
        while len(self._answered) > REMEMBERED_QUERIES:
            self._answered.popitem(last=False)
        await query.answer(alert, show_alert=alert is not None)

    def _is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.admin_ids

    async def _reply(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, key: str | None = None
    ) -> None:
        """Answer the message of an update; in groups the answer quotes it."""
        message = update.effective_message
        quote = message.message_id if message.chat.type != ChatType.PRIVATE else None
        await self._send(context.bot, message.chat.id, reply, key, quote)

    async def _send(
        self, bot: Bot, chat_id: int, reply: Reply, key: str | None = None, quote: int | None = None
    ) -> None:
        """A reply object as one or more HTML messages, with the buttons it needs."""
        reply_to = ReplyParameters(quote, allow_sending_without_reply=True) if quote else None
        if isinstance(reply, AnswerPage):
            parts = [(answer_message(reply), answer_keyboard(reply, key))]
        elif isinstance(reply, IssueView):
            texts = issue_messages(reply.issue)
            parts = [
                (text, issue_keyboard(reply.issue) if i == len(texts) else None) for i, text in enumerate(texts, 1)
            ]
        elif isinstance(reply, ArticleView):
            parts = [(text, None) for text in article_messages(reply)]
        elif isinstance(reply, StatsView):
            parts = [(notice_message(messages.stats(reply.stats)), None)]
        elif isinstance(reply, YearsView | YearView):
            parts = [_browse_message(reply)]
        else:
            parts = [(notice_message(reply.text), None)]
        for index, (text, keyboard) in enumerate(parts):
            await bot.send_message(
                chat_id, text, reply_markup=keyboard, reply_parameters=reply_to if index == 0 else None
            )


def _browse_message(view: YearsView | YearView) -> tuple[str, InlineKeyboardMarkup]:
    if isinstance(view, YearsView):
        return years_message(view), years_keyboard(view)
    return year_message(view), year_keyboard(view)


def is_network_fault(error: BaseException | None) -> bool:
    """A fault on the way to Telegram or back (a timeout, a dropped connection, a 5xx, a broken
    answer), as opposed to Telegram refusing the request: BadRequest is a NetworkError too."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def describe_fault(error: BaseException | None) -> str:
    """The error in one line for the log. Shortened only at spaces, so a token an error page echoed
    is kept whole, where the entry point's log formatter finds it and hides it."""
    return textwrap.shorten(" ".join(str(error).split()) or type(error).__name__, 400, placeholder=" …")


def _sender_key(update: Update) -> int | None:
    """Whom a rate limit counts: the user, or the chat an anonymous admin or channel speaks as
    (all of those share one user id across Telegram)."""
    message = update.effective_message
    if update.callback_query is None and message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user is not None else None

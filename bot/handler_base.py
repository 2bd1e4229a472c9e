"""What every group of handlers shares: the workers, admins and rate limits, answering a button
press once, and replying to an update with a reply object rendered as Telegram HTML."""

from __future__ import annotations

from collections import OrderedDict

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from replies import messages
from replies.conversation import AnswerPage, ArticleView, IssueView, Reply, StatsView, YearsView, YearView
from replies.worker import ArchiveWorker

from .keyboards import answer_keyboard, issue_keyboard, related_keyboard, year_keyboard, years_keyboard
from .ratelimit import RateLimiter
from .render_html import answer_message, article_messages, issue_messages, notice_message, year_message, years_message
from .subscriptions import StateWorker
from .uploads import UploadWorker

REMEMBERED_QUERIES = 1000


class HandlerBase:
    def __init__(
        self,
        worker: ArchiveWorker,
        uploads: UploadWorker,
        admin_ids: frozenset[int],
        questions_per_minute: int,
        alerts: StateWorker,
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
        message = message_of(update)
        quote = message.message_id if message.chat.type != ChatType.PRIVATE else None
        await send(context.bot, message.chat.id, reply, key, quote)


async def send(bot: Bot, chat_id: int, reply: Reply, key: str | None = None, quote: int | None = None) -> None:
    """A reply object as one or more HTML messages, with the buttons it needs."""
    reply_to = ReplyParameters(quote, allow_sending_without_reply=True) if quote else None
    parts: list[tuple[str, InlineKeyboardMarkup | None]]
    if isinstance(reply, AnswerPage):
        parts = [(answer_message(reply), answer_keyboard(reply, key))]
    elif isinstance(reply, IssueView):
        texts = issue_messages(reply.issue)
        parts = [(text, issue_keyboard(reply.issue) if i == len(texts) else None) for i, text in enumerate(texts, 1)]
    elif isinstance(reply, ArticleView):
        texts = article_messages(reply)
        parts = [
            (text, related_keyboard(reply.related) if i == len(texts) else None) for i, text in enumerate(texts, 1)
        ]
    elif isinstance(reply, StatsView):
        parts = [(notice_message(messages.stats(reply.stats)), None)]
    elif isinstance(reply, YearsView | YearView):
        parts = [browse_message(reply)]
    else:
        parts = [(notice_message(reply.text), None)]
    for index, (text, keyboard) in enumerate(parts):
        await bot.send_message(chat_id, text, reply_markup=keyboard, reply_parameters=reply_to if index == 0 else None)


def browse_message(view: YearsView | YearView) -> tuple[str, InlineKeyboardMarkup]:
    if isinstance(view, YearsView):
        return years_message(view), years_keyboard(view)
    return year_message(view), year_keyboard(view)


# What an update carries for the handler its filters chose: a message handler's update has a
# message, a button's a callback query. One missing is a bug, raised to the error handler.


def message_of(update: Update) -> Message:
    message = update.effective_message
    if message is None:
        raise TypeError("a message handler was called for an update without a message")
    return message


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise TypeError("a chat handler was called for an update without a chat")
    return chat.id


def query_of(update: Update) -> CallbackQuery:
    query = update.callback_query
    if query is None:
        raise TypeError("a button handler was called for an update without a callback query")
    return query

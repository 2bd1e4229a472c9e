"""The python-telegram-bot Application: settings in, every handler registered in one place."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import urlparse

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest, RequestData

from retrieval.archive import Archive, state_path_of

from . import browse_text, messages
from .broadcast import Announcer
from .flood import FloodLimiter
from .handlers import AddressedToBot, Handlers, describe_fault, is_network_fault
from .render_alerts import UNFOLLOW_PATTERN
from .settings import BotSettings
from .subscriptions import AlertState, StateWorker
from .uploads import UploadWorker
from .worker import ArchiveWorker

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot could not start: Telegram refused the token, or the Bot API could not be reached."""


# Updates are handled concurrently; the archive worker keeps retrieval off the event loop, and
# uploads are read in a process of their own.
CONCURRENT_UPDATES = 32
SEND_RETRIES = 3
"""Retries of a request that met a network fault, and of one Telegram asked to wait (429)."""
RETRY_BACKOFF_SECONDS = 0.5
"""The first retry's wait; each next one waits twice as long (0.5, 1, 2 s)."""
READ_TIMEOUT_SECONDS = 5.0
"""How long a request waits for Telegram's answer (a long poll waits this beyond its own timeout)."""
POLL_TIMEOUT_SECONDS = 10
"""How long a long poll (getUpdates) waits for updates before Telegram answers with none."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


class RetryingRequest(HTTPXRequest):
    """Bot API requests that survive the network: a fault is logged in one line, without a
    traceback, and a request other than getUpdates is tried again, up to SEND_RETRIES times with
    a doubling wait. getUpdates is not retried here: python-telegram-bot's polling loop retries
    it, forever.

    Retried: timeouts, dropped connections, 5xx answers and answers that are not JSON, all of
    which leave it unknown whether Telegram acted on the request. The Bot API has no idempotency
    key, so a send whose answer was lost on the way back is sent again and arrives twice: a
    rare duplicate is preferred to a question left without an answer. Telegram's refusals
    (400 and 403) are answers, and are not retried. A 429 is logged here and waited out by the
    rate limiter, which holds every other request meanwhile.
    """

    def __init__(self, *, polling: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.polling = polling

    async def post(self, url: str, request_data: RequestData | None = None, **timeouts: Any) -> Any:
        method = url.rsplit("/", 1)[-1]  # never the URL itself: it carries the token
        for attempt in range(SEND_RETRIES + 1):
            try:
                return await super().post(url, request_data, **timeouts)
            except RetryAfter as exc:
                log.warning("%s refused: %s (429); waiting it out", method, describe_fault(exc))
                raise
            except NetworkError as exc:
                if not is_network_fault(exc):
                    raise
                if self.polling:
                    log.warning("%s failed: %s; polling goes on", method, describe_fault(exc))
                    raise
                if attempt == SEND_RETRIES:
                    log.warning("%s failed: %s; giving up after %d tries", method, describe_fault(exc), attempt + 1)
                    raise
                wait = RETRY_BACKOFF_SECONDS * 2**attempt
                log.warning(
                    "%s failed: %s; retry %d of %d in %.1f s",
                    method,
                    describe_fault(exc),
                    attempt + 1,
                    SEND_RETRIES,
                    wait,
                )
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        """An answer that is not JSON is a fault of the way there, like a dropped connection: a
        NetworkError to retry, not python-telegram-bot's logged TelegramError."""
        try:
            return json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise NetworkError("the Bot API's answer is not valid JSON") from None


def build_application(settings: BotSettings, archive: Archive) -> Application:
    worker = ArchiveWorker(archive)
    uploads = UploadWorker(archive.store.path, archive.tokenizer.files)
    alerts = StateWorker(AlertState(state_path_of(archive.store.path)))
    announcer = Announcer(worker, alerts, settings.channel_id)

    async def on_start(app: Application) -> None:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in command_menu()])
        await worker.run(lambda a: a.tokenizer.tokens("预热"))  # load jieba before the first question
        _stop_uploads_on_signals(uploads)
        announcer.start(app.bot)
        log.info("serving as @%s", app.bot.username)

    async def on_stopped(app: Application) -> None:
        await announcer.stop()  # while the bot can still send: sends under way finish and are recorded

    async def on_stop(app: Application) -> None:
        await announcer.stop()  # a stop before the application was running skips post_stop
        uploads.close()
        worker.close()
        alerts.close()

    builder = (
        Application.builder()
        .token(settings.token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_sending_without_reply=True,
            )
        )
        .rate_limiter(FloodLimiter(settings.send_rate, max_retries=SEND_RETRIES))
        .request(RetryingRequest(connection_pool_size=256, read_timeout=READ_TIMEOUT_SECONDS))
        .get_updates_request(RetryingRequest(polling=True, connection_pool_size=1, read_timeout=READ_TIMEOUT_SECONDS))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(on_start)
        .post_stop(on_stopped)
        .post_shutdown(on_stop)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(settings.api_file_url)
    app = builder.build()
    register(app, Handlers(worker, uploads, settings.admin_ids, settings.questions_per_minute, alerts))
    return app


def command_menu() -> list[tuple[str, str]]:
    """The menu Telegram shows: browsing by year right after /issue."""
    menu = list(messages.COMMAND_MENU)
    after_issue = next(i for i, (name, _) in enumerate(menu) if name == "issue") + 1
    menu[after_issue:after_issue] = browse_text.COMMAND_MENU
    return menu


def _stop_uploads_on_signals(uploads: UploadWorker) -> None:
    """On SIGINT/SIGTERM the application waits for running handlers before it stops, and an upload
    being read by OCR could keep it waiting for minutes: the signal first interrupts the upload
    (its admin is told to send the file again), then stops the application as python-telegram-bot's
    own handler does."""

    def stop() -> None:
        uploads.interrupt()
        raise SystemExit  # out of the event loop: run_polling / run_webhook then stop and shut down

    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # no signal handlers on this loop (Windows)
            return


def register(app: Application, h: Handlers) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    new_message = filters.UpdateType.MESSAGE
    # New messages only: editing an old command or question does not send a second reply.
    app.add_handler(CommandHandler("start", h.start, new_message))
    app.add_handler(CommandHandler("help", h.help, new_message))
    app.add_handler(CommandHandler("latest", h.latest, new_message))
    app.add_handler(CommandHandler("issue", h.issue, new_message))
    app.add_handler(CommandHandler("years", h.years, new_message))
    app.add_handler(CommandHandler("year", h.year, new_message))
    app.add_handler(CommandHandler("ask", h.ask_command, new_message))
    app.add_handler(CommandHandler("stats", h.stats, new_message))
    app.add_handler(CommandHandler("subscribe", h.subscribe, new_message))
    app.add_handler(CommandHandler("unsubscribe", h.unsubscribe, new_message))
    app.add_handler(CommandHandler("follow", h.follow, new_message))
    app.add_handler(CommandHandler("unfollow", h.unfollow, new_message))
    app.add_handler(CommandHandler("following", h.following, new_message))
    app.add_handler(MessageHandler(private & filters.COMMAND & new_message, h.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & new_message, h.private_text))
    app.add_handler(
        MessageHandler(groups & filters.TEXT & ~filters.COMMAND & new_message & AddressedToBot(), h.group_text)
    )
    app.add_handler(MessageHandler(private & filters.Document.ALL & new_message, h.document))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.Document.ALL & new_message, h.not_text))
    app.add_handler(CallbackQueryHandler(h.unfollow_button, pattern=UNFOLLOW_PATTERN))
    app.add_handler(CallbackQueryHandler(h.button))
    app.add_handler(InlineQueryHandler(h.inline_query))
    app.add_error_handler(h.error)


def check_token(settings: BotSettings) -> str:
    """Ask the Bot API who the bot is, so a wrong token or an unreachable server is one clear line
    before anything starts; returns the bot's username."""

    async def who_am_i() -> str:
        urls = (
            {"base_url": settings.api_base_url, "base_file_url": settings.api_file_url} if settings.api_base_url else {}
        )
        async with Bot(settings.token, **urls) as bot:
            return bot.username

    with _start_errors():
        return asyncio.run(who_am_i())


def run(app: Application, settings: BotSettings) -> None:
    """Long polling by default, a webhook when a public URL is set; both stop cleanly on SIGINT/SIGTERM."""
    with _start_errors():
        if settings.webhook_url:
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                # Telegram sends the secret back with every update; without one, anyone could post updates.
                secret_token=settings.webhook_secret or secrets.token_urlsafe(32),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=POLL_TIMEOUT_SECONDS)


@contextmanager
def _start_errors() -> Iterator[None]:
    """Telegram's refusals at start-up, as one BotStartError line saying what to check."""
    try:
        yield
    except InvalidToken:
        raise BotStartError(
            "Telegram 不接受这个令牌。请检查 TELEGRAM_BOT_TOKEN 是否与 @BotFather 给出的一致。"
        ) from None
    except BadRequest as exc:  # e.g. a webhook URL Telegram will not use
        raise BotStartError(f"Telegram 拒绝了启动请求（{exc}）。请检查 TELEGRAM_WEBHOOK_URL 等设置。") from None
    except NetworkError as exc:
        raise BotStartError(
            f"无法连接 Telegram Bot API（{exc}）。请检查网络，或 TELEGRAM_API_BASE_URL 的设置。"
        ) from None

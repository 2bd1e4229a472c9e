"""The python-telegram-bot Application: settings in, every handler registered in one place."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlparse

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from retrieval.archive import Archive

from . import messages
from .handlers import AddressedToBot, Handlers
from .settings import BotSettings
from .uploads import UploadWorker
from .worker import ArchiveWorker

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot could not start: Telegram refused the token, or the Bot API could not be reached."""


# Updates are handled concurrently; the archive worker keeps retrieval off the event loop, and
# uploads are read in a process of their own.
CONCURRENT_UPDATES = 32
SEND_RETRIES = 3
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


def build_application(settings: BotSettings, archive: Archive) -> Application:
    worker = ArchiveWorker(archive)
    uploads = UploadWorker(archive.store.path, archive.tokenizer.files)

    async def on_start(app: Application) -> None:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in messages.COMMAND_MENU])
        await worker.run(lambda a: a.tokenizer.tokens("预热"))  # load jieba before the first question
        _stop_uploads_on_signals(uploads)
        log.info("serving as @%s", app.bot.username)

    async def on_stop(app: Application) -> None:
        uploads.close()
        worker.close()

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
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.send_rate, max_retries=SEND_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(on_start)
        .post_shutdown(on_stop)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url).base_file_url(settings.api_file_url)
    app = builder.build()
    register(app, Handlers(worker, uploads, settings.admin_ids, settings.questions_per_minute))
    return app


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
    app.add_handler(CommandHandler("ask", h.ask_command, new_message))
    app.add_handler(CommandHandler("stats", h.stats, new_message))
    app.add_handler(MessageHandler(private & filters.COMMAND & new_message, h.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & new_message, h.private_text))
    app.add_handler(
        MessageHandler(groups & filters.TEXT & ~filters.COMMAND & new_message & AddressedToBot(), h.group_text)
    )
    app.add_handler(MessageHandler(private & filters.Document.ALL & new_message, h.document))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.Document.ALL & new_message, h.not_text))
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
            app.run_polling(allowed_updates=Update.ALL_TYPES)


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

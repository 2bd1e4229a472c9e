"""The python-telegram-bot Application: settings in, every handler registered in one place."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from replies import browse_text, messages
from replies.worker import ArchiveWorker
from retrieval.archive import Archive, state_path_of
from retrieval.display import printable

from .broadcast import Announcer
from .faults import describe_fault, is_network_fault
from .flood import FloodLimiter
from .handlers import AddressedToBot, Handlers
from .render_alerts import UNFOLLOW_PATTERN
from .settings import BotSettings
from .subscriptions import AlertState, StateWorker
from .uploads import UploadWorker

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot could not start: Telegram refused a start-up request, or the Bot API could not be reached."""


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

    Retried: timeouts, dropped connections, 5xx answers and answers that are not JSON, all of which leave
    it unknown whether Telegram acted on the request. The Bot API has no idempotency key, so a send whose
    answer was lost on the way back is sent again and arrives twice: a rare duplicate is preferred to a
    question left without an answer. Telegram's refusals (400 and 403) are answers, and are not retried.
    A 429 is logged here and waited out by the rate limiter, which holds every other request meanwhile.

    Each answer and each failed poll is reported to start_up, which tells when the bot serves.
    """

    def __init__(self, *, polling: bool = False, start_up: StartUp | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.polling = polling
        self.start_up = start_up

    # post is final in python-telegram-bot's typing, yet only here are the errors it parses from an
    # answer (RetryAfter, the status codes) seen whole, so the retries wrap it.
    async def post(  # type: ignore[misc, override]
        self, url: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> Any:
        method = url.rsplit("/", 1)[-1]  # never the URL itself: it carries the token
        try:
            result = await self._post_retrying(method, url, request_data, **timeouts)
        except TelegramError as exc:
            if self.polling and self.start_up is not None and self.start_up.stops_for(exc):
                # python-telegram-bot's polling loop ends its task on an InvalidToken (which the stop
                # would then raise again) and sleeps out a 429's wait: while the application stops
                # for this failure, the loop gets one it retries after a second, and so ends cleanly.
                raise TelegramError(str(exc)) from exc
            raise
        if self.start_up is not None:
            self.start_up.answered(method)
        return result

    async def _post_retrying(self, method: str, url: str, request_data: RequestData | None, **timeouts: Any) -> Any:
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


def build_application(
    settings: BotSettings, archive: Archive, start_up: StartUp | None = None, request: BaseRequest | None = None
) -> Application:
    """The bot's Application, every handler registered. request answers all Bot API calls,
    getUpdates included, in place of the retrying HTTP requests (tests answer them in-process)."""
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
        .request(
            request or RetryingRequest(start_up=start_up, connection_pool_size=256, read_timeout=READ_TIMEOUT_SECONDS)
        )
        .get_updates_request(
            request
            or RetryingRequest(
                polling=True, start_up=start_up, connection_pool_size=1, read_timeout=READ_TIMEOUT_SECONDS
            )
        )
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(on_start)
        .post_stop(on_stopped)
        .post_shutdown(on_stop)
    )
    base, files = settings.api_base_url, settings.api_file_url
    if base and files:
        builder = builder.base_url(base).base_file_url(files)
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
    app.add_handler(CommandHandler("trend", h.trend, new_message))
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


def serve(settings: BotSettings, archive: Archive, on_serving: Callable[[], None] = lambda: None) -> None:
    """Check the token, then serve until SIGINT or SIGTERM. Any failure to start, whatever the Bot
    API answered or the network did, is one BotStartError; on_serving is called once the bot serves."""
    check_token(settings)
    start_up = StartUp("setWebhook" if settings.webhook_url else "getUpdates", on_serving)
    run(build_application(settings, archive, start_up), settings, start_up)


def check_token(settings: BotSettings) -> str:
    """Ask the Bot API who the bot is, so a wrong token or an unreachable server is one clear line
    before anything starts; returns the bot's username."""

    async def who_am_i() -> str:
        base, files = settings.api_base_url, settings.api_file_url
        bot = Bot(settings.token, base_url=base, base_file_url=files) if base and files else Bot(settings.token)
        async with bot:
            return bot.username

    with _start_errors():
        return asyncio.run(who_am_i())


def run(app: Application, settings: BotSettings, start_up: StartUp | None = None) -> None:
    """Long polling by default, a webhook when a public URL is set; both stop cleanly on SIGINT/SIGTERM.
    With start_up (the one build_application was given), a failure before the bot serves ends the run."""
    with _start_errors():
        if settings.webhook_url:
            _check_port(settings.webhook_listen, settings.webhook_port)
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
        if start_up is not None and start_up.failure is not None:
            raise start_up.failure


class StartUp:
    """Start-up lasts until Telegram first answers the request that says where updates come from:
    getUpdates when polling, setWebhook for a webhook. Then the bot serves (on_serving).

    A failure of any other start-up request ends run_polling / run_webhook by itself. A failed poll
    does not: python-telegram-bot tries it again for ever, so a bot that another instance keeps
    from polling (409) or that the Bot API forbids (403) would run on without ever hearing from
    Telegram. Before the bot serves, a failed poll stops the application as a stop signal does,
    and run() raises the failure.
    """

    def __init__(self, first_answer: str, on_serving: Callable[[], None]):
        self.first_answer = first_answer
        self.on_serving = on_serving
        self.serving = False
        self.failure: TelegramError | None = None

    def answered(self, method: str) -> None:
        if method == self.first_answer and not self.serving and self.failure is None:
            self.serving = True
            self.on_serving()

    def stops_for(self, error: TelegramError) -> bool:
        """A poll failed: before the bot serves, the application stops for it (True)."""
        if self.serving or self.failure is not None:
            return False  # serving: polling goes on; stopping already: the last poll may fail too
        self.failure = error
        asyncio.get_running_loop().call_soon(_stop_application)
        return True


def _stop_application() -> None:
    """What python-telegram-bot's own stop signal handler does: run_polling then stops and shuts down."""
    raise SystemExit


START_FAILURES: tuple[tuple[type[TelegramError], str], ...] = (
    (InvalidToken, "Telegram 不接受这个令牌（{detail}）。请检查 TELEGRAM_BOT_TOKEN 是否与 @BotFather 给出的一致。"),
    (
        Conflict,
        "另一个程序正在用这个令牌接收更新（{detail}）。请先停止另一个 serve，"
        "或删除为这个机器人设置的 webhook（也可能是刚停止的实例，稍等片刻再启动）。",
    ),
    (
        Forbidden,
        "Telegram Bot API 禁止了这个机器人的请求（{detail}）。"
        "请在 @BotFather 确认机器人仍然可用，并检查 TELEGRAM_API_BASE_URL 的设置。",
    ),
    (RetryAfter, "Telegram 限制了请求频率（{detail}）。请稍等再启动，并确认没有别的程序在频繁使用这个令牌。"),
    (BadRequest, "Telegram 拒绝了启动请求（{detail}）。请检查 TELEGRAM_WEBHOOK_URL 等设置。"),
    (TimedOut, "Telegram Bot API 没有及时回答（{detail}）。请检查网络，或 TELEGRAM_API_BASE_URL 的设置。"),
    (
        NetworkError,
        "无法连接 Telegram Bot API，或它的回答出错（{detail}）。"
        "请检查网络与 TELEGRAM_API_BASE_URL 的设置；服务器出错时请稍后再试。",
    ),
    (TelegramError, "Telegram Bot API 的回答无法使用（{detail}）。请检查 TELEGRAM_API_BASE_URL 的设置，或稍后再试。"),
)
"""What each of python-telegram-bot's errors means at start-up, and what to check; the first class
the error is an instance of wins (BadRequest and TimedOut are NetworkErrors too)."""


@contextmanager
def _start_errors() -> Iterator[None]:
    """Telegram's refusals and the network's faults at start-up, as one BotStartError line saying
    what happened and what to check. The error's own words are kept, on one line, for the details;
    they may echo the token, which the entry point hides before printing."""
    try:
        yield
    except TelegramError as exc:
        raise start_failure(exc) from None


def start_failure(error: TelegramError) -> BotStartError:
    """The error as serve reports it: what it means at start-up, what to check, and its own words."""
    template = next(template for kind, template in START_FAILURES if isinstance(error, kind))
    return BotStartError(template.format(detail=printable(describe_fault(error))))


def _check_port(host: str, port: int) -> None:
    """A port the webhook cannot listen on is refused before the webhook is registered with Telegram
    (python-telegram-bot binds only after setWebhook)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        socket.create_server((host, port), family=family).close()
    except OSError as exc:
        raise BotStartError(
            f"无法在 {host}:{port} 上接收 webhook（{exc.strerror or exc}）。"
            "请换一个 WEBHOOK_PORT 或 WEBHOOK_LISTEN，或先停止占用它的程序。"
        ) from None

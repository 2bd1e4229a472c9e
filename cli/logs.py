"""serve's logging: the bot token hidden from every line, and start-up's lines held until the bot
serves."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sys
import threading
from collections.abc import Iterator
from logging.handlers import BufferingHandler
from typing import Any

REDACTED = "<token>"
MIN_SECRET_CHARS = 8
"""A token's secret part (35 characters from @BotFather) is hidden on its own from this length on;
a shorter one, as in a test's token, would hide ordinary words."""


def redact(text: str, token: str) -> str:
    """text with the bot token hidden in every spelling it can reach output in: as sent, in any case
    (python-telegram-bot lowercases an error's description after "Bad Request: "), with its colon
    URL-encoded (%3A or %3a), and its secret part, after the colon, on its own."""
    return _token_spellings(token).sub(REDACTED, text)


@functools.lru_cache(maxsize=4)
def _token_spellings(token: str) -> re.Pattern[str]:
    bot_id, colon, secret = token.partition(":")
    spellings = [f"{re.escape(bot_id)}(?::|%3a){re.escape(secret)}" if colon else re.escape(token)]
    if colon and len(secret) >= MIN_SECRET_CHARS:
        spellings.append(re.escape(secret))
    return re.compile("|".join(spellings), re.IGNORECASE)


class RedactingFormatter(logging.Formatter):
    """Request URLs, and so some errors and tracebacks, contain the bot token; no log line may show it."""

    def __init__(self, token: str):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.token)  # message, traceback and stack together


class StartUpLog(BufferingHandler):
    """Stands in front of the log's handlers while serve starts: records are held until the bot
    serves (pass_through), then written in order, and from then on as they come. When start-up fails
    they are dropped: serve's one line says what went wrong, and python-telegram-bot's tracebacks
    of the failed request would only say it again. A CRITICAL record (an uncaught error) writes
    everything held at once, so a crash is never silent."""

    def __init__(self, targets: list[logging.Handler]):
        super().__init__(capacity=10_000)  # a start-up that logs more than this writes as it goes
        self.targets = targets
        self.serving = False

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        """The handler's lock, taken as logging's own handlers take it."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def shouldFlush(self, record: logging.LogRecord) -> bool:
        return self.serving or record.levelno >= logging.CRITICAL or super().shouldFlush(record)

    def flush(self) -> None:
        with self._held():
            for record in self.buffer:
                for target in self.targets:
                    if record.levelno >= target.level:
                        target.handle(record)
            self.buffer.clear()

    def pass_through(self) -> None:
        with self._held():
            self.serving = True
            self.flush()

    def drop(self) -> None:
        with self._held():
            self.buffer.clear()


def configure_serve_logging(token: str) -> StartUpLog:
    """INFO for the bot's own lines, every line through the redacting formatter, uncaught errors and
    warnings logged rather than printed (so they are redacted too), all held until the bot serves."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry request URLs
    logging.getLogger("telegram").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    for handler in root.handlers:
        handler.setFormatter(RedactingFormatter(token))
    start_up_log = StartUpLog(root.handlers[:])
    root.handlers = [start_up_log]
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return start_up_log


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    logging.getLogger("run_bot").critical("serve stopped on an error", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(hook: Any) -> None:
    if hook.exc_type is not SystemExit:  # which ends a thread quietly, as by default
        logging.getLogger("run_bot").critical(
            "a thread stopped on an error", exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback)
        )

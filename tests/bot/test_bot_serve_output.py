"""What serve prints and logs, checked without Telegram: the bot token hidden in every spelling an
error, a log line or a traceback can give it; every error of python-telegram-bot at start-up as one
line saying what to check; and the log while serve starts, held until the bot serves."""

from __future__ import annotations

import io
import logging
from urllib.parse import quote

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.application import start_failure
from cli.logs import REDACTED, RedactingFormatter, StartUpLog, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = TOKEN.split(":")[1]


@pytest.mark.parametrize(
    "spelling",
    [
        TOKEN,
        TOKEN.lower(),  # python-telegram-bot's "Bad Request: …" descriptions
        TOKEN.upper(),
        TOKEN.swapcase(),
        quote(TOKEN, safe=""),  # 123456789%3AAAH…
        quote(TOKEN, safe="").lower(),  # %3a
        SECRET,
        SECRET.lower(),
    ],
    ids=[
        "as-sent",
        "lowercased",
        "uppercased",
        "swapped",
        "url-encoded",
        "url-encoded-lowercased",
        "secret",
        "secret-lc",
    ],
)
def test_the_token_is_hidden_in_every_spelling(spelling: str) -> None:
    text = f"Forbidden: POST /bot{spelling}/getMe failed; again /bot{spelling}/getUpdates"
    shown = redact(text, TOKEN)
    assert SECRET.lower() not in shown.lower()
    assert shown.count(REDACTED) == 2 and shown.startswith("Forbidden: POST /bot") and shown.endswith("/getUpdates")


def test_only_the_token_is_hidden_and_a_short_secret_only_with_its_bot_id() -> None:
    assert redact("bot 123456789 answered getMe", TOKEN) == "bot 123456789 answered getMe"
    assert redact("1:ab in a table with ab", "1:ab") == f"{REDACTED} in a table with ab"


def test_log_lines_and_their_tracebacks_never_show_the_token() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(TOKEN))
    log = logging.getLogger("test_bot_secrets.redacting")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise RuntimeError(f"post /bot{TOKEN.lower()}/getme: {quote(TOKEN, safe='')}")
    except RuntimeError:
        log.exception("request to %s failed", f"https://api.telegram.org/bot{TOKEN}/getMe")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "Traceback" in text and text.count(REDACTED) == 3
    assert SECRET.lower() not in text.lower()


START_ERRORS = [
    (InvalidToken, "Unauthorized", "TELEGRAM_BOT_TOKEN"),
    (Forbidden, "Forbidden: bot was blocked", "@BotFather"),
    (Conflict, "Conflict: terminated by other getUpdates request", "webhook"),
    (RetryAfter, 30, "稍等"),
    (BadRequest, "Bad Request: bad webhook: HTTPS url must be provided for webhook", "TELEGRAM_WEBHOOK_URL"),
    (TimedOut, None, "没有及时回答"),
    (NetworkError, "httpx.ConnectError: All connection attempts failed", "检查网络"),
    (EndPointNotFound, "Not Found", "TELEGRAM_API_BASE_URL"),
    (ChatMigrated, -1001234567890, "TELEGRAM_API_BASE_URL"),
    (TelegramError, "Invalid server response:\n<html>\r\n\x1b[2J\u202e</html>", "TELEGRAM_API_BASE_URL"),
]
"""Each of python-telegram-bot's errors serve may meet at start-up (ChatMigrated and EndPointNotFound
only in theory), with its words and the words of the line that must say what to check."""


@pytest.mark.parametrize(
    ("kind", "argument", "words"), START_ERRORS, ids=[kind.__name__ for kind, _, _ in START_ERRORS]
)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's seconds
def test_every_error_at_start_up_is_one_chinese_line_saying_what_to_check(
    kind: type[TelegramError], argument: object, words: str
) -> None:
    error = kind() if argument is None else kind(argument)
    line = str(start_failure(error))
    assert len(line.splitlines()) == 1 and line.isprintable(), line
    assert words in line and "请" in line and str(error).split()[0] in line


def record(level: int, message: str) -> logging.LogRecord:
    return logging.makeLogRecord({"levelno": level, "levelname": logging.getLevelName(level), "msg": message})


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_start_up_log_is_held_until_the_bot_serves_then_passes_through() -> None:
    shown = Lines()
    held = StartUpLog([shown])
    held.handle(record(logging.INFO, "serving as @bot"))
    held.handle(record(logging.WARNING, "deleteWebhook failed; retry 1 of 3"))
    assert shown.lines == []
    held.pass_through()
    held.handle(record(logging.INFO, "answered a question"))
    assert shown.lines == ["serving as @bot", "deleteWebhook failed; retry 1 of 3", "answered a question"]


def test_a_failed_start_up_drops_what_was_held_but_a_crash_shows_it() -> None:
    shown = Lines()
    held = StartUpLog([shown])
    held.handle(record(logging.ERROR, "Network Retry Loop: Failed run number 0 of 0. Aborting."))
    held.drop()
    held.flush()
    assert shown.lines == []
    held.handle(record(logging.INFO, "serving as @bot"))
    held.handle(record(logging.CRITICAL, "serve stopped on an error"))
    assert shown.lines == ["serving as @bot", "serve stopped on an error"]

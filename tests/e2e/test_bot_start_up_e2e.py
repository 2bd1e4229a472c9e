"""serve's start-up as an operator meets it: `run_bot.py serve` in its own process against the Bot
API stand-in, which answers a start-up request with an error whose description echoes the request
path, token and all, as a gateway in front of the Bot API may (also URL-encoded and uppercased).

Whatever the answer (a status Telegram uses, a proxy's HTML page, a broken body, no answer, no
server) and wherever in start-up it comes (getMe when serve checks the token, deleteWebhook and the
first getUpdates when polling starts, setWebhook), serve prints one line on stderr saying what
happened and what to check, exits 2, and shows the token in no spelling.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.bot_api_standin import BotApiStandIn
from tests.helpers import ROOT
from tests.helpers.bot_process import PROXY_PAGE, TOKEN, bot_env, start_bot, stop_bot

SECRET = TOKEN.split(":")[1]
# The request line as sent, then as a proxy re-encodes it and as a log upper-cases it.
ECHO = f"{{request}} (proxied as /bot{quote(TOKEN, safe='')}/, logged as {TOKEN.upper()})"
PERSISTENT = 50  # more failures than start-up makes tries: retries, the rate limiter's, the last poll

Inject = Callable[[BotApiStandIn, str], None]


def error(code: int, phrase: str | None = None, **kwargs) -> Inject:
    description = f"{phrase}: {ECHO}" if phrase else None
    return lambda standin, method: standin.fail_next(method, code, description=description, times=PERSISTENT, **kwargs)


def fault(kind: str) -> Inject:
    return lambda standin, method: standin.fault_next(method, kind, times=PERSISTENT)


# status: (the answer, words the line must hold, whether the answer's words, echo and all, are in it)
ANSWERS = {
    "400": (error(400, "Bad Request"), "拒绝了启动请求", True),  # lowercased by python-telegram-bot
    "401": (error(401, "Unauthorized"), "不接受这个令牌", True),
    "403": (error(403, "Forbidden"), "禁止", True),
    "404": (error(404, "Not Found"), "不接受这个令牌", True),
    "409": (error(409, "Conflict: terminated by other getUpdates request"), "另一个程序正在用这个令牌", True),
    "429": (error(429, retry_after=1), "限制了请求频率", False),  # its words are python-telegram-bot's
    "500": (error(500, "Internal Server Error"), "回答出错", True),
    "502-html": (error(502, page=PROXY_PAGE), "回答出错", True),
}
# getMe, serve's check of the token, meets every answer; run_polling's own start-up requests meet
# those it treats apart: the first getUpdates an InvalidToken (401, 404), a 429 and any other error,
# deleteWebhook those it is refused with when another instance polls or Telegram forbids it, and
# setMyCommands (the menu, set before polling starts) a refusal.
FAILED_REQUESTS = (
    [("getMe", answer) for answer in ANSWERS]
    + [("getUpdates", answer) for answer in ("400", "401", "409", "429", "502-html")]
    + [("deleteWebhook", answer) for answer in ("403", "409")]
    + [("setMyCommands", "403")]
)


def serve(standin: BotApiStandIn, db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "serve", *args],
        cwd=ROOT,
        env=bot_env(standin, db, **env),
        capture_output=True,
        text=True,
        timeout=90,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def webhook(port: int) -> tuple[str, ...]:
    return ("--webhook-url", "https://bot.example.org/hook", "--webhook-port", str(port))


def assert_one_line_exit_2_without_the_token(result: subprocess.CompletedProcess, words: str) -> str:
    output = result.stdout + result.stderr
    assert SECRET.lower() not in output.lower(), "the token as sent, lowercased, uppercased or URL-encoded"
    assert result.returncode == 2, output
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1 and result.stderr.endswith("\n"), output
    line = result.stderr.strip()
    assert line.startswith("错误：") and words in line and "请" in line, line
    return line


def met(standin: BotApiStandIn, method: str) -> bool:
    return any(call.injected for call in standin.calls(method))


@pytest.mark.parametrize(("method", "answer"), FAILED_REQUESTS, ids=[f"{m}-{a}" for m, a in FAILED_REQUESTS])
def test_any_answer_that_fails_start_up_is_one_line_and_exit_2_without_the_token(
    archive_db: Path,  # noqa: F811 - the shared fixture
    method: str,
    answer: str,
) -> None:
    inject, words, echoed = ANSWERS[answer]
    with BotApiStandIn(TOKEN) as standin:
        inject(standin, method)
        result = serve(standin, archive_db)
        assert met(standin, method), result.stderr
    line = assert_one_line_exit_2_without_the_token(result, words)
    assert ("<token>" in line) is echoed, line


NETWORK_FAULTS = {"no-server": "无法连接", "slow": "没有及时回答", "reset": "无法连接", "garbled": "无法使用"}


@pytest.mark.parametrize("kind", list(NETWORK_FAULTS))
def test_a_fault_of_the_network_at_start_up_is_one_line_and_exit_2(
    archive_db: Path,  # noqa: F811
    kind: str,
) -> None:
    with BotApiStandIn(TOKEN) as standin:
        if kind == "no-server":
            result = serve(standin, archive_db, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot")
        else:
            fault(kind)(standin, "getMe")
            result = serve(standin, archive_db)
            assert met(standin, "getMe")
    assert_one_line_exit_2_without_the_token(result, NETWORK_FAULTS[kind])


@pytest.mark.parametrize("answer", ["400", "409"])
def test_a_webhook_telegram_refuses_is_one_line_and_exit_2(
    archive_db: Path,  # noqa: F811
    answer: str,
) -> None:
    inject, words, _ = ANSWERS[answer]
    with BotApiStandIn(TOKEN) as standin:
        inject(standin, "setWebhook")
        result = serve(standin, archive_db, *webhook(free_port()))
        assert met(standin, "setWebhook")
    assert_one_line_exit_2_without_the_token(result, words)


def test_a_webhook_port_already_taken_is_one_line_and_exit_2_and_no_webhook_is_set(
    archive_db: Path,  # noqa: F811
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken, BotApiStandIn(TOKEN) as standin:
        result = serve(standin, archive_db, *webhook(taken.getsockname()[1]))
        assert standin.calls("setWebhook") == []
    assert_one_line_exit_2_without_the_token(result, "WEBHOOK_PORT")


def test_a_bot_that_starts_logs_nothing_until_its_first_poll_is_answered(
    archive_db: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Its start-up lines are held, so that a start-up failing at its first poll shows only its one
    line; they come once Telegram has answered that poll."""
    log = tmp_path / "bot.log"
    with BotApiStandIn(TOKEN) as standin:
        process = start_bot(standin, archive_db, log)  # returns with the first poll waiting here
        try:
            assert log.read_text(encoding="utf-8") == ""
            standin.end_polls()
            text = wait_for_text(log, "serving as @")
            assert text.count("serving as @") == 1
        finally:
            assert stop_bot(process) == 0


def wait_for_text(path: Path, text: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while text not in (content := path.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline, f"{text!r} not in the log within {timeout:g}s:\n{content}"
        time.sleep(0.05)
    return content

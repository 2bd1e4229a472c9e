"""The bot under faults of the Bot API and the network between: `run_bot.py serve` in its own
process, polling the stand-in, which fails requests on purpose (see BotApiStandIn.fail_next and
fault_next).

What the bot promises, and these tests hold it to:
- it keeps serving: polling survives every fault of getUpdates;
- every question gets exactly one answer when the fault left the request undone (a 429, a 5xx, a
  request lost on the way there): sends are retried, and nothing is sent twice;
- a send Telegram did act on, but whose answer was lost (a reset or a timeout on the way back),
  is sent again and arrives twice: the Bot API has no idempotency key, so the bot cannot tell
  it from a send that never arrived, and it prefers a rare duplicate to a question left unanswered;
- each fault is one WARNING line in the log, naming the method, never a traceback; no chat ever
  sees one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.application import SEND_RETRIES
from tests.bot_api_standin import BotApiStandIn
from tests.helpers.bot_process import CITATION_2202, QUESTION, start_bot, stop_bot

CHATS = itertools.count(30_000)
# Apache's proxy error page, which echoes the request line (and so the token in its path).
PROXY_PAGE = (
    "<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1>"
    "<p>The proxy server could not handle the request {request}.</p></body></html>"
)
ANSWER_SECONDS = 40  # a slow getUpdates is given up after 5 s plus the 10 s of its long poll

Inject = Callable[[BotApiStandIn, str], None]


def error(code: int, **kwargs) -> Inject:
    return lambda standin, method: standin.fail_next(method, code, **kwargs)


def fault(kind: str, **kwargs) -> Inject:
    return lambda standin, method: standin.fault_next(method, kind, **kwargs)


FAULTS = {
    "429": error(429, retry_after=1),
    "500": error(500),
    "502-json": error(502),
    "502-proxy-page": error(502, page=PROXY_PAGE),
    "slow": fault("slow"),
    "reset": fault("reset"),
    "garbled": fault("garbled"),
}


@pytest.fixture(scope="module")
def bot(standin: BotApiStandIn, archive_db: Path, bot_log: Path):
    """As tests/e2e/conftest.py's, and the bot must also stop cleanly after every fault here."""
    process = start_bot(standin, archive_db, bot_log)
    yield process
    if process.poll() is None:
        assert stop_bot(process) == 0


class LogWatch:
    """The lines the bot logs from now on."""

    def __init__(self, path: Path):
        self.path = path
        self.start = path.stat().st_size

    def text(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.start)
            return log.read().decode("utf-8")

    def lines_about(self, method: str) -> list[str]:
        return [line for line in self.text().splitlines() if f" bot.application: {method}" in line]


def answers(standin: BotApiStandIn, chat: int) -> list[str]:
    return [message["text"] for message in standin.messages(chat)]


def ask_and_settle(standin: BotApiStandIn, chats: list[int], count: int = 1) -> dict[int, list[str]]:
    """Ask QUESTION in every chat; once each has count messages and the bot is idle, every chat's messages."""
    for chat in chats:
        standin.push_message(chat, QUESTION)
    standin.wait_until(
        lambda: all(len(answers(standin, chat)) >= count for chat in chats), ANSWER_SECONDS, f"{count} answer(s) each"
    )
    standin.wait_idle()
    return {chat: answers(standin, chat) for chat in chats}


def assert_clean(watch: LogWatch, texts: list[str]) -> None:
    log = watch.text()
    assert "Traceback" not in log and " ERROR " not in log, log
    assert not [t for t in texts if "Traceback" in t or "Error" in t]


def meet_fault_on_next_poll(standin: BotApiStandIn, faults: int) -> None:
    """The poll parked now returns empty; the bot's next polls meet the injected faults, and a
    question pushed after that is fetched only once polling has recovered."""
    standin.end_polls()
    standin.wait_until(lambda: standin.pending_faults("getUpdates") == 0, 10, "the faults of getUpdates met")
    assert len(standin.calls("getUpdates")) >= faults


@pytest.mark.parametrize("method", ["sendMessage", "getUpdates"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_under_a_fault_every_question_gets_exactly_one_answer_and_one_log_line(
    standin: BotApiStandIn, bot, bot_log: Path, method: str, name: str
) -> None:
    chat = next(CHATS)
    watch = LogWatch(bot_log)
    mark = standin.mark()
    FAULTS[name](standin, method)
    if method == "getUpdates":
        meet_fault_on_next_poll(standin, 1)
    [answer] = ask_and_settle(standin, [chat])[chat]
    assert CITATION_2202 in answer
    met = [c for c in standin.calls(method) if c.index >= mark and c.injected]
    assert len(met) == 1 and not met[0].ok, "the fault was met, and the call it met had no effect"
    [line] = watch.lines_about(method)
    assert line.split()[2] == "WARNING", line
    assert_clean(watch, [answer])


def test_a_send_that_keeps_failing_is_given_up_with_an_apology_and_the_bot_keeps_serving(
    standin: BotApiStandIn, bot, bot_log: Path
) -> None:
    chat = next(CHATS)
    watch = LogWatch(bot_log)
    standin.fail_next("sendMessage", 502, times=SEND_RETRIES + 1)
    [apology] = ask_and_settle(standin, [chat])[chat]
    assert "抱歉" in apology
    lines = watch.lines_about("sendMessage")
    assert len(lines) == SEND_RETRIES + 1 and "giving up after 4 tries" in lines[-1]
    assert "could not answer an update: Bad Gateway" in watch.text()
    assert_clean(watch, [apology])
    [_, answer] = ask_and_settle(standin, [chat], count=2)[chat]
    assert CITATION_2202 in answer


def test_faults_in_a_row_are_retried_with_a_growing_wait(standin: BotApiStandIn, bot, bot_log: Path) -> None:
    chat = next(CHATS)
    watch = LogWatch(bot_log)
    mark = standin.mark()
    standin.fault_next("sendMessage", "reset")
    standin.fail_next("sendMessage", 500)
    standin.fault_next("sendMessage", "garbled")
    [answer] = ask_and_settle(standin, [chat])[chat]
    assert CITATION_2202 in answer
    tries = [c for c in standin.calls("sendMessage") if c.index >= mark and c.params["chat_id"] == chat]
    assert [c.ok for c in tries] == [False, False, False, True]
    gaps = [later.time - earlier.time for earlier, later in itertools.pairwise(tries)]
    assert gaps[0] >= 0.5 and gaps[1] >= 1.0 and gaps[2] >= 2.0, gaps
    assert [line.split("; ")[-1] for line in watch.lines_about("sendMessage")] == [
        "retry 1 of 3 in 0.5 s",
        "retry 2 of 3 in 1.0 s",
        "retry 3 of 3 in 2.0 s",
    ]
    assert_clean(watch, [answer])


def test_questions_from_many_chats_under_mixed_faults_each_get_one_answer(
    standin: BotApiStandIn, bot, bot_log: Path
) -> None:
    chats = [next(CHATS) for _ in range(8)]
    watch = LogWatch(bot_log)
    standin.fail_next("sendMessage", 500)
    standin.fault_next("sendMessage", "reset")
    standin.fault_next("sendMessage", "garbled")
    standin.fail_next("sendMessage", 502, page=PROXY_PAGE)
    standin.fail_next("sendMessage", 429, retry_after=1)
    standin.fault_next("sendMessage", "reset")
    settled = ask_and_settle(standin, chats)
    assert {chat: len(texts) for chat, texts in settled.items()} == dict.fromkeys(chats, 1)
    assert all(CITATION_2202 in texts[0] for texts in settled.values())
    assert standin.pending_faults("sendMessage") == 0
    assert len(watch.lines_about("sendMessage")) == 6
    assert_clean(watch, [text for texts in settled.values() for text in texts])


@pytest.mark.parametrize("kind", ["reset", "garbled"])
def test_a_send_telegram_acted_on_but_whose_answer_was_lost_arrives_twice_by_choice(
    standin: BotApiStandIn, bot, bot_log: Path, kind: str
) -> None:
    """At least once, not at most once: the bot cannot tell this from a send that never arrived."""
    chat = next(CHATS)
    watch = LogWatch(bot_log)
    standin.fault_next("sendMessage", kind, applied=True)
    first, second = ask_and_settle(standin, [chat], count=2)[chat]
    assert first == second and CITATION_2202 in first
    assert len(watch.lines_about("sendMessage")) == 1
    assert_clean(watch, [first, second])


def test_a_late_answer_within_the_timeout_is_no_fault(standin: BotApiStandIn, bot, bot_log: Path) -> None:
    chat = next(CHATS)
    watch = LogWatch(bot_log)
    standin.fault_next("sendMessage", "slow", seconds=1.0)
    [answer] = ask_and_settle(standin, [chat])[chat]
    assert CITATION_2202 in answer
    assert watch.lines_about("sendMessage") == []

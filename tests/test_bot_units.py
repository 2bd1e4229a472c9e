"""Rate limits, button data and the conversation's paging, without Telegram."""

from __future__ import annotations

import pytest

from bot import conversation, messages
from bot.conversation import AnswerPage, IssueView, Notice
from bot.keyboards import (
    ArticleRequest,
    PageRequest,
    answer_keyboard,
    article_data,
    page_data,
    parse_callback,
)
from bot.ratelimit import WINDOW_SECONDS, RateLimiter
from bot.settings import BotSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_the_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.wait_seconds(7) for _ in range(3)] == [0, 0, 0]
    clock.now += 10
    assert limiter.wait_seconds(7) == WINDOW_SECONDS - 10
    assert limiter.wait_seconds(8) == 0, "another user is not affected"
    clock.now += WINDOW_SECONDS - 10
    assert limiter.wait_seconds(7) == 0, "the window slid past the first questions"


def test_rate_limiter_warns_once_per_blocked_stretch() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    limiter.wait_seconds(1)
    assert limiter.wait_seconds(1) > 0 and limiter.should_warn(1)
    assert limiter.wait_seconds(1) > 0 and not limiter.should_warn(1)
    clock.now += WINDOW_SECONDS + 1
    assert limiter.wait_seconds(1) == 0
    assert limiter.wait_seconds(1) > 0 and limiter.should_warn(1)


@pytest.mark.parametrize(
    "data, expected",
    [
        (page_data("AbC-_9xyz012", 3), PageRequest("AbC-_9xyz012", 3)),
        (article_data(123456), ArticleRequest(123456)),
        ("p:key:999", None),
        ("a:-1", None),
        ("a:1; DROP TABLE articles", None),
        ("", None),
        (None, None),
    ],
)
def test_callback_data_round_trips_and_rejects_what_the_bot_never_made(data, expected) -> None:
    assert parse_callback(data) == expected


def test_callback_data_fits_telegrams_64_bytes(empty_archive) -> None:
    key = empty_archive.save_question("背街小巷" * 250)
    data = page_data(key, conversation.MAX_PAGES - 1)
    assert len(data.encode()) <= 64 and parse_callback(data) == PageRequest(key, conversation.MAX_PAGES - 1)
    assert len(article_data(10**12 - 1).encode()) <= 64


def test_api_file_url_sits_beside_the_method_url() -> None:
    assert (
        BotSettings(token="t", api_base_url="http://127.0.0.1:8081/bot").api_file_url
        == "http://127.0.0.1:8081/file/bot"
    )
    assert BotSettings(token="t").api_file_url is None
    assert "t0ken" not in repr(BotSettings(token="t0ken", webhook_secret="s3cret"))


def test_pages_continue_numbering_and_end(shared_sample_archive) -> None:
    question = "文明城市创建工作"
    first = conversation.ask(shared_sample_archive, question)
    assert isinstance(first, AnswerPage) and first.first_number == 1
    assert len(first.answer.hits) == conversation.PER_PAGE and first.has_more
    second = conversation.ask(shared_sample_archive, question, page=1)
    assert second.first_number == conversation.PER_PAGE + 1
    assert {h.article_id for h in first.answer.hits}.isdisjoint(h.article_id for h in second.answer.hits)
    assert not second.has_more, "the sample archive holds five articles"
    keyboard = answer_keyboard(second, "key")
    labels = [b.text for row in keyboard.inline_keyboard for b in row]
    assert messages.PREVIOUS_BUTTON in labels and messages.MORE_BUTTON not in labels
    assert messages.FULL_TEXT_BUTTON.format(number=4) in labels


def test_greetings_get_the_help_text(shared_sample_archive) -> None:
    assert conversation.ask(shared_sample_archive, "你好！") == Notice(messages.HELP)


@pytest.mark.parametrize("argument", ["2202", "总第2202期", "2022-10", "2022年第10期"])
def test_issue_accepts_every_way_of_naming_it(shared_sample_archive, argument) -> None:
    reply = conversation.issue(shared_sample_archive, argument)
    assert isinstance(reply, IssueView) and reply.issue.ref.total == 2202


def test_unknown_issue_names_the_nearest_held(shared_sample_archive) -> None:
    reply = conversation.issue(shared_sample_archive, "2203")
    assert isinstance(reply, Notice) and "总第2203期" in reply.text and "总第2202期" in reply.text


def test_deep_link_opens_an_issue(shared_sample_archive) -> None:
    reply = conversation.respond(shared_sample_archive, "/start issue_2126")
    assert isinstance(reply, IssueView) and reply.issue.ref.total == 2126


def test_saved_questions_expire(empty_archive, monkeypatch) -> None:
    key = empty_archive.save_question("背街小巷整治")
    assert empty_archive.saved_question(key) == "背街小巷整治"
    import retrieval.archive as archive_module

    monkeypatch.setattr(archive_module.time, "time", lambda: 10**10)
    assert empty_archive.saved_question(key) is None


def test_archive_calls_run_off_the_event_loop_so_other_chats_keep_moving(empty_archive) -> None:
    import asyncio
    import threading
    import time as clock

    from bot.worker import ArchiveWorker

    async def scenario() -> tuple[str, int]:
        worker = ArchiveWorker(empty_archive)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        thread = await worker.run(lambda archive: (clock.sleep(0.3), threading.current_thread().name)[1])
        task.cancel()
        worker.close()
        return thread, ticks

    thread, ticks = asyncio.run(scenario())
    assert thread.startswith("archive")
    assert ticks >= 10, "the loop kept running while the archive was busy"

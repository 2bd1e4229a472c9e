"""Alert state, planning of announcements and the flood limiter, without Telegram."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.broadcast import Announcer
from bot.flood import ChatSpacing, Window
from bot.render_alerts import channel_post, issue_alert, parse_unfollow, topics_alert, unfollow_keyboard
from bot.render_html import MESSAGE_LIMIT, visible_length
from bot.subscriptions import (
    CHANNEL,
    ISSUE,
    MAX_TOPICS,
    TOPICS,
    AlertState,
    Delivery,
    Plan,
    StateWorker,
    TooManyTopics,
    normalise_topic,
)
from replies.worker import ArchiveWorker
from retrieval.archive import Archive, state_path_of
from retrieval.models import IngestStatus
from tests.helpers import ISSUE_2202
from tests.helpers.bulletin_text import HEADER, bulletin

BOT = SimpleNamespace(username="bulletin_test_bot")


@pytest.fixture
def state(tmp_path: Path) -> AlertState:
    store = AlertState(tmp_path / "archive.state.db")
    yield store
    store.close()


def test_subscribing_twice_is_one_subscription(state: AlertState) -> None:
    assert state.subscribe(7) is True
    assert state.subscribe(7) is False
    assert state.subscribers() == [7]
    assert state.unsubscribe(7) is True
    assert state.unsubscribe(7) is False


def test_a_chat_follows_at_most_ten_topics(state: AlertState) -> None:
    for n in range(MAX_TOPICS):
        assert state.follow(5, f"话题{n}")
    assert state.follow(5, "话题0") is False  # already followed: not refused
    with pytest.raises(TooManyTopics):
        state.follow(5, "再一个")
    assert len(state.topics(5)) == MAX_TOPICS
    assert state.follow(6, "再一个")  # another chat's own ten


def test_a_topic_button_unfollows_only_in_its_own_chat(state: AlertState) -> None:
    state.follow(5, "垃圾分类")
    ((row_id, topic),) = state.followed(5)
    assert state.unfollow_id(6, row_id) is None
    assert state.unfollow_id(5, row_id) == "垃圾分类"
    assert state.unfollow_id(5, row_id) is None
    assert unfollow_keyboard([]) is None
    data = unfollow_keyboard([(row_id, topic)]).inline_keyboard[0][0].callback_data
    assert parse_unfollow(data) == row_id and parse_unfollow("uf:x") is None


def test_topics_are_stored_as_one_short_line() -> None:
    assert normalise_topic("  垃圾\n 分类 ") == "垃圾 分类"
    assert len(normalise_topic("长" * 100)) == 30


def plan(position: int, *recipients: tuple[str, str, str]) -> Plan:
    keys = {key for _, _, key in recipients}
    return Plan(position, {key: [[f"<b>{key}</b>", None]] for key in keys}, list(recipients))


def test_a_plan_moves_the_cursor_and_its_deliveries_wait_until_sent(state: AlertState) -> None:
    assert state.cursor() is None
    state.record_plan(plan(3, ("10", ISSUE, ISSUE), ("10", TOPICS, "topics:a"), ("11", ISSUE, ISSUE)))
    assert state.cursor() == 3
    pending = state.pending()
    assert [(d.chat, d.kind) for d in pending] == [("10", ISSUE), ("11", ISSUE), ("10", TOPICS)]
    assert state.message(3, "topics:a") == [["<b>topics:a</b>", None]]
    state.mark(pending[0], "sent")
    state.record_plan(plan(3, ("10", ISSUE, ISSUE)))  # planned again after a crash: still sent once
    assert len(state.pending()) == 2
    state.record_plan(plan(2))
    assert state.cursor() == 3  # never moves back


def test_pruning_keeps_what_is_pending_and_the_cursor(state: AlertState) -> None:
    state.record_plan(plan(4, ("10", ISSUE, ISSUE), ("11", TOPICS, "topics:a")))
    state.mark(state.pending()[0], "sent")
    assert state.prune(keep_seconds=-1) == 1
    assert [d.chat for d in state.pending()] == ["11"]
    assert state.message(4, ISSUE) == [] and state.message(4, "topics:a") != []
    assert state.cursor() == 4


def test_a_chat_that_blocked_the_bot_is_forgotten(state: AlertState) -> None:
    state.subscribe(10)
    state.follow(10, "垃圾分类")
    state.record_plan(plan(1, ("10", ISSUE, ISSUE), ("10", TOPICS, "topics:x"), ("11", ISSUE, ISSUE)))
    state.forget_chat(10)
    assert state.subscribers() == [] and state.topics(10) == []
    assert [d.chat for d in state.pending()] == ["11"]
    assert state.counts() == {"dropped": 2, "pending": 1}


def test_a_migrated_group_keeps_everything_under_its_new_id(state: AlertState) -> None:
    state.subscribe(-5)
    state.follow(-5, "垃圾分类")
    state.record_plan(plan(1, ("-5", ISSUE, ISSUE), ("-5", TOPICS, "topics:x"), ("-1009", ISSUE, ISSUE)))
    moved = state.move_chat(-5, -1009)
    assert moved == {(1, TOPICS)}  # the supergroup had the issue already: not sent twice
    assert state.subscribers() == [-1009] and state.topics(-1009) == ["垃圾分类"]
    assert sorted((d.chat, d.kind) for d in state.pending()) == [("-1009", ISSUE), ("-1009", TOPICS)]
    assert Delivery(1, "@channel", CHANNEL, CHANNEL).chat_id == "@channel"


def test_new_issues_are_planned_once_for_subscribers_followers_and_the_channel(
    sample_archive: Archive, tmp_path: Path
) -> None:
    async def scenario() -> None:
        archive = ArchiveWorker(sample_archive)
        state = StateWorker(AlertState(state_path_of(sample_archive.store.path)))
        try:
            announcer = Announcer(archive, state, "@bulletin_feed")
            await announcer._first_cursor()
            assert await announcer.plan_new_issues(BOT) == 0  # what the archive held at first start is not news
            await state.run(AlertState.subscribe, 1)
            await state.run(AlertState.follow, 2, "垃圾分类")
            await state.run(AlertState.follow, 2, "桶前值守")
            await state.run(AlertState.follow, 3, "航天发射")
            sample_archive.ingest_bytes(bulletin().encode(), "2165.txt")
            assert await announcer.plan_new_issues(BOT) == 1
            pending = await state.run(AlertState.pending)
            assert sorted((d.chat, d.kind) for d in pending) == [
                ("1", ISSUE),
                ("2", TOPICS),
                ("@bulletin_feed", CHANNEL),
            ]
            topics = next(d for d in pending if d.kind == TOPICS)
            text = (await state.run(AlertState.message, topics.position, topics.message_key))[0][0]
            assert "“垃圾分类”、“桶前值守”" in text and "总第2165期" in text
            # Unchanged, and replaced: nothing new to plan.
            assert [r.status for r in sample_archive.ingest([ISSUE_2202])] == [IngestStatus.UNCHANGED]
            replaced = bulletin().replace("十二万户", "十三万户")
            assert sample_archive.ingest_bytes(replaced.encode(), "2165-v2.txt").status is IngestStatus.REPLACED
            assert await announcer.plan_new_issues(BOT) == 0
            assert len(await state.run(AlertState.pending)) == 3
            # An older copy of the archive restored (its log behind the cursor): what is ingested into
            # it after the bot has seen it is still news.
            head = sample_archive.issue_log_position()
            await state.run(AlertState.set_cursor, head + 5)
            assert await announcer.plan_new_issues(BOT) == 0
            assert await state.run(AlertState.cursor) == head
            sample_archive.ingest_bytes(bulletin(header=HEADER.replace("2165", "2166")).encode(), "2166.txt")
            assert await announcer.plan_new_issues(BOT) == 1
        finally:
            state.close()
            archive.close()

    asyncio.run(scenario())


def test_every_announcement_fits_telegram_messages(sample_archive: Archive) -> None:
    issue = sample_archive.issue(2202)
    hit = sample_archive.topic_hit("创城 工作机制", 2202)
    assert hit is not None
    parts = [*issue_alert(issue), *topics_alert(issue, [("创城", hit)] * 10), *channel_post(issue, "b_bot")]
    assert all(visible_length(text) <= MESSAGE_LIMIT for text, _ in parts)
    post = channel_post(issue, "b_bot")
    assert 'href="https://t.me/b_bot?start=issue_2202"' in post[-1][0]
    assert issue_alert(issue)[-1][1]["inline_keyboard"]  # the full-text buttons


def test_a_window_never_lets_more_than_its_limit_through_in_any_period() -> None:
    async def scenario() -> list[tuple[float, float]]:
        window = Window(5, period=0.2)
        spans: list[tuple[float, float]] = []

        async def send() -> None:
            async with window.slot():
                start = time.monotonic()
                await asyncio.sleep(0.01)
                spans.append((start, time.monotonic()))

        await asyncio.gather(*(send() for _ in range(20)))
        return spans

    spans = asyncio.run(scenario())
    starts = sorted(start for start, _ in spans)
    for i, start in enumerate(starts):
        assert sum(1 for s in starts if start <= s < start + 0.2) <= 5, i
    assert starts[-1] - starts[0] >= 0.6  # 20 sends at 5 per 0.2 s


def test_chat_spacing_waits_a_gap_after_the_chats_last_message() -> None:
    async def scenario() -> float:
        spacing = ChatSpacing(gap=0.2)
        async with spacing.sending("7"):
            pass
        ended = time.monotonic()
        await spacing.wait("8")  # another chat: no wait
        assert time.monotonic() - ended < 0.1
        await spacing.wait("7")
        return time.monotonic() - ended

    assert asyncio.run(scenario()) >= 0.2


def test_every_command_in_the_menu_is_in_the_help_and_registered() -> None:
    from telegram.ext import CommandHandler

    from bot.application import build_application, command_menu
    from bot.settings import BotSettings
    from replies.messages import HELP

    menu = [name for name, _ in command_menu()]
    assert {"subscribe", "unsubscribe", "follow", "unfollow", "following", "years", "year"} <= set(menu)
    assert all(f"/{name}" in HELP for name in menu)
    assert len(menu) == len(set(menu))
    registered = set()
    with Archive(":memory:") as archive:
        app = build_application(BotSettings(token="1:x"), archive)
        for handlers in app.handlers.values():
            for handler in handlers:
                if isinstance(handler, CommandHandler):
                    registered |= set(handler.commands)
    assert set(menu) <= registered


class FakeBot:
    """Records sends; a chat's entry in `faults` is raised (once) instead of sending."""

    username = "bulletin_test_bot"

    def __init__(self, faults: dict) -> None:
        self.faults = faults
        self.sent: list[tuple[int | str, str]] = []

    async def send_message(self, chat_id, text, **kwargs) -> None:
        fault = self.faults.pop(chat_id, None)
        if fault is not None:
            raise fault
        self.sent.append((chat_id, text))


def test_delivery_drops_blocked_chats_follows_migrated_ones_and_retries_the_rest_in_order(tmp_path: Path) -> None:
    from telegram.error import ChatMigrated, Forbidden, TimedOut

    async def scenario() -> None:
        state = StateWorker(AlertState(tmp_path / "archive.state.db"))
        try:
            announcer = Announcer(None, state, None)
            for chat in (1, 2, -3):
                await state.run(AlertState.subscribe, chat)
            await state.run(
                AlertState.record_plan,
                plan(1, ("1", ISSUE, ISSUE), ("2", ISSUE, ISSUE), ("2", TOPICS, "topics:a"), ("-3", ISSUE, ISSUE)),
            )
            bot = FakeBot({1: Forbidden("blocked"), 2: TimedOut(), -3: ChatMigrated(-1003)})
            assert await announcer.deliver(bot) == 1
            assert bot.sent == [(-1003, "<b>issue</b>")]
            assert await state.run(AlertState.subscribers) == [-1003, 2]
            # Chat 2's issue is backing off, so its topics wait too: nothing goes out of order.
            assert await announcer.deliver(bot) == 0
            announcer._not_before.clear()  # the back-off has passed
            assert await announcer.deliver(bot) == 2
            assert bot.sent[1:] == [(2, "<b>issue</b>"), (2, "<b>topics:a</b>")]
            assert await state.run(AlertState.pending) == []
        finally:
            state.close()

    asyncio.run(scenario())

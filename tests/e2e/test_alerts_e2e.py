"""New issues announced by the real bot (`run_bot.py serve`) to the local Bot API stand-in, after a
CLI ingest in another process: to hundreds of subscribers exactly once, within Telegram's flood
limits (the stand-in refuses a message that breaks them), through 429s, blocked users, migrated
groups and a restart midway; to followers of the topics an issue answers; to a channel."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from retrieval.archive import state_path_of
from tests.bot_api_standin import BotApiStandIn
from tests.helpers import ISSUE_2126, ISSUE_2202, ROOT, SAMPLE_ARCHIVE
from tests.helpers.bot_process import ADMIN, TOKEN, start_bot, stop_bot
from tests.helpers.bulletin_text import HEADER, bulletin

CHANNEL = -1001234567890
SUBSCRIBERS = 500
PER_SECOND = 30


def issue_text(total: int, body: str | None = None) -> str:
    header = HEADER.replace("总第 2165 期", f"总第 {total} 期")
    return bulletin(header=header) if body is None else bulletin(body, header=header)


def ingest(db: Path, folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return ingest_path(db, path)


def ingest_path(db: Path, path: Path) -> str:
    """`run_bot.py ingest` in a process of its own, as an operator runs it beside the bot."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "ingest", "--db", str(db), str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seed(db: Path, subscribers: list[int] = (), follows: list[tuple[int, str]] = ()) -> None:
    """Subscriptions written straight into the state file the running bot reads (its tables exist)."""
    with sqlite3.connect(state_path_of(db), timeout=10) as state:
        state.executemany("INSERT INTO alert_subscribers (chat_id, since) VALUES (?, 0)", [(c,) for c in subscribers])
        state.executemany("INSERT INTO alert_follows (chat_id, topic, since) VALUES (?, ?, 0)", follows)


def state_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(state_path_of(db), timeout=10) as state:
        return state.execute(sql).fetchall()


def delivered(standin: BotApiStandIn, chats: set[int], after: int = 0) -> Counter:
    """Messages accepted per chat since call number after."""
    return Counter(
        c.params["chat_id"]
        for c in standin.calls("sendMessage")
        if c.ok and c.index >= after and c.params["chat_id"] in chats
    )


def texts(standin: BotApiStandIn, chat: int, after: int = 0) -> list[str]:
    return [
        c.result["text"]
        for c in standin.calls("sendMessage")
        if c.ok and c.index >= after and c.params["chat_id"] == chat
    ]


def refused_for_flood(standin: BotApiStandIn) -> list:
    return [c for c in standin.rejected() if c.error_code == 429]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("alerts") / "archive.db"
    ingest_path(db, SAMPLE_ARCHIVE)
    return db


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    """A fresh archive holding the two sample issues, and no bot state yet."""
    copy = tmp_path / "archive.db"
    with sqlite3.connect(template_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


@pytest.fixture(scope="module")
def standin():
    with BotApiStandIn(TOKEN, privacy_mode=False) as server:
        server.enforce_flood_limits(PER_SECOND, chat_gap=1.0)
        server.add_channel(CHANNEL, username="bulletin_feed")
        yield server


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "bot.log"


@pytest.fixture
def serve(standin: BotApiStandIn, db: Path, log: Path):
    """Starts the bot (again, after a stop) on the test's archive; stops it at the end."""
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        processes.append(start_bot(standin, db, log, TELEGRAM_CHANNEL_ID=str(CHANNEL)))
        return processes[-1]

    yield start
    for process in processes:
        if process.poll() is None:
            stop_bot(process)


def wait_quiet(standin: BotApiStandIn, chat: int) -> None:
    """Until the chat's last message from the bot is a second old."""

    def last() -> float:
        return max((c.time for c in standin.calls("sendMessage") if c.ok and c.params["chat_id"] == chat), default=0)

    standin.wait_until(lambda: time.time() - last() >= 1.0, what=f"a quiet second in chat {chat}")


def private_chats(standin: BotApiStandIn, first: int, count: int) -> list[int]:
    chats = list(range(first, first + count))
    for chat in chats:
        standin.open_private_chat(chat)
    return chats


def test_a_new_issue_reaches_500_subscribers_once_within_the_flood_limits(
    standin: BotApiStandIn, db: Path, serve, tmp_path: Path
) -> None:
    serve()
    real = 30_001
    mark = standin.mark()
    standin.push_message(real, "/subscribe")
    reply = standin.wait_for("sendMessage", lambda p: p["chat_id"] == real, after=mark)
    assert "已订阅" in reply.result["text"]
    chats = private_chats(standin, 40_000, SUBSCRIBERS - 1)
    blocked, group, supergroup = chats[7], -4242, -1004242
    standin.block_bot(blocked)
    standin.add_group(group)
    standin.migrate_group(group, supergroup)
    seed(db, subscribers=[*chats, group], follows=[(blocked, "垃圾分类")])
    everyone = {real, *chats, supergroup, CHANNEL} - {blocked}

    mark = standin.mark()
    standin.fail_next("sendMessage", 429, retry_after=1)  # Telegram asks the broadcast to wait once
    ingest(db, tmp_path, "2203.txt", issue_text(2203))
    ingested = time.monotonic()
    standin.wait_until(
        lambda: len(delivered(standin, everyone, mark)) == len(everyone), timeout=60, what="every chat announced"
    )
    took = time.monotonic() - ingested
    standin.wait_idle(timeout=10, quiet=0.5)

    counts = delivered(standin, everyone | {blocked}, mark)
    assert set(counts.values()) == {1}, [c for c, n in counts.items() if n != 1]  # nobody twice
    assert took < 60
    announced = texts(standin, real, mark)[0]
    assert announced.startswith("新一期简报：") and "2021年第6期（总第2203期）" in announced
    assert "1. 朝阳区推进垃圾分类入户宣传" in announced
    first = next(c for c in standin.calls("sendMessage") if c.ok and c.index >= mark and c.params["chat_id"] == real)
    assert any(
        b["callback_data"].startswith("a:") for row in first.params["reply_markup"]["inline_keyboard"] for b in row
    )
    post = standin.messages(CHANNEL)[-1]["html"]
    assert 'href="https://t.me/bulletin_test_bot?start=issue_2203"' in post and "总第2203期" in post
    retried = [c for c in standin.calls("sendMessage") if c.injected and c.index >= mark]
    assert len(retried) == 1
    target = retried[0].params["chat_id"]
    assert counts[supergroup if target == group else target] == 1  # the 429'd message arrived, once
    # The blocked user is gone, follows and all; the group is followed to its new id.
    subscribers = {row[0] for row in state_rows(db, "SELECT chat_id FROM alert_subscribers")}
    assert blocked not in subscribers and group not in subscribers and supergroup in subscribers
    assert state_rows(db, f"SELECT * FROM alert_follows WHERE chat_id = {blocked}") == []
    busiest, gap = standin.flood_figures()
    assert refused_for_flood(standin) == []
    assert busiest <= PER_SECOND and gap is not None and gap >= 1.0
    print(f"\n{len(everyone)} chats in {took:.1f} s; busiest second {busiest} messages; closest in a chat {gap:.2f} s")


def test_followers_get_the_hit_for_their_topics_and_nothing_for_others(
    standin: BotApiStandIn, db: Path, serve, tmp_path: Path
) -> None:
    serve()
    follower, both, unrelated = 31_001, 31_002, 31_003
    for chat, topic in ((follower, "垃圾分类"), (both, "文明交通"), (unrelated, "航天发射")):
        mark = standin.mark()
        standin.push_message(chat, f"/follow {topic}")
        reply = standin.wait_for("sendMessage", lambda p, c=chat: p["chat_id"] == c, after=mark)
        assert f"已关注“{topic}”" in reply.result["text"]
    seed(db, subscribers=[both], follows=[(both, "垃圾分类")])
    mark = standin.mark()
    ingest(db, tmp_path, "2204.txt", issue_text(2204))
    standin.wait_until(
        lambda: delivered(standin, {follower, both, CHANNEL}, mark) == Counter({follower: 1, both: 2, CHANNEL: 1}),
        timeout=60,
        what="followers and the channel announced",
    )
    standin.wait_idle(timeout=10, quiet=0.5)
    hit = texts(standin, follower, mark)
    assert len(hit) == 1 and "“垃圾分类”" in hit[0]
    assert "入户宣传" in hit[0] and "——《首都精神文明建设情况简报》2021年第6期（总第2204期）" in hit[0]
    issue, topics = texts(standin, both, mark)  # the issue first, then one message for both topics
    assert issue.startswith("新一期简报：")
    assert "谈到了你关注的“垃圾分类”、“文明交通”" in topics and topics.count("关注：") == 2
    assert texts(standin, unrelated, mark) == []
    pair = [c.time for c in standin.calls("sendMessage") if c.ok and c.index >= mark and c.params["chat_id"] == both]
    assert pair[1] - pair[0] >= 1.0  # the issue, then the topics a second later at least
    assert refused_for_flood(standin) == []
    print(f"\nsubscriber and follower: the two messages {pair[1] - pair[0]:.2f} s apart")


def test_following_lists_topics_and_unfollow_offers_buttons(standin: BotApiStandIn, serve) -> None:
    serve()
    chat = 32_001

    def command(text: str):
        mark = standin.mark()
        standin.push_message(chat, text)
        return standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)

    # One command at a time, each once the chat's previous message is a second old, as the
    # stand-in enforces one message a second per chat.
    for text, expected in (
        ("/follow 垃圾分类", "已关注“垃圾分类”（1/10）"),
        ("/following", "· 垃圾分类"),
        ("/unfollow", "要取消关注哪个话题"),
    ):
        wait_quiet(standin, chat)
        reply = command(text)
        assert expected in reply.result["text"], reply.result["text"]
    button = reply.params["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "取消关注：垃圾分类"
    mark = standin.mark()
    standin.push_callback(chat, chat, reply.result["message_id"], button["callback_data"])
    answered = standin.wait_for("answerCallbackQuery", after=mark)
    assert "已取消关注“垃圾分类”" in answered.params["text"]
    standin.wait_for("editMessageReplyMarkup", after=mark)


def test_a_broadcast_stopped_midway_resumes_after_a_restart_exactly_once(
    standin: BotApiStandIn, db: Path, serve, tmp_path: Path
) -> None:
    bot = serve()
    chats = private_chats(standin, 50_000, 300)
    seed(db, subscribers=chats)
    audience = set(chats)
    mark = standin.mark()
    ingest(db, tmp_path, "2205.txt", issue_text(2205))
    standin.wait_until(lambda: sum(delivered(standin, audience, mark).values()) >= 60, timeout=60, what="60 sent")
    stopping = time.monotonic()
    assert stop_bot(bot, signal.SIGTERM) == 0
    stopped_in = time.monotonic() - stopping
    before = delivered(standin, audience, mark)
    sent = state_rows(db, "SELECT chat FROM alert_deliveries WHERE state = 'sent' AND kind = 'issue'")
    assert {int(chat) for (chat,) in sent} == set(before)  # every message Telegram accepted is recorded
    assert len(before) < len(chats)

    # While the bot is down another issue arrives; both are announced once it is back.
    ingest(db, tmp_path, "2206.txt", issue_text(2206))
    restarted = time.monotonic()
    serve()
    standin.wait_until(
        lambda: set(delivered(standin, audience, mark).values()) == {2}, timeout=90, what="both issues everywhere"
    )
    finished_in = time.monotonic() - restarted
    standin.wait_idle(timeout=10, quiet=0.5)
    counts = delivered(standin, audience, mark)
    assert set(counts.values()) == {2}
    for chat in (chats[0], chats[-1]):
        issues = texts(standin, chat, mark)
        assert ["总第2205期" in issues[0], "总第2206期" in issues[1]] == [True, True]
    assert refused_for_flood(standin) == []
    print(
        f"\nstopped after {sum(before.values())} of {len(chats)} in {stopped_in:.1f} s; after the restart the rest"
        f" and the issue ingested meanwhile in {finished_in:.1f} s"
    )


def test_a_reingest_or_a_replaced_issue_notifies_nobody(
    standin: BotApiStandIn, db: Path, serve, tmp_path: Path
) -> None:
    serve()
    chats = private_chats(standin, 60_000, 3)
    seed(db, subscribers=chats, follows=[(chats[0], "垃圾分类")])
    mark = standin.mark()
    again = ISSUE_2126.read_text(encoding="utf-8")
    assert "未变化" in ingest(db, tmp_path, "2126-again.txt", again)
    changed = ISSUE_2202.read_text(encoding="utf-8").replace("丰台区凝心聚力", "丰台区全面凝心聚力", 1)
    assert "已更新" in ingest(db, tmp_path, "2202-v2.txt", changed)
    # A new issue after them: announced in log order, so anything they caused would come first.
    ingest(db, tmp_path, "2207.txt", issue_text(2207))
    standin.wait_until(
        lambda: delivered(standin, set(chats), mark) == Counter({chats[0]: 2, chats[1]: 1, chats[2]: 1}),
        timeout=60,
        what="the new issue announced",
    )
    standin.wait_idle(timeout=10, quiet=0.5)
    assert all("总第2207期" in text for chat in chats for text in texts(standin, chat, mark))
    assert delivered(standin, set(chats), mark) == Counter({chats[0]: 2, chats[1]: 1, chats[2]: 1})


def test_an_issue_an_admin_uploads_to_the_bot_is_announced_too(standin: BotApiStandIn, db: Path, serve) -> None:
    serve()
    chats = private_chats(standin, 70_000, 2)
    seed(db, subscribers=chats)
    mark = standin.mark()
    standin.push_document(ADMIN, ADMIN, "2208.txt", issue_text(2208).encode())
    standin.wait_until(
        lambda: delivered(standin, set(chats), mark) == Counter(dict.fromkeys(chats, 1)),
        timeout=60,
        what="the uploaded issue announced",
    )
    assert "总第2208期" in texts(standin, chats[0], mark)[0]
    assert any("已导入 总第2208期" in c.params.get("text", "") for c in standin.calls("editMessageText"))


def test_a_broadcast_killed_midway_repeats_at_most_the_messages_in_flight(
    standin: BotApiStandIn, db: Path, serve, tmp_path: Path
) -> None:
    """kill -9 leaves no time to record a send Telegram has accepted: those few, and only those,
    arrive twice after the restart; everyone still gets the issue."""
    bot = serve()
    chats = private_chats(standin, 80_000, 200)
    seed(db, subscribers=chats)
    audience = set(chats)
    mark = standin.mark()
    ingest(db, tmp_path, "2209.txt", issue_text(2209))
    standin.wait_until(lambda: sum(delivered(standin, audience, mark).values()) >= 40, timeout=60, what="40 sent")
    assert stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
    before = delivered(standin, audience, mark)
    recorded = {int(c) for (c,) in state_rows(db, "SELECT chat FROM alert_deliveries WHERE state = 'sent'")}
    unrecorded = set(before) - recorded
    serve()
    standin.wait_until(lambda: set(delivered(standin, audience, mark)) == audience, timeout=60, what="everyone")
    standin.wait_idle(timeout=10, quiet=0.5)
    twice = {chat for chat, n in delivered(standin, audience, mark).items() if n > 1}
    assert twice == unrecorded and len(twice) <= 32  # at most the sends under way (SENDERS)
    assert max(delivered(standin, audience, mark).values()) <= 2
    print(f"\nkilled after {len(before)} of {len(chats)}: {len(twice)} sent twice (accepted, not yet recorded)")

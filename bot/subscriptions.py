"""The bot's alert state: subscribers, followed topics, the announcement cursor and deliveries.

It lives in the bot's own state file beside the archive (`state_path_of`), never in the archive,
which the bot opens read-only. Every change is one transaction, so a restart finds either the
whole plan of an issue's deliveries or none of it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

MAX_TOPICS = 10
MAX_TOPIC_CHARS = 30
BUSY_TIMEOUT_MS = 10_000
KEEP_SECONDS = 30 * 24 * 3600
"""How long finished deliveries are kept, for looking into what was sent."""

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_subscribers (
    chat_id INTEGER PRIMARY KEY,
    since REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_follows (
    chat_id INTEGER NOT NULL,
    topic TEXT NOT NULL,
    since REAL NOT NULL,
    PRIMARY KEY (chat_id, topic)
);
CREATE TABLE IF NOT EXISTS alert_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);
-- The messages of one announcement, rendered once when the issue is planned.
CREATE TABLE IF NOT EXISTS alert_messages (
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    parts TEXT NOT NULL,
    PRIMARY KEY (position, key)
);
-- One row per issue and recipient: pending until Telegram accepted it, then sent (or dropped).
CREATE TABLE IF NOT EXISTS alert_deliveries (
    position INTEGER NOT NULL,
    chat TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_key TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    updated REAL NOT NULL,
    PRIMARY KEY (position, chat, kind)
);
CREATE INDEX IF NOT EXISTS alert_deliveries_pending ON alert_deliveries (state, position);
"""

# What a delivery is: the issue for a subscriber, matched topics for a follower, the channel post.
ISSUE, TOPICS, CHANNEL = "issue", "topics", "channel"
KIND_ORDER = {ISSUE: 0, TOPICS: 1, CHANNEL: 2}


class TooManyTopics(Exception):
    """The chat already follows MAX_TOPICS topics."""


@dataclass(frozen=True)
class Delivery:
    position: int
    chat: str
    kind: str
    message_key: str

    @property
    def chat_id(self) -> int | str:
        """A numeric id, or a channel's @username as given in the settings."""
        try:
            return int(self.chat)
        except ValueError:
            return self.chat


@dataclass(frozen=True)
class Plan:
    """An issue's announcement: rendered messages by key, and who gets which."""

    position: int
    messages: dict[str, list]
    recipients: list[tuple[str, str, str]]
    """(chat, kind, message_key) rows."""


class AlertState:
    """Synchronous access to the alert tables; one connection, used from one thread."""

    def __init__(self, path: Path | str):
        self.db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")  # a recorded send survives a power cut
        with self.db:
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- subscriptions and topics ----------------------------------------------------

    def subscribe(self, chat_id: int) -> bool:
        """True when the chat was not subscribed yet."""
        with self.db:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO alert_subscribers (chat_id, since) VALUES (?, ?)", (chat_id, time.time())
            )
            return cur.rowcount > 0

    def unsubscribe(self, chat_id: int) -> bool:
        with self.db:
            return self.db.execute("DELETE FROM alert_subscribers WHERE chat_id = ?", (chat_id,)).rowcount > 0

    def is_subscribed(self, chat_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM alert_subscribers WHERE chat_id = ?", (chat_id,)).fetchone() is not None

    def subscribers(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT chat_id FROM alert_subscribers ORDER BY chat_id")]

    def follow(self, chat_id: int, topic: str) -> bool:
        """True when newly followed; TooManyTopics past MAX_TOPICS."""
        with self.db:
            if self.db.execute(
                "SELECT 1 FROM alert_follows WHERE chat_id = ? AND topic = ?", (chat_id, topic)
            ).fetchone():
                return False
            if len(self.topics(chat_id)) >= MAX_TOPICS:
                raise TooManyTopics(topic)
            self.db.execute(
                "INSERT INTO alert_follows (chat_id, topic, since) VALUES (?, ?, ?)", (chat_id, topic, time.time())
            )
            return True

    def unfollow(self, chat_id: int, topic: str) -> bool:
        with self.db:
            return (
                self.db.execute("DELETE FROM alert_follows WHERE chat_id = ? AND topic = ?", (chat_id, topic)).rowcount
                > 0
            )

    def topics(self, chat_id: int) -> list[str]:
        rows = self.db.execute("SELECT topic FROM alert_follows WHERE chat_id = ? ORDER BY since, topic", (chat_id,))
        return [row[0] for row in rows]

    def followed(self, chat_id: int) -> list[tuple[int, str]]:
        """The chat's topics with their row ids, which buttons carry (a topic may be too long for them)."""
        rows = self.db.execute(
            "SELECT rowid, topic FROM alert_follows WHERE chat_id = ? ORDER BY since, topic", (chat_id,)
        )
        return [(row[0], row[1]) for row in rows]

    def unfollow_id(self, chat_id: int, row_id: int | None) -> str | None:
        """Unfollow by row id, within the chat only; the topic, or None when it is gone already."""
        with self.db:
            row = self.db.execute(
                "SELECT topic FROM alert_follows WHERE rowid = ? AND chat_id = ?", (row_id, chat_id)
            ).fetchone()
            if row is None:
                return None
            self.db.execute("DELETE FROM alert_follows WHERE rowid = ?", (row_id,))
            return row[0]

    def followers(self) -> dict[str, list[int]]:
        """Each followed topic and the chats following it."""
        found: dict[str, list[int]] = {}
        for chat_id, topic in self.db.execute("SELECT chat_id, topic FROM alert_follows ORDER BY chat_id, since"):
            found.setdefault(topic, []).append(chat_id)
        return found

    def forget_chat(self, chat_id: int) -> None:
        """A chat that blocked the bot: no subscription, no topics, nothing more to deliver."""
        with self.db:
            self.db.execute("DELETE FROM alert_subscribers WHERE chat_id = ?", (chat_id,))
            self.db.execute("DELETE FROM alert_follows WHERE chat_id = ?", (chat_id,))
            self.db.execute(
                "UPDATE alert_deliveries SET state = 'dropped', updated = ? WHERE chat = ? AND state = 'pending'",
                (time.time(), str(chat_id)),
            )

    def move_chat(self, old: int, new: int) -> set[tuple[int, str]]:
        """A group that became a supergroup keeps its subscription, topics and pending deliveries;
        returns the (position, kind) of those moved (the new chat may have had its own already)."""
        with self.db:
            clashes = set(
                self.db.execute(
                    "SELECT position, kind FROM alert_deliveries WHERE chat = ? AND state = 'pending' "
                    "INTERSECT SELECT position, kind FROM alert_deliveries WHERE chat = ?",
                    (str(old), str(new)),
                )
            )
            moving = {
                row
                for row in self.db.execute(
                    "SELECT position, kind FROM alert_deliveries WHERE chat = ? AND state = 'pending'", (str(old),)
                )
            } - clashes
            self.db.execute("UPDATE OR REPLACE alert_subscribers SET chat_id = ? WHERE chat_id = ?", (new, old))
            self.db.execute("UPDATE OR REPLACE alert_follows SET chat_id = ? WHERE chat_id = ?", (new, old))
            self.db.execute(
                "UPDATE OR IGNORE alert_deliveries SET chat = ? WHERE chat = ? AND state = 'pending'",
                (str(new), str(old)),
            )
            # The new chat already had these: left behind, they must not be sent to the old id again.
            self.db.execute(
                "UPDATE alert_deliveries SET state = 'moved', updated = ? WHERE chat = ? AND state = 'pending'",
                (time.time(), str(old)),
            )
        return moving

    # --- the announcement cursor -------------------------------------------------------

    def cursor(self) -> int | None:
        """The archive log position announced up to; None before the bot's first start."""
        row = self.db.execute("SELECT position FROM alert_cursor WHERE id = 1").fetchone()
        return None if row is None else row[0]

    def set_cursor(self, position: int) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO alert_cursor (id, position) VALUES (1, ?)", (position,))

    def record_plan(self, plan: Plan) -> None:
        """An issue's messages and recipients, and the cursor moved past it, in one transaction."""
        now = time.time()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO alert_messages (position, key, parts) VALUES (?, ?, ?)",
                [(plan.position, key, json.dumps(parts, ensure_ascii=False)) for key, parts in plan.messages.items()],
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO alert_deliveries (position, chat, kind, message_key, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                [(plan.position, chat, kind, key, now) for chat, kind, key in plan.recipients],
            )
            self.db.execute(
                "INSERT OR REPLACE INTO alert_cursor (id, position) VALUES (1, MAX(?, COALESCE("
                "(SELECT position FROM alert_cursor WHERE id = 1), 0)))",
                (plan.position,),
            )

    # --- deliveries -------------------------------------------------------------------

    def pending(self) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT position, chat, kind, message_key FROM alert_deliveries WHERE state = 'pending' "
            "ORDER BY position, chat"
        )
        found = [Delivery(*row) for row in rows]
        return sorted(found, key=lambda d: (d.position, KIND_ORDER.get(d.kind, 9), d.chat))

    def message(self, position: int, key: str) -> list:
        row = self.db.execute(
            "SELECT parts FROM alert_messages WHERE position = ? AND key = ?", (position, key)
        ).fetchone()
        return [] if row is None else json.loads(row[0])

    def mark(self, delivery: Delivery, state: str) -> None:
        with self.db:
            self.db.execute(
                "UPDATE alert_deliveries SET state = ?, updated = ? WHERE position = ? AND chat = ? AND kind = ?",
                (state, time.time(), delivery.position, delivery.chat, delivery.kind),
            )

    def prune(self, keep_seconds: float = KEEP_SECONDS) -> int:
        """Forget finished deliveries older than keep_seconds, and messages nobody waits for; the
        cursor, not these rows, is what keeps an issue from being announced twice."""
        with self.db:
            gone = self.db.execute(
                "DELETE FROM alert_deliveries WHERE state != 'pending' AND updated < ?", (time.time() - keep_seconds,)
            ).rowcount
            self.db.execute(
                "DELETE FROM alert_messages WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries d "
                "WHERE d.position = alert_messages.position AND d.message_key = alert_messages.key "
                "AND d.state = 'pending')"
            )
            return gone

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT state, COUNT(*) FROM alert_deliveries GROUP BY state").fetchall())


class StateWorker:
    """The alert state on a thread of its own: a busy state file never blocks the event loop."""

    def __init__(self, state: AlertState):
        self.state = state
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-state")

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """fn(state, *args) on the state's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(self.state, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.state.close()


def normalise_topic(text: str) -> str:
    """A topic as stored: one line, single spaces, at most MAX_TOPIC_CHARS."""
    return " ".join(text.split())[:MAX_TOPIC_CHARS]

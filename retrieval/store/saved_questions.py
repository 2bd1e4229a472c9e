"""Questions kept server-side behind "more results" buttons (a button carries only a short key).

They live in a small SQLite file of their own beside the archive, so that serving never writes the
archive and an ingest's write lock never holds an answer up. Losing the file loses only the
buttons' later pages: a press then asks the user to ask again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import database_error

# A few seconds at most: two bots sharing one state file write a row each in microseconds.
BUSY_MS = 3_000


class SavedQuestions:
    """A question saved under a key belongs to the chat it was answered in (its owner): a key
    forged or carried into another chat finds nothing."""

    def __init__(self, path: Path | str):
        self.path = path
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            if str(path) != ":memory:":
                self.db.execute("PRAGMA journal_mode = WAL")
                # No fsync per question: a power cut may lose the last few "more" buttons, never
                # the file (WAL), and a button that finds nothing says so.
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS saved_questions (key TEXT PRIMARY KEY, owner INTEGER,"
                " question TEXT NOT NULL, saved_at REAL NOT NULL)"
            )
            self.db.execute("CREATE INDEX IF NOT EXISTS saved_questions_by_time ON saved_questions(saved_at)")
        except (sqlite3.Error, OSError) as exc:
            raise database_error(exc, path) from None

    def save(self, key: str, question: str, owner: int | None, now: float, keep_seconds: float) -> None:
        """Remember a question under key; questions older than keep_seconds are forgotten."""
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute("DELETE FROM saved_questions WHERE saved_at < ?", [now - keep_seconds])
                self.db.execute(
                    "INSERT OR REPLACE INTO saved_questions (key, owner, question, saved_at) VALUES (?, ?, ?, ?)",
                    [key, owner, question, now],
                )
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from None

    def get(self, key: str, owner: int | None, now: float, keep_seconds: float) -> str | None:
        """The question saved under key for this owner, unless it has expired."""
        try:
            row = self.db.execute(
                "SELECT question FROM saved_questions WHERE key = ? AND owner IS ? AND saved_at >= ?",
                [key, owner, now - keep_seconds],
            ).fetchone()
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from None
        return row[0] if row else None

    def close(self) -> None:
        self.db.close()

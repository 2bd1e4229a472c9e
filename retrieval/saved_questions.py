"""Questions kept server-side behind "more results" buttons (a button carries only a short key)."""

from __future__ import annotations

import sqlite_utils


class SavedQuestions:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def save(self, key: str, question: str, now: float, keep_seconds: float) -> None:
        """Remember a question under key; questions older than keep_seconds are forgotten."""
        with self.db.atomic():
            self.db.execute("DELETE FROM saved_questions WHERE saved_at < ?", [now - keep_seconds])
            self.db.execute(
                "INSERT OR REPLACE INTO saved_questions (key, question, saved_at) VALUES (?, ?, ?)",
                [key, question, now],
            )

    def get(self, key: str, now: float, keep_seconds: float) -> str | None:
        """The question saved under key, unless it has expired."""
        row = self.db.execute(
            "SELECT question FROM saved_questions WHERE key = ? AND saved_at >= ?", [key, now - keep_seconds]
        ).fetchone()
        return row[0] if row else None

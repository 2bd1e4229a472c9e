"""The archive database's tables, and the migrations that bring an older file up to date.

Only the store calls these; each takes the open sqlite-utils Database.
"""

from __future__ import annotations

from typing import Callable

import sqlite_utils

# 1: FTS5 index. 2: the term index (capped, impact-ordered posting lists, see postings.py).
# 3: source files (provenance and the original bytes) and the page each passage starts on.
SCHEMA_VERSION = 3


def ensure_schema(db: sqlite_utils.Database, reindex: Callable[[], None]) -> None:
    """Create the tables of a new file, or migrate an older one; `reindex` folds the stored
    passages into a freshly created term index."""
    # Saved questions came after the archive tables, so older files gain the table on open.
    db.execute(
        "CREATE TABLE IF NOT EXISTS saved_questions"
        " (key TEXT PRIMARY KEY, question TEXT NOT NULL, saved_at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_saved_questions_saved_at ON saved_questions(saved_at)")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if not db["issues"].exists():
        with db.atomic():
            _create_archive_tables(db)
            _create_term_index(db)
            _create_file_tables(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if version >= SCHEMA_VERSION:
        return
    with db.atomic():
        if version < 2:
            _drop_fts(db)
            _create_term_index(db)
            reindex()
        if version < 3:
            _add_pages_and_files(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _create_archive_tables(db: sqlite_utils.Database) -> None:
    db["issues"].create(
        {
            "total": int,
            "number": int,
            "year": int,
            "month": int,
            "date": str,
            "issuer": str,
            "footer": str,
            "content_hash": str,
            "source_file": str,
            "source_format": str,
            "file_sha256": str,
            "ingested_at": str,
        },
        pk="total",
        not_null={"number", "year", "month", "date", "issuer", "content_hash"},
    )
    db["articles"].create(
        {"id": int, "issue_total": int, "position": int, "title": str, "source": str, "text": str, "page": int},
        pk="id",
        foreign_keys=[("issue_total", "issues", "total")],
        not_null={"issue_total", "position", "title", "text"},
    )
    db["passages"].create(
        {
            "id": int,
            "article_id": int,
            "issue_total": int,
            "position": int,
            "text": str,
            "title_tokens": str,
            "tokens": str,
            "page": int,
            "page_breaks": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("issue_total", "issues", "total")],
        not_null={"article_id", "issue_total", "position", "text", "tokens"},
    )
    db["issues"].create_index(["date"])
    db["issues"].create_index(["year", "number"])
    db["articles"].create_index(["issue_total", "position"], unique=True)
    db["passages"].create_index(["article_id"])
    db["passages"].create_index(["issue_total"])
    db["passages"].enable_counts()


def _create_term_index(db: sqlite_utils.Database) -> None:
    # The posting list is the last column: reading df and floor never loads it.
    db.execute(
        "CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL, floor REAL NOT NULL,"
        " postings BLOB NOT NULL) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE index_totals (id INTEGER PRIMARY KEY CHECK (id = 0), tokens INTEGER NOT NULL)")
    db.execute("INSERT INTO index_totals VALUES (0, 0)")


def _create_file_tables(db: sqlite_utils.Database) -> None:
    # Every file an issue was ever read from, by content; the bytes only while an issue uses them.
    db.execute(
        "CREATE TABLE IF NOT EXISTS files (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, format TEXT NOT NULL,"
        " size INTEGER NOT NULL, pages INTEGER, ocr_pages INTEGER NOT NULL DEFAULT 0, ocr_confidence REAL,"
        " ingested_at TEXT NOT NULL)"
    )
    db.execute("CREATE TABLE IF NOT EXISTS file_blobs (sha256 TEXT PRIMARY KEY REFERENCES files(sha256), data BLOB NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_issues_file_sha256 ON issues(file_sha256)")


def _drop_fts(db: sqlite_utils.Database) -> None:
    for trigger in ("passages_ai", "passages_ad", "passages_au"):
        db.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
    db.execute("DROP TABLE IF EXISTS passages_fts_vocab")
    db.execute("DROP TABLE IF EXISTS passages_fts")


def _add_pages_and_files(db: sqlite_utils.Database) -> None:
    """Version 2 -> 3: issues held so far came from text exports and have no pages."""
    for table, column, kind in (
        ("issues", "source_format", "TEXT"),
        ("issues", "file_sha256", "TEXT"),
        ("articles", "page", "INTEGER"),
        ("passages", "page", "INTEGER"),
        ("passages", "page_breaks", "TEXT"),
    ):
        if column not in db[table].columns_dict:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    db.execute("UPDATE issues SET source_format = 'txt' WHERE source_format IS NULL")
    _create_file_tables(db)

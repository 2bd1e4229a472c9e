"""The archive database's tables, and the migrations that bring an older file up to date.

Only the store calls these; each takes the open sqlite-utils Database.
"""

from __future__ import annotations

import sqlite_utils

from ..errors import ArchiveError
from ..index import lists as term_index

# 1: FTS5 index. 2: capped, impact-ordered posting lists.
# 3: source files (provenance and the original bytes) and the page each passage starts on.
# 4: words and characters in docid-ordered blocks (term_index.py); tokens are no longer stored,
#    the index is rebuilt from the stored text.
# 5: the questions behind "more" buttons leave the archive for a file of their own
#    (saved_questions.py): serving never writes the archive.
# 6: issue_log, one row each time an issue number is stored for the first time, which the bot
#    watches to announce new issues.
# 7: raw posting lists in chunks with passage lengths in the index (index/lists.py); the index
#    is rebuilt from the stored text.
# 8: an index of articles by source office and issue: a list narrowed to one office, and a
#    whole list's facets, read it instead of every article's row.
SCHEMA_VERSION = 8
_SOURCE_INDEX = "CREATE INDEX IF NOT EXISTS idx_articles_source ON articles(source, issue_total)"


# Every index table any version wrote: a migration drops them all and creates the current ones.
_INDEX_TABLES = (*term_index.TABLES, "index_blocks", "index_fields", "terms", "index_totals")


def _drop_index(db: sqlite_utils.Database) -> None:
    for table in _INDEX_TABLES:
        db.execute(f"DROP TABLE IF EXISTS {table}")


def refuse_older(db: sqlite_utils.Database, path: object) -> None:
    """A file opened for reading only cannot be migrated: it is refused with the command that will."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        raise ArchiveError(
            f"档案数据库 {path} 尚未建立，或是旧版本的格式（{version}），只读打开无法升级；"
            "请先运行一次 python run_bot.py reindex（会建立或升级它）后再使用。"
        )


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def refuse_newer(db: sqlite_utils.Database, path: object) -> None:
    """A file written by a newer version is refused before anything is written to it."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"档案数据库 {path} 由更新版本的程序写入（格式 {version}，本程序只支持到 {SCHEMA_VERSION}），"
            "为免损坏没有打开它；请升级本程序后再使用。"
        )


def ensure_schema(db: sqlite_utils.Database, path: object) -> None:
    """Create the tables of a new file, or migrate an older one. A file written by a newer
    version is refused: this one cannot know what it would break.

    A migration from before version 7 leaves the term index empty and without a fingerprint: the
    archive then asks for `reindex`, which rebuilds it from the stored text."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if not db["issues"].exists():
        with db.atomic():
            _create_archive_tables(db)
            term_index.create_tables(db.conn)
            _create_file_tables(db)
            _create_issue_log(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if version >= SCHEMA_VERSION:
        return
    with db.atomic():
        if version < 2:
            _drop_fts(db)
        if version < 3:
            _add_pages_and_files(db)
        if version < 4:
            _drop_index(db)
            _rebuild_with_autoincrement(db)
            term_index.create_tables(db.conn)
        if version < 5:
            db.execute("DROP TABLE IF EXISTS saved_questions")
        if version < 6:
            # Issues held before the log began were never "new": the log starts empty.
            _create_issue_log(db)
        if version < 7 and version >= 4:
            _drop_index(db)
            term_index.create_tables(db.conn)
        if version < 8:
            db.execute(_SOURCE_INDEX)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


_ARTICLES = (
    "CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, issue_total INTEGER NOT NULL"
    " REFERENCES issues(total), position INTEGER NOT NULL, title TEXT NOT NULL, source TEXT, text TEXT NOT NULL,"
    " page INTEGER)"
)
_PASSAGES = (
    "CREATE TABLE {name} (id INTEGER PRIMARY KEY AUTOINCREMENT, article_id INTEGER NOT NULL REFERENCES articles(id),"
    " issue_total INTEGER NOT NULL REFERENCES issues(total), position INTEGER NOT NULL, text TEXT NOT NULL,"
    " page INTEGER, page_breaks TEXT, word_len INTEGER NOT NULL DEFAULT 0, char_len INTEGER NOT NULL DEFAULT 0)"
)


def _create_archive_tables(db: sqlite_utils.Database) -> None:
    db.table("issues").create(
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
    # AUTOINCREMENT: an id is never given again, so a link to an article of a replaced issue
    # finds nothing rather than the new version's article, and passage ids only grow (the term
    # index appends to docid-ordered lists).
    db.execute(_ARTICLES.format(name="articles"))
    db.execute(_PASSAGES.format(name="passages"))
    db.table("issues").create_index(["date"])
    db.table("issues").create_index(["year", "number"])
    _index_archive_tables(db)


def _index_archive_tables(db: sqlite_utils.Database) -> None:
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS idx_articles_issue_total_position ON articles(issue_total, position)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_passages_article_id ON passages(article_id)")
    db.execute(_SOURCE_INDEX)
    db.execute("CREATE INDEX IF NOT EXISTS idx_passages_issue_total ON passages(issue_total)")
    db.table("passages").enable_counts()


def _create_issue_log(db: sqlite_utils.Database) -> None:
    # AUTOINCREMENT: a position is never reused, so a reader's "seen up to" stays true.
    db.execute(
        "CREATE TABLE IF NOT EXISTS issue_log (position INTEGER PRIMARY KEY AUTOINCREMENT, total INTEGER NOT NULL,"
        " logged_at TEXT NOT NULL)"
    )


def _create_file_tables(db: sqlite_utils.Database) -> None:
    # Every file an issue was ever read from, by content; the bytes only while an issue uses them.
    db.execute(
        "CREATE TABLE IF NOT EXISTS files (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, format TEXT NOT NULL,"
        " size INTEGER NOT NULL, pages INTEGER, ocr_pages INTEGER NOT NULL DEFAULT 0, ocr_confidence REAL,"
        " ingested_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS file_blobs (sha256 TEXT PRIMARY KEY REFERENCES files(sha256), data BLOB NOT NULL)"
    )
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


def _rebuild_with_autoincrement(db: sqlite_utils.Database) -> None:
    """Version 3 -> 4: articles and passages get ids that are never given again, passages lose
    their stored tokens (the index is rebuilt from the text) and gain their lengths. SQLite adds
    AUTOINCREMENT only by copying a table; the caller keeps foreign keys off meanwhile."""
    db.execute(_ARTICLES.format(name="articles_new"))
    db.execute(
        "INSERT INTO articles_new (id, issue_total, position, title, source, text, page)"
        " SELECT id, issue_total, position, title, source, text, page FROM articles"
    )
    db.execute(_PASSAGES.format(name="passages_new"))
    db.execute(
        "INSERT INTO passages_new (id, article_id, issue_total, position, text, page, page_breaks)"
        " SELECT id, article_id, issue_total, position, text, page, page_breaks FROM passages"
    )
    for table in ("passages", "articles"):
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    _index_archive_tables(db)

"""Opening the archive file: read-only or for writing, with the pragmas each needs, refusing a
file from another schema version before anything is written to it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from ..errors import ArchiveError, DatabaseMissing, database_error
from .schema import ensure_schema, refuse_newer, refuse_older

# How long a writer waits for another's transaction before giving up with DatabaseBusy: a CLI
# ingest commits every few hundred issues, so an upload waits for that batch, not forever.
WRITE_BUSY_MS = 60_000
# Readers in WAL mode never wait for writers; only for a checkpoint or a crashed writer's recovery.
READ_BUSY_MS = 5_000


def schema_version_of(path: Path) -> int:
    """The schema version of an archive file, read without writing to it (0 for a new file).
    Raises a DatabaseUnusable error for a file SQLite cannot read."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise database_error(exc, path) from None


def open_database(path: Path | str, readonly: bool) -> sqlite_utils.Database:
    """The archive at `path`. For writing, its folder is made and its schema created or migrated;
    read-only, it must exist and be current. A file from a newer version is refused either way."""
    file = Path(path)
    memory = str(path) == ":memory:"
    conn: sqlite3.Connection | None = None
    try:
        if readonly:
            if not memory and not file.exists():
                raise DatabaseMissing(f"档案数据库 {path} 不存在；请先用 python run_bot.py ingest 导入简报。")
            conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        else:
            if not memory:
                file.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS if readonly else WRITE_BUSY_MS}")
        db = sqlite_utils.Database(conn)
        refuse_newer(db, path)
        if readonly:
            refuse_older(db, path)
        else:
            if not memory:
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            ensure_schema(db, path)
            # After migrations: copying a table that others reference needs foreign keys off.
            db.execute("PRAGMA foreign_keys = ON")
    except ArchiveError:
        if conn is not None:
            conn.close()
        raise
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        raise database_error(exc, path) from None
    return db

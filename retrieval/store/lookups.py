"""Reading the archive: issues, articles, source files and counts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import sqlite_utils

from ..errors import UnknownArticle, UnknownIssue
from ..models import ArchiveStats, Filters, Footer, IssueRef, SourceFile, StoredArticle, StoredIssue
from ..sql_chunks import in_chunks

# A passage's article id, issue total, text, first page and the pages that begin inside it.
PassagePlace = tuple[int, int, str, int | None, tuple[tuple[int, int], ...]]


class Lookups:
    """What the store answers from its tables; `db` is its open sqlite-utils Database."""

    db: sqlite_utils.Database

    def stats(self) -> ArchiveStats:
        issues, first, latest = self.db.execute("SELECT count(*), min(date), max(date) FROM issues").fetchone()
        articles = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        return ArchiveStats(
            issues=issues,
            articles=articles,
            passages=self.passage_count(),
            first=dt.date.fromisoformat(first) if first else None,
            latest=dt.date.fromisoformat(latest) if latest else None,
        )

    def passage_count(self) -> int:
        row = self.db.execute("SELECT count FROM _counts WHERE [table] = 'passages'").fetchone()
        return row[0] if row else 0

    def latest_total(self) -> int | None:
        row = self.db.execute("SELECT total FROM issues ORDER BY date DESC, total DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def issue(self, total: int) -> StoredIssue:
        row = self.db.execute(
            "SELECT total, number, year, date, issuer, footer FROM issues WHERE total = ?", [total]
        ).fetchone()
        if row is None:
            raise UnknownIssue(f"档案中没有总第{total}期。", nearest=self.nearest_totals(total))
        articles = tuple(
            StoredArticle(*r)
            for r in self.db.execute(
                "SELECT id, position, title, source, text, page FROM articles WHERE issue_total = ? ORDER BY position",
                [total],
            )
        )
        return StoredIssue(
            ref=ref_of(row), articles=articles, footer=Footer(**json.loads(row[5] or "{}")), file=self.issue_file(total)
        )

    def issue_file(self, total: int) -> SourceFile | None:
        """The file an issue was read from; None for issues stored before files were kept."""
        row = self.db.execute(
            "SELECT f.sha256, f.name, f.format, f.size, f.pages, f.ocr_pages, f.ocr_confidence"
            " FROM issues i JOIN files f ON f.sha256 = i.file_sha256 WHERE i.total = ?",
            [total],
        ).fetchone()
        return SourceFile(*row) if row else None

    def file_bytes(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM file_blobs WHERE sha256 = ?", [sha256]).fetchone()
        return bytes(row[0]) if row else None

    def file_piece(self, sha256: str, offset: int, size: int) -> bytes | None:
        """`size` bytes of a stored file from `offset` (fewer at its end), read through SQLite's
        incremental blob I/O, so the rest of the file is never loaded; None when it is not held."""
        row = self.db.execute("SELECT rowid FROM file_blobs WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            return None
        with self.db.conn.blobopen("file_blobs", "data", row[0], readonly=True) as blob:
            blob.seek(min(offset, len(blob)))
            return blob.read(size)

    def source_files(self) -> dict[str, tuple[IssueRef, str]]:
        """sha256 of each file an issue is currently read from -> (the issue, the file's format)."""
        rows = self.db.execute(
            "SELECT file_sha256, total, number, year, date, issuer, source_format FROM issues"
            " WHERE file_sha256 IS NOT NULL"
        )
        return {r[0]: (ref_of(r[1:6]), r[6]) for r in rows}

    def years(self) -> list[tuple[int, int]]:
        return [tuple(r) for r in self.db.execute("SELECT year, count(*) FROM issues GROUP BY year ORDER BY year")]

    def totals_in_year(self, year: int, offset: int, limit: int) -> tuple[list[int], int]:
        """A page of a year's issues by 期号, and how many the year holds."""
        count = self.db.execute("SELECT count(*) FROM issues WHERE year = ?", [year]).fetchone()[0]
        rows = self.db.execute(
            "SELECT total FROM issues WHERE year = ? ORDER BY number, total LIMIT ? OFFSET ?",
            [year, max(0, limit), max(0, offset)],
        )
        return [r[0] for r in rows], count

    def issue_log_position(self) -> int:
        return self.db.execute("SELECT coalesce(max(position), 0) FROM issue_log").fetchone()[0]

    def logged_since(self, position: int, limit: int) -> list[tuple[int, int]]:
        """(position, total) of the issues first stored after position, oldest first."""
        return [
            tuple(r)
            for r in self.db.execute(
                "SELECT position, total FROM issue_log WHERE position > ? ORDER BY position LIMIT ?", [position, limit]
            )
        ]

    def issue_by_year_number(self, year: int, number: int) -> int | None:
        row = self.db.execute("SELECT total FROM issues WHERE year = ? AND number = ?", [year, number]).fetchone()
        return row[0] if row else None

    def neighbours(self, total: int) -> tuple[int | None, int | None]:
        """The 总期号 held just before and just after total."""
        before = self.db.execute("SELECT max(total) FROM issues WHERE total < ?", [total]).fetchone()[0]
        after = self.db.execute("SELECT min(total) FROM issues WHERE total > ?", [total]).fetchone()[0]
        return before, after

    def nearest_totals(self, total: int, count: int = 3) -> tuple[int, ...]:
        rows = self.db.execute(
            "SELECT total FROM issues ORDER BY abs(total - ?), total LIMIT ?", [total, count]
        ).fetchall()
        return tuple(sorted(r[0] for r in rows))

    def nearest_by_year_number(self, year: int, number: int, count: int = 3) -> tuple[int, ...]:
        rows = self.db.execute(
            "SELECT total FROM issues ORDER BY abs(year - ?) * 1000 + abs(number - ?), total LIMIT ?",
            [year, number, count],
        ).fetchall()
        return tuple(sorted(r[0] for r in rows))

    def refs(self, totals: Iterable[int]) -> dict[int, IssueRef]:
        totals = list(set(totals))
        if not totals:
            return {}
        marks = ",".join("?" * len(totals))
        rows = self.db.execute(f"SELECT total, number, year, date, issuer FROM issues WHERE total IN ({marks})", totals)
        return {r[0]: ref_of(r) for r in rows}

    def articles(self, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Title and source of each article id."""
        ids = list(set(ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT id, title, source FROM articles WHERE id IN ({marks})", ids)
        return {r[0]: (r[1], r[2]) for r in rows}

    def article(self, article_id: int) -> tuple[StoredArticle, IssueRef]:
        """One article with the issue it belongs to; raises UnknownArticle."""
        row = self.db.execute(
            "SELECT a.id, a.position, a.title, a.source, a.text, a.page, i.total, i.number, i.year, i.date, i.issuer"
            " FROM articles a JOIN issues i ON i.total = a.issue_total WHERE a.id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            raise UnknownArticle("这篇文章已不在档案中（所在的一期可能已更新），请重新查询。")
        return StoredArticle(*row[:6]), ref_of(row[6:])

    def count_issues(self, filters: Filters) -> int:
        where, params = filter_sql(filters)
        if filters.source:
            where += " AND total IN (SELECT issue_total FROM articles WHERE source = ?)"
            params = [*params, filters.source]
        return self.db.execute(f"SELECT count(*) FROM issues WHERE {where}", params).fetchone()[0]

    def passage_pages(self, ids: Iterable[int]) -> dict[int, PassagePlace]:
        """Article, issue, text, page and page breaks of each passage id."""
        found: dict[int, PassagePlace] = {}
        ids = list(ids)
        for chunk, marks in in_chunks(ids):
            rows = self.db.execute(
                f"SELECT id, article_id, issue_total, text, page, page_breaks FROM passages WHERE id IN ({marks})",
                chunk,
            )
            found.update((r[0], (r[1], r[2], r[3], r[4], breaks_of(r[5]))) for r in rows)
        return found

    def passage_ids(self, filters: Filters) -> list[int]:
        """Ids of the passages of the issues the filters match, in order."""
        where, params = filter_sql(filters)
        sql = f"SELECT id FROM passages WHERE issue_total IN (SELECT total FROM issues WHERE {where})"
        if filters.source:
            sql += " AND article_id IN (SELECT id FROM articles WHERE source = ?)"
            params = [*params, filters.source]
        return [r[0] for r in self.db.execute(sql + " ORDER BY id", params)]


def breaks_text(breaks: tuple[tuple[int, int], ...]) -> str | None:
    return " ".join(f"{offset}:{page}" for offset, page in breaks) or None


def breaks_of(text: str | None) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple((int(o), int(p)) for o, p in (pair.split(":") for pair in text.split()))


def ref_of(row: tuple) -> IssueRef:
    return IssueRef(total=row[0], number=row[1], year=row[2], date=dt.date.fromisoformat(row[3]), issuer=row[4])


def filter_sql(filters: Filters) -> tuple[str, list[object]]:
    """SQL conditions on the issues table (aliased or not) for a question's filters."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value, op in (
        ("total", filters.total, "="),
        ("year", filters.year_from, ">="),
        ("year", filters.year_to, "<="),
        ("month", filters.month, "="),
        ("number", filters.number, "="),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    if filters.day is not None:
        clauses.append("CAST(substr(date, 9, 2) AS INTEGER) = ?")
        params.append(filters.day)
    return (" AND ".join(clauses) or "1"), params

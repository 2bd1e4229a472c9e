"""The only module that touches SQLite: ingest, lookups, source files and the term index.

The tables themselves, and migrations of older files, are in schema.py.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import sqlite_utils

from . import postings
from .errors import ArchiveError, UnknownArticle, UnknownIssue
from .models import ArchiveStats, Filters, Footer, IssueRef, SourceFile, StoredArticle, StoredIssue, page_at
from .readers import format_rank
from .schema import SCHEMA_VERSION, ensure_schema

__all__ = ["SCHEMA_VERSION", "Store", "IngestStatus", "IssueRecord", "ArticleRecord", "PassageRecord", "FileRecord"]
# SQLite's default limit on host parameters is 999 before 3.32; stay under it.
_CHUNK = 900
# Passages folded into the term index at a time when an older file is migrated.
_REINDEX_BATCH = 5000


class IngestStatus(Enum):
    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT = "kept"
    """The issue is already held from a richer source (a PDF over a text export): not replaced."""


@dataclass(frozen=True)
class PassageRecord:
    """A passage ready to store: text for people, tokens for the index."""

    text: str
    tokens: str
    page: int | None = None
    page_breaks: tuple[tuple[int, int], ...] = ()
    """(offset in text, page) where a later page begins inside the passage."""


@dataclass(frozen=True)
class ArticleRecord:
    title: str
    source: str | None
    text: str
    title_tokens: str
    passages: tuple[PassageRecord, ...]
    page: int | None = None


@dataclass(frozen=True)
class FileRecord:
    """The file an issue was read from, with its bytes when they are to be kept."""

    meta: SourceFile
    data: bytes | None = None


@dataclass(frozen=True)
class IssueRecord:
    """An issue ready to store."""

    ref: IssueRef
    footer: Footer
    articles: tuple[ArticleRecord, ...]
    content_hash: str
    source_file: str
    file: FileRecord | None = None

    @property
    def format(self) -> str:
        return self.file.meta.format if self.file else "txt"


@dataclass(frozen=True)
class SaveResult:
    """What storing one issue did, and the format of the source it replaced or kept."""

    status: IngestStatus
    previous_format: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A passage the index matched, with what ranking and excerpts need."""

    passage_id: int
    article_id: int
    issue_total: int
    text: str
    title_tokens: frozenset[str]
    """The searched terms the article's title holds."""
    tokens: frozenset[str]
    """The searched terms title and passage hold."""
    counts: dict[str, int]
    """How often each searched term occurs in title and passage."""
    length: int
    """Tokens in title and passage: BM25's document length."""
    page: int | None = None
    """The page of the source file the passage starts on."""
    page_breaks: tuple[tuple[int, int], ...] = ()
    """(offset in text, page) where a later page begins inside the passage."""

    def page_at(self, offset: int) -> int | None:
        return page_at(self.page_breaks, offset, self.page)


@dataclass(frozen=True)
class TermStats:
    """What BM25 needs of the archive: passages, their mean length, and each term's frequency."""

    passages: int
    average_length: float
    df: dict[str, int]


class Store:
    """An archive database file. Opening it creates the schema if needed."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            if str(path) != ":memory:":
                self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._ensure_schema()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise ArchiveError(f"无法打开档案数据库 {path}：{exc}。请检查路径，或删除该文件后重新导入。") from None

    def close(self) -> None:
        self.db.close()

    def _ensure_schema(self) -> None:
        ensure_schema(self.db, self._reindex_all)

    def _reindex_all(self) -> None:
        """Fold every stored passage into a freshly created term index (a file from before it)."""
        last = 0
        while rows := self.db.execute(
            "SELECT id, title_tokens, tokens FROM passages WHERE id > ? ORDER BY id LIMIT ?", [last, _REINDEX_BATCH]
        ).fetchall():
            self._update_term_index(added=[(pid, _joined(title, body)) for pid, title, body in rows], removed=[])
            last = rows[-1][0]

    # --- writing ----------------------------------------------------------

    def save_issue(
        self,
        ref: IssueRef,
        footer: Footer,
        articles: Iterable[ArticleRecord],
        content_hash: str,
        source_file: str,
    ) -> IngestStatus:
        """Store one issue in one transaction; same hash is a no-op, a new hash replaces the old version."""
        return self.save_issues([IssueRecord(ref, footer, tuple(articles), content_hash, source_file)])[0].status

    def save_issues(self, issues: list[IssueRecord]) -> list[SaveResult]:
        """Store issues in one transaction, the term index and source files with them: all are
        stored, or none.

        An issue whose hash is already held is a no-op. A new version replaces the old one unless
        the old one came from a richer format (a PDF is kept over a later text export).
        """
        results: list[SaveResult] = []
        added: list[tuple[int, list[str]]] = []
        removed: list[tuple[int, list[str]]] = []
        with self.db.atomic():
            for issue in issues:
                held = self.db.execute(
                    "SELECT content_hash, coalesce(source_format, 'txt'), file_sha256 FROM issues WHERE total = ?",
                    [issue.ref.total],
                ).fetchone()
                if held is not None and held[0] == issue.content_hash:
                    results.append(SaveResult(IngestStatus.UNCHANGED, held[1]))
                    continue
                if held is not None and format_rank(held[1]) > format_rank(issue.format):
                    results.append(SaveResult(IngestStatus.KEPT, held[1]))
                    continue
                if held is not None:
                    removed += self._passage_tokens(issue.ref.total)
                    self._delete_issue(issue.ref.total)
                self._save_file(issue.file)
                self._insert_issue(issue)
                if held is not None and held[2] and held[2] != (issue.file.meta.sha256 if issue.file else None):
                    self._drop_unused_blob(held[2])
                added += self._passage_tokens(issue.ref.total)
                results.append(
                    SaveResult(IngestStatus.ADDED) if held is None else SaveResult(IngestStatus.REPLACED, held[1])
                )
            if added or removed:
                self._update_term_index(added, removed)
        return results

    def _save_file(self, file: FileRecord | None) -> None:
        if file is None:
            return
        meta = file.meta
        self.db.execute(
            "INSERT OR IGNORE INTO files (sha256, name, format, size, pages, ocr_pages, ocr_confidence, ingested_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [meta.sha256, meta.name, meta.format, meta.size, meta.pages, meta.ocr_pages, meta.ocr_confidence, _now()],
        )
        if file.data is not None:
            self.db.execute("INSERT OR IGNORE INTO file_blobs (sha256, data) VALUES (?, ?)", [meta.sha256, file.data])

    def _drop_unused_blob(self, sha256: str) -> None:
        """A replaced source's bytes go once no issue is read from them; its provenance row stays."""
        if not self.db.execute("SELECT 1 FROM issues WHERE file_sha256 = ?", [sha256]).fetchone():
            self.db.execute("DELETE FROM file_blobs WHERE sha256 = ?", [sha256])

    def _insert_issue(self, issue: IssueRecord) -> None:
        ref = issue.ref
        self.db["issues"].insert(
            {
                "total": ref.total,
                "number": ref.number,
                "year": ref.year,
                "month": ref.date.month,
                "date": ref.date.isoformat(),
                "issuer": ref.issuer,
                "footer": json.dumps(vars(issue.footer), ensure_ascii=False),
                "content_hash": issue.content_hash,
                "source_file": issue.source_file,
                "source_format": issue.format,
                "file_sha256": issue.file.meta.sha256 if issue.file else None,
                "ingested_at": _now(),
            }
        )
        for position, article in enumerate(issue.articles):
            article_id = (
                self.db["articles"]
                .insert(
                    {
                        "issue_total": ref.total,
                        "position": position,
                        "title": article.title,
                        "source": article.source,
                        "text": article.text,
                        "page": article.page,
                    }
                )
                .last_pk
            )
            self.db["passages"].insert_all(
                {
                    "article_id": article_id,
                    "issue_total": ref.total,
                    "position": index,
                    "text": passage.text,
                    "title_tokens": article.title_tokens,
                    "tokens": passage.tokens,
                    "page": passage.page,
                    "page_breaks": _breaks_text(passage.page_breaks),
                }
                for index, passage in enumerate(article.passages)
            )

    def _passage_tokens(self, total: int) -> list[tuple[int, list[str]]]:
        rows = self.db.execute("SELECT id, title_tokens, tokens FROM passages WHERE issue_total = ?", [total])
        return [(pid, _joined(title, body)) for pid, title, body in rows]

    def _delete_issue(self, total: int) -> None:
        self.db.execute("DELETE FROM passages WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM articles WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM issues WHERE total = ?", [total])

    def _update_term_index(self, added: list[tuple[int, list[str]]], removed: list[tuple[int, list[str]]]) -> None:
        """Fold passages into, and out of, the terms' df and posting lists.

        A full list whose floor no new impact beats only has its df changed: for a common term
        that is most passages, and its list is never read.
        """
        tokens = self.db.execute("SELECT tokens FROM index_totals").fetchone()[0]
        tokens += sum(len(t) for _, t in added) - sum(len(t) for _, t in removed)
        self.db.execute("UPDATE index_totals SET tokens = ?", [tokens])
        count = self.passage_count()
        average = tokens / count if count else 0.0
        df_change: dict[str, int] = {}
        new: dict[str, list[tuple[int, float]]] = {}
        gone: dict[str, set[int]] = {}
        for passage_id, passage in added:
            for term, value in postings.passage_impacts(passage, average).items():
                new.setdefault(term, []).append((passage_id, value))
                df_change[term] = df_change.get(term, 0) + 1
        for passage_id, passage in removed:
            for term in set(passage):
                gone.setdefault(term, set()).add(passage_id)
                df_change[term] = df_change.get(term, 0) - 1
        held = {term: (df, floor) for term, df, floor in self._by_term("df, floor", df_change)}

        def list_changes(term: str) -> bool:
            """Passages leave the list, or it has room, or a new passage beats its floor."""
            floor = held[term][1]
            return term in gone or floor == 0 or any(v > floor for _, v in new.get(term, []))

        lists = dict(self._by_term("postings", [t for t in df_change if t in held and list_changes(t)]))
        upserts, df_only, deletes = [], [], []
        for term, change in df_change.items():
            df = held.get(term, (0, 0.0))[0] + change
            if df <= 0:
                deletes.append((term,))
            elif term in lists or term not in held:
                blob, floor = postings.merge(lists.get(term), new.get(term, []), gone.get(term, set()))
                upserts.append((term, df, floor, blob))
            else:
                df_only.append((df, term))
        self.db.conn.executemany("DELETE FROM terms WHERE term = ?", deletes)
        self.db.conn.executemany("UPDATE terms SET df = ? WHERE term = ?", df_only)
        self.db.conn.executemany("INSERT OR REPLACE INTO terms VALUES (?, ?, ?, ?)", upserts)

    # --- reading ----------------------------------------------------------

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
            ref=_ref(row), articles=articles, footer=Footer(**json.loads(row[5] or "{}")), file=self.issue_file(total)
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

    def source_files(self) -> dict[str, tuple[IssueRef, str]]:
        """sha256 of each file an issue is currently read from -> (the issue, the file's format)."""
        rows = self.db.execute(
            "SELECT file_sha256, total, number, year, date, issuer, source_format FROM issues"
            " WHERE file_sha256 IS NOT NULL"
        )
        return {r[0]: (_ref(r[1:6]), r[6]) for r in rows}

    def issue_by_year_number(self, year: int, number: int) -> int | None:
        row = self.db.execute("SELECT total FROM issues WHERE year = ? AND number = ?", [year, number]).fetchone()
        return row[0] if row else None

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
        return {r[0]: _ref(r) for r in rows}

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
        return StoredArticle(*row[:6]), _ref(row[6:])

    def count_issues(self, filters: Filters) -> int:
        where, params = _filter_sql(filters)
        return self.db.execute(f"SELECT count(*) FROM issues WHERE {where}", params).fetchone()[0]

    # --- saved questions (server-side state behind "more results" buttons) -----

    def save_question(self, key: str, question: str, now: float, keep_seconds: float) -> None:
        """Remember a question under key; questions older than keep_seconds are forgotten."""
        with self.db.atomic():
            self.db.execute("DELETE FROM saved_questions WHERE saved_at < ?", [now - keep_seconds])
            self.db.execute(
                "INSERT OR REPLACE INTO saved_questions (key, question, saved_at) VALUES (?, ?, ?)",
                [key, question, now],
            )

    def saved_question(self, key: str, now: float, keep_seconds: float) -> str | None:
        """The question saved under key, unless it has expired."""
        row = self.db.execute(
            "SELECT question FROM saved_questions WHERE key = ? AND saved_at >= ?", [key, now - keep_seconds]
        ).fetchone()
        return row[0] if row else None

    # --- search -----------------------------------------------------------

    def _by_term(self, columns: str, terms: Iterable[str]) -> Iterator[tuple]:
        """(term, *columns) of each held term in the term index, a chunk of terms per query."""
        for chunk in _chunks(list(terms)):
            yield from self.db.execute(f"SELECT term, {columns} FROM terms WHERE term IN ({_marks(chunk)})", chunk)

    def term_stats(self, terms: Iterable[str]) -> TermStats:
        terms = list(set(terms))
        df = dict(self._by_term("df", terms))
        count = self.passage_count()
        tokens = self.db.execute("SELECT tokens FROM index_totals").fetchone()[0]
        return TermStats(passages=count, average_length=tokens / count if count else 0.0, df=df)

    def best_passages(
        self, weights: dict[str, tuple[float, float]], want: int, budget: int, filters: Filters, scan: int
    ) -> list[int]:
        """Ids of the passages the terms' posting lists rank best (postings.best_passages), best
        first; `weights` holds each term's IDF and coverage weight.

        With filters, only passages of the matching issues count; when they are no more than
        `scan`, all of them are returned, for the caller to score every one.
        """
        allowed = None
        if filters.active:
            where, params = _filter_sql(filters)
            ids = [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM passages WHERE issue_total IN (SELECT total FROM issues WHERE {where}) ORDER BY id",
                    params,
                )
            ]
            if len(ids) <= scan:
                return ids
            allowed = np.array(ids, dtype=np.int32)
        lists = [(*weights[term], blob) for term, blob in self._by_term("postings", list(weights))]
        return postings.best_passages(lists, want, budget, allowed)

    def candidates(self, ids: list[int], terms: Iterable[str]) -> list[Candidate]:
        """The passages with these ids, in that order, with what they hold of the given terms."""
        terms = list(dict.fromkeys(terms))
        by_id = {}
        for chunk in _chunks(ids):
            rows = self.db.execute(
                "SELECT id, article_id, issue_total, text, title_tokens, tokens, page, page_breaks FROM passages"
                f" WHERE id IN ({_marks(chunk)})",
                chunk,
            )
            for passage_id, article_id, issue_total, text, title_tokens, tokens, page, breaks in rows:
                # Counted in the space-separated strings: no list of a passage's tokens is built.
                title = f" {title_tokens or ''} "
                body = f" {tokens} "
                in_title = {t: n for t in terms if (n := title.count(f" {t} "))}
                counts = {t: n for t in terms if (n := in_title.get(t, 0) + body.count(f" {t} "))}
                by_id[passage_id] = Candidate(
                    passage_id=passage_id,
                    article_id=article_id,
                    issue_total=issue_total,
                    text=text,
                    title_tokens=frozenset(in_title),
                    tokens=frozenset(counts),
                    counts=counts,
                    length=_token_count(title_tokens) + _token_count(tokens),
                    page=page,
                    page_breaks=_breaks(breaks),
                )
        return [by_id[i] for i in ids if i in by_id]


def _breaks_text(breaks: tuple[tuple[int, int], ...]) -> str | None:
    return " ".join(f"{offset}:{page}" for offset, page in breaks) or None


def _breaks(text: str | None) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple((int(o), int(p)) for o, p in (pair.split(":") for pair in text.split()))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _ref(row: tuple) -> IssueRef:
    return IssueRef(total=row[0], number=row[1], year=row[2], date=dt.date.fromisoformat(row[3]), issuer=row[4])


def _filter_sql(filters: Filters) -> tuple[str, list[object]]:
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


def _joined(title_tokens: str | None, tokens: str) -> list[str]:
    """A passage as the index sees it: its article's title tokens, then its own."""
    return (title_tokens or "").split() + tokens.split()


def _token_count(tokens: str | None) -> int:
    return tokens.count(" ") + 1 if tokens else 0


def _chunks(items: list, size: int = _CHUNK) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _marks(items: list) -> str:
    return ",".join("?" * len(items))

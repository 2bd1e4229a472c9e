"""The only module that touches SQLite: schema, ingest, lookups and the FTS5 index."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Iterable

import sqlite_utils

from .errors import ArchiveError, UnknownArticle, UnknownIssue
from .models import ArchiveStats, Filters, Footer, IssueRef, StoredArticle, StoredIssue

# Weights of the FTS columns (title_tokens, tokens) in bm25().
TITLE_WEIGHT = 1.0
BODY_WEIGHT = 1.0
FTS_TOKENIZER = "unicode61 remove_diacritics 0"


class IngestStatus(Enum):
    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PassageRecord:
    """A passage ready to store: text for people, tokens for the index."""

    text: str
    tokens: str


@dataclass(frozen=True)
class ArticleRecord:
    title: str
    source: str | None
    text: str
    title_tokens: str
    passages: tuple[PassageRecord, ...]


@dataclass(frozen=True)
class Candidate:
    """A passage the index matched, with what ranking and excerpts need."""

    passage_id: int
    article_id: int
    issue_total: int
    text: str
    title_tokens: frozenset[str]
    tokens: frozenset[str]
    """Title and passage tokens together."""
    score: float


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

    # --- schema -----------------------------------------------------------

    def _ensure_schema(self) -> None:
        # Saved questions came after the archive tables, so older files gain the table on open.
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS saved_questions"
            " (key TEXT PRIMARY KEY, question TEXT NOT NULL, saved_at REAL NOT NULL)"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS idx_saved_questions_saved_at ON saved_questions(saved_at)")
        if self.db["issues"].exists():
            return
        with self.db.atomic():
            self.db["issues"].create(
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
                    "ingested_at": str,
                },
                pk="total",
                not_null={"number", "year", "month", "date", "issuer", "content_hash"},
            )
            self.db["articles"].create(
                {"id": int, "issue_total": int, "position": int, "title": str, "source": str, "text": str},
                pk="id",
                foreign_keys=[("issue_total", "issues", "total")],
                not_null={"issue_total", "position", "title", "text"},
            )
            self.db["passages"].create(
                {
                    "id": int,
                    "article_id": int,
                    "issue_total": int,
                    "position": int,
                    "text": str,
                    "title_tokens": str,
                    "tokens": str,
                },
                pk="id",
                foreign_keys=[("article_id", "articles", "id"), ("issue_total", "issues", "total")],
                not_null={"article_id", "issue_total", "position", "text", "tokens"},
            )
            self.db["issues"].create_index(["date"])
            self.db["issues"].create_index(["year", "number"])
            self.db["articles"].create_index(["issue_total", "position"], unique=True)
            self.db["passages"].create_index(["article_id"])
            self.db["passages"].create_index(["issue_total"])
            self.db["passages"].enable_fts(["title_tokens", "tokens"], create_triggers=True, tokenize=FTS_TOKENIZER)
            self.db.execute(
                "INSERT INTO passages_fts(passages_fts, rank) VALUES ('rank', ?)",
                [f"bm25({TITLE_WEIGHT}, {BODY_WEIGHT})"],
            )
            self.db.execute("CREATE VIRTUAL TABLE passages_fts_vocab USING fts5vocab(passages_fts, row)")
            self.db["passages"].enable_counts()

    # --- writing ----------------------------------------------------------

    def content_hash(self, total: int) -> str | None:
        row = self.db.execute("SELECT content_hash FROM issues WHERE total = ?", [total]).fetchone()
        return row[0] if row else None

    def save_issue(
        self,
        ref: IssueRef,
        footer: Footer,
        articles: Iterable[ArticleRecord],
        content_hash: str,
        source_file: str,
    ) -> IngestStatus:
        """Store one issue in one transaction; same hash is a no-op, a new hash replaces the old version."""
        old_hash = self.content_hash(ref.total)
        if old_hash == content_hash:
            return IngestStatus.UNCHANGED
        with self.db.atomic():
            if old_hash is not None:
                self._delete_issue(ref.total)
            self.db["issues"].insert(
                {
                    "total": ref.total,
                    "number": ref.number,
                    "year": ref.year,
                    "month": ref.date.month,
                    "date": ref.date.isoformat(),
                    "issuer": ref.issuer,
                    "footer": json.dumps(vars(footer), ensure_ascii=False),
                    "content_hash": content_hash,
                    "source_file": source_file,
                    "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                }
            )
            for position, article in enumerate(articles):
                article_id = self.db["articles"].insert(
                    {
                        "issue_total": ref.total,
                        "position": position,
                        "title": article.title,
                        "source": article.source,
                        "text": article.text,
                    }
                ).last_pk
                self.db["passages"].insert_all(
                    {
                        "article_id": article_id,
                        "issue_total": ref.total,
                        "position": index,
                        "text": passage.text,
                        "title_tokens": article.title_tokens,
                        "tokens": passage.tokens,
                    }
                    for index, passage in enumerate(article.passages)
                )
        return IngestStatus.ADDED if old_hash is None else IngestStatus.REPLACED

    def _delete_issue(self, total: int) -> None:
        self.db.execute("DELETE FROM passages WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM articles WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM issues WHERE total = ?", [total])

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
            StoredArticle(id=r[0], position=r[1], title=r[2], source=r[3], text=r[4])
            for r in self.db.execute(
                "SELECT id, position, title, source, text FROM articles WHERE issue_total = ? ORDER BY position",
                [total],
            )
        )
        return StoredIssue(ref=_ref(row), articles=articles, footer=Footer(**json.loads(row[5] or "{}")))

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
        rows = self.db.execute(
            f"SELECT total, number, year, date, issuer FROM issues WHERE total IN ({marks})", totals
        )
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
            "SELECT a.id, a.position, a.title, a.source, a.text, i.total, i.number, i.year, i.date, i.issuer"
            " FROM articles a JOIN issues i ON i.total = a.issue_total WHERE a.id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            raise UnknownArticle("这篇文章已不在档案中（所在的一期可能已更新），请重新查询。")
        return StoredArticle(*row[:5]), _ref(row[5:])

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

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        terms = list(set(terms))
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        rows = self.db.execute(f"SELECT term, doc FROM passages_fts_vocab WHERE term IN ({marks})", terms)
        return {term: doc for term, doc in rows}

    def search(self, terms: Iterable[str], filters: Filters, limit: int) -> list[Candidate]:
        """Passages matching any term, best BM25 first. Terms are quoted, so no FTS5 syntax gets through."""
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in dict.fromkeys(terms))
        if not match:
            return []
        sql = "SELECT rowid, -rank FROM passages_fts WHERE passages_fts MATCH ?"
        params: list[object] = [match]
        if filters.active:
            where, filter_params = _filter_sql(filters)
            sql += (
                " AND rowid IN (SELECT p.id FROM passages p JOIN issues i ON i.total = p.issue_total"
                f" WHERE {where})"
            )
            params += filter_params
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        ranked = self.db.execute(sql, params).fetchall()
        if not ranked:
            return []
        scores = dict(ranked)
        marks = ",".join("?" * len(scores))
        rows = self.db.execute(
            f"SELECT id, article_id, issue_total, text, title_tokens, tokens FROM passages WHERE id IN ({marks})",
            list(scores),
        )
        by_id = {}
        for passage_id, article_id, issue_total, text, title_tokens, tokens in rows:
            title = frozenset(title_tokens.split())
            by_id[passage_id] = Candidate(
                passage_id=passage_id,
                article_id=article_id,
                issue_total=issue_total,
                text=text,
                title_tokens=title,
                tokens=title | frozenset(tokens.split()),
                score=scores[passage_id],
            )
        return [by_id[pid] for pid, _ in ranked if pid in by_id]


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

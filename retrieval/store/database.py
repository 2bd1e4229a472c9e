"""The archive file: storing issues with their source files and index entries, and rebuilding
the index.

Opening the file is in connection.py, the tables and migrations in schema.py, what is stored in
records.py, reads in lookups.py, the term index in index/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import cast

import numpy as np

from ..errors import DatabaseDamaged
from ..index.params import TITLE_WEIGHT
from ..index.term_index import PassageTerms, TermIndex
from ..models import Footer, IngestStatus, IssueRef, format_rank
from ..sql_chunks import in_chunks
from .article_map import ArticleFacts, article_facts, passage_articles
from .connection import open_database
from .lookups import Lookups, breaks_of, breaks_text
from .records import Analyzer, ArticleRecord, FileRecord, HeldPassage, IssueRecord, PassageRecord, Rechunker, SaveResult

# Passages re-analysed at a time when the index is rebuilt.
_REINDEX_BATCH = 2000


class Store(Lookups):
    """An archive database file. Opened for writing, it creates the schema or migrates an older
    file; opened read-only (the serving paths), it never writes and needs a current file. A file
    from a newer version is refused either way."""

    def __init__(self, path: Path | str, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.db = open_database(path, readonly)
        self.index = TermIndex(self.db.conn)
        self._maps: dict[str, tuple[tuple[int, int], object]] = {}

    def article_of_passages(self) -> np.ndarray:
        """passage id -> its article's id (article_map.py)."""
        return cast(np.ndarray, self._kept("articles", passage_articles))

    def article_facts(self) -> ArticleFacts:
        """article id -> its year and office (article_map.py)."""
        return cast(ArticleFacts, self._kept("facts", article_facts))

    def _kept(self, name: str, load: Callable[[sqlite3.Connection], object]) -> object:
        """What load reads, kept between questions and read again after a write, through another
        connection (data_version) or this one (whose own writes data_version does not count,
        total_changes does)."""
        version = (self.db.execute("PRAGMA data_version").fetchone()[0], self.db.conn.total_changes)
        held = self._maps.get(name)
        if held is None or held[0] != version:
            held = self._maps[name] = (version, load(self.db.conn))
        return held[1]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query of a question sees the same committed archive,
        whatever an ingest in another process commits meanwhile (WAL readers never wait for it)."""
        if self.db.conn.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.conn.commit()

    def backup(self, target: Path) -> None:
        """A consistent copy of the archive, taken while others read and write it (SQLite's
        online backup, in one step, so one snapshot). Written beside the target and renamed over
        it: a failed backup leaves no half-written file."""
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        try:
            with closing(sqlite3.connect(partial)) as copy:
                self.db.conn.backup(copy)
                if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise DatabaseDamaged(f"备份 {target} 校验未通过，已放弃；档案本身未受影响，请重试。")
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def close(self) -> None:
        self.db.close()

    # --- the index's fingerprint -------------------------------------------

    def fingerprint(self) -> str | None:
        """What the stored index was built with (see fingerprint.py); None for an index never built."""
        row = self.db.execute("SELECT value FROM index_meta WHERE key = 'fingerprint'").fetchone()
        return row[0] if row else None

    def _set_fingerprint(self, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO index_meta VALUES ('fingerprint', ?)", [value])

    def reindex(
        self,
        analyze: Analyzer,
        rechunk: Rechunker,
        fingerprint: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Cut every article into passages again from its stored text (`rechunk`, given the passages
        it has, whose pages it keeps) and rebuild the index from them, in one transaction: an
        archive stored by an older version gets the passages and index a fresh ingest would give.
        progress(articles done, articles); returns the passages indexed."""
        total = self.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        done = passages = 0
        with self._writing():
            self.index.clear()
            last = 0
            while articles := self.db.execute(
                "SELECT id, issue_total, title, text FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                [last, _REINDEX_BATCH],
            ).fetchall():
                ids = [row[0] for row in articles]
                held: dict[int, list[HeldPassage]] = {i: [] for i in ids}
                for chunk, marks in in_chunks(ids):
                    for article_id, text, page, breaks in self.db.execute(
                        f"SELECT article_id, text, page, page_breaks FROM passages WHERE article_id IN ({marks})"
                        " ORDER BY article_id, position",
                        chunk,
                    ):
                        held[article_id].append((text, page, breaks_of(breaks)))
                    self.db.execute(f"DELETE FROM passages WHERE article_id IN ({marks})", chunk)
                added: list[PassageTerms] = []
                for article_id, total_number, title, text in articles:
                    cut = rechunk(text, held[article_id])
                    added += self._insert_passages(article_id, total_number, analyze(title), cut)
                self.index.add(added)
                last = ids[-1]
                done += len(articles)
                passages += len(added)
                if progress:
                    progress(done, total)
            self._set_fingerprint(fingerprint)
        return passages

    # --- writing ----------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction. On rollback the term index forgets what it read inside it:
        lengths read mid-write (a replaced issue's passages gone, new ones in) would otherwise
        outlive the rollback, since this connection sees no data_version change for its own
        transaction."""
        try:
            with self.db.atomic():
                yield
        except BaseException:
            self.index.forget()
            self._maps.clear()  # a rollback's changes still count in total_changes
            raise

    def save_issue(
        self,
        ref: IssueRef,
        footer: Footer,
        articles: Iterable[ArticleRecord],
        content_hash: str,
        source_file: str,
        analyze: Analyzer,
        fingerprint: str,
    ) -> IngestStatus:
        """Store one issue in one transaction; same hash is a no-op, a new hash replaces the old version."""
        record = IssueRecord(ref, footer, tuple(articles), content_hash, source_file)
        return self.save_issues([record], analyze, fingerprint)[0].status

    def save_issues(self, issues: list[IssueRecord], analyze: Analyzer, fingerprint: str) -> list[SaveResult]:
        """Store issues in one transaction, the term index and source files with them: all are
        stored, or none.

        An issue whose hash is already held is a no-op. A new version replaces the old one unless
        the old one came from a richer format (a PDF is kept over a later text export). The
        replaced passages leave the index by their stored text, analysed again (`analyze`, the
        same analysis the index was built with: `fingerprint` says which).
        """
        held_fingerprint = self.fingerprint()
        if held_fingerprint is not None and held_fingerprint != fingerprint:
            raise ValueError("the index was built with another analysis: reindex first")
        results: list[SaveResult] = []
        added: list[PassageTerms] = []
        removed: list[PassageTerms] = []
        added_here: dict[int, list[PassageTerms]] = {}
        with self._writing():
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
                    if issue.ref.total in added_here:
                        # Stored earlier in this call: its passages never reached the index.
                        gone = {pid for pid, _, _ in added_here.pop(issue.ref.total)}
                        added = [p for p in added if p[0] not in gone]
                    else:
                        removed += self._stored_terms(issue.ref.total, analyze)
                    self._delete_issue(issue.ref.total)
                self._save_file(issue.file)
                added_here[issue.ref.total] = self._insert_issue(issue)
                added += added_here[issue.ref.total]
                if held is not None and held[2] and held[2] != (issue.file.meta.sha256 if issue.file else None):
                    self._drop_unused_blob(held[2])
                if held is None:
                    # What the bot announces: an issue number stored for the first time, in the
                    # same transaction as the issue, so no reader sees one without the other.
                    self.db.execute("INSERT INTO issue_log (total, logged_at) VALUES (?, ?)", [issue.ref.total, _now()])
                results.append(
                    SaveResult(IngestStatus.ADDED) if held is None else SaveResult(IngestStatus.REPLACED, held[1])
                )
            self.index.remove(removed)
            self.index.add(added)
            if held_fingerprint is None:
                self._set_fingerprint(fingerprint)
        return results

    def _stored_terms(self, total: int, analyze: Analyzer) -> list[PassageTerms]:
        rows = self.db.execute(
            "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.issue_total = ?",
            [total],
        ).fetchall()
        return _analysed(rows, analyze)

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

    def _insert_issue(self, issue: IssueRecord) -> list[PassageTerms]:
        ref = issue.ref
        self.db.table("issues").insert(
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
        added: list[PassageTerms] = []
        for position, article in enumerate(issue.articles):
            # The id of the row just inserted: articles.id is its INTEGER PRIMARY KEY.
            article_id = cast(
                int,
                self.db.table("articles")
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
                .last_pk,
            )
            added += self._insert_passages(article_id, ref.total, list(article.title_grams), article.passages)
        return added

    def _insert_passages(
        self, article_id: int, total: int, title_grams: list[str], passages: Iterable[PassageRecord]
    ) -> list[PassageTerms]:
        """An article's passages, in order, with their lengths; what the index must add."""
        added: list[PassageTerms] = []
        for position, passage in enumerate(passages):
            _, counts, length = _passage_terms(0, title_grams, list(passage.grams))
            # An INSERT's cursor holds the new row's id.
            passage_id = cast(
                int,
                self.db.execute(
                    "INSERT INTO passages (article_id, issue_total, position, text, page, page_breaks, char_len)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        article_id,
                        total,
                        position,
                        passage.text,
                        passage.page,
                        breaks_text(passage.page_breaks),
                        length,
                    ],
                ).lastrowid,
            )
            added.append((passage_id, counts, length))
        return added

    def _delete_issue(self, total: int) -> None:
        self.db.execute("DELETE FROM passages WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM articles WHERE issue_total = ?", [total])
        self.db.execute("DELETE FROM issues WHERE total = ?", [total])


def _analysed(rows: list[tuple[int, str, str]], analyze: Analyzer) -> list[PassageTerms]:
    """Stored (passage id, article title, passage text) rows as the index sees them; a title is
    analysed once for all its article's passages."""
    titles: dict[str, list[str]] = {}
    analysed = []
    for passage_id, title, text in rows:
        if title not in titles:
            titles[title] = analyze(title)
        analysed.append(_passage_terms(passage_id, titles[title], analyze(text)))
    return analysed


def _passage_terms(passage_id: int, title: list[str], body: list[str]) -> PassageTerms:
    """A passage as the index sees it: its article's title (TITLE_WEIGHT times over), then its own
    text."""
    grams = title * TITLE_WEIGHT + body
    return passage_id, Counter(grams), len(grams)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

"""The archive's public API: one object that ingests, answers and looks up issues.

A front end imports this module and retrieval.models only; what else it needs of the archive
(the errors it raises, format names, the upload size limit, the sentence splitter) is re-exported
here, so the modules behind it can change freely.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .answering import answer as answering
from .answering import trend as trending
from .answering.answer import MAX_QUESTION_CHARS
from .answering.related import related as related_articles
from .errors import (
    ArchiveError,
    DatabaseBusy,
    DatabaseReadOnly,
    DatabaseUnusable,
    MissingSourceFile,
    StaleIndex,
    UnknownArticle,
    UnknownIssue,
    database_error,
)
from .index.fingerprint import changed_parts, fingerprint
from .ingest.decode import MAX_BYTES as MAX_FILE_BYTES
from .ingest.folders import bulletin_files
from .ingest.pipeline import PageProgress, ingest_bytes, ingest_paths
from .ingest.prepare import rechunk
from .ingest.readers import Progress, format_label
from .ingest.worker_lifetime import context as worker_context
from .ingest.worker_lifetime import die_with_parent
from .models import (
    Answer,
    ArchiveStats,
    Hit,
    IngestReport,
    IssueRef,
    SourceFile,
    StoredArticle,
    StoredIssue,
    Trend,
)
from .store.connection import schema_version_of
from .store.database import Store
from .store.saved_questions import SavedQuestions
from .store.schema import SCHEMA_VERSION
from .text import split_sentences
from .tokenize import Tokenizer

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_QUESTION_CHARS",
    "Archive",
    "ArchiveError",
    "DatabaseBusy",
    "DatabaseUnusable",
    "MissingSourceFile",
    "StaleIndex",
    "UnknownArticle",
    "UnknownIssue",
    "bulletin_files",
    "database_error",
    "die_with_parent",
    "format_label",
    "needs_migration",
    "split_sentences",
    "worker_context",
]

# How long a question stays behind its "more results" button.
QUESTION_KEEP_SECONDS = 7 * 24 * 3600
logger = logging.getLogger(__name__)
# Tokenizers built from data files in this process, kept for the next archive opened with them.
_tokenizers: dict[tuple[Path, Path], Tokenizer] = {}


def needs_migration(db_path: Path) -> bool:
    """An archive file from an older release: opening it writable migrates it."""
    return db_path.exists() and schema_version_of(db_path) < SCHEMA_VERSION


def state_path_of(db_path: Path | str) -> Path | str:
    """Where the bot's own small state (the questions behind "more" buttons) is kept: beside
    the archive, archive.db -> archive.state.db."""
    if str(db_path) == ":memory:":
        return ":memory:"
    path = Path(db_path)
    return path.with_name(f"{path.stem}.state{path.suffix or '.db'}")


class Archive:
    """An archive database plus the tokenizer that indexes and queries it.

    Opening it compares the index's recorded fingerprint with the one the current dictionaries
    give: when they differ, `stale` says what changed, questions and ingests raise StaleIndex,
    and `reindex()` rebuilds the index from the stored text.
    """

    def __init__(
        self,
        db_path: Path | str,
        tokenizer: Tokenizer | None = None,
        readonly: bool = False,
        state_path: Path | str | None = None,
    ):
        self.store = Store(db_path, readonly=readonly)
        self.readonly = readonly
        try:
            self.tokenizer = tokenizer or Tokenizer()
            self.fingerprint = fingerprint()
            with self._database():
                held = self.store.fingerprint()
                stale = self.store.passage_count() > 0 and held != self.fingerprint
        except BaseException:
            self.store.close()
            raise
        self.stale: list[str] | None = (
            (changed_parts(held, self.fingerprint) if held else ["索引格式"]) if stale else None
        )
        """What changed since the index was built (Chinese names), or None when it is current."""
        self.state_path = state_path if state_path is not None else state_path_of(db_path)
        self._saved: SavedQuestions | None = None

    @classmethod
    def with_tokenizer_files(cls, db_path: Path | str, tokenizer_files: tuple[Path, Path]) -> Archive:
        """An archive whose tokenizer is built from these data files (another archive's
        `tokenizer.files`), as in a worker process. The tokenizer is kept for the next archive
        opened with the same files: jieba's dictionary takes a second to load."""
        tokenizer = _tokenizers.get(tokenizer_files)
        if tokenizer is None:
            tokenizer = _tokenizers[tokenizer_files] = Tokenizer(*tokenizer_files)
        return cls(db_path, tokenizer)

    def check_index(self) -> None:
        """Raises StaleIndex, naming what changed and the command that rebuilds the index."""
        if self.stale:
            raise StaleIndex(
                f"档案 {self.store.path} 的索引是用旧的{'、'.join(self.stale)}建立的，"
                "请先运行 python run_bot.py reindex 重建索引。"
            )

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Cut the stored articles into passages again and rebuild the index from them, as a fresh
        ingest would (pages kept), without the original files; progress(articles done, articles).
        Returns the passages indexed."""
        self._refuse_writes()
        with self._database():
            done = self.store.reindex(
                self.tokenizer.passage_grams,
                lambda text, held: rechunk(text, held, self.tokenizer),
                self.fingerprint,
                progress,
            )
        self.stale = None
        return done

    def close(self) -> None:
        if self._saved is not None:
            self._saved.close()
        self.store.close()

    @contextmanager
    def _database(self) -> Iterator[None]:
        """SQLite's errors as one line each (busy, full, read-only, damaged), never a traceback."""
        try:
            yield
        except sqlite3.Error as exc:
            raise database_error(exc, self.store.path) from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._database(), self.store.snapshot():
            yield

    def _refuse_writes(self) -> None:
        if self.readonly:
            raise DatabaseReadOnly(
                f"档案数据库 {self.store.path} 以只读方式打开，不能导入；请用 python run_bot.py ingest 导入。"
            )

    def backup(self, target: Path) -> None:
        """A consistent copy of the archive at target, taken while it is read and written."""
        with self._database():
            self.store.backup(target)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(
        self,
        question: str,
        limit: int = 3,
        offset: int = 0,
        year: int | None = None,
        source: str | None = None,
        facets: bool = False,
    ) -> Answer:
        """Hits for a question; `year` and `source` narrow it as a reader does from its facets, and
        `facets` adds how the whole list spreads over years and offices."""
        self.check_index()
        with self._reading():
            return answering.answer(
                self.store,
                self.tokenizer,
                question,
                limit=limit,
                offset=offset,
                year=year,
                source=source,
                facets=facets,
            )

    def rank(self, question: str, limit: int = 10) -> answering.Ranking:
        """Article ids best first and the first one's excerpt, the whole archive, no filters: the
        ranking alone, for measuring."""
        self.check_index()
        with self._reading():
            return answering.rank(self.store, self.tokenizer, question, limit)

    def trend(self, topic: str) -> Trend:
        """For every year held, in order, the articles that answer the topic (the confident tier
        of the ranking, each article once) and their issues' totals."""
        self.check_index()
        with self._reading():
            return trending.trend(self.store, self.tokenizer, topic)

    def issue(self, total: int) -> StoredIssue:
        """Raises UnknownIssue, naming the nearest issues held."""
        with self._reading():
            return self.store.issue(total)

    def issue_by_year_number(self, year: int, number: int) -> StoredIssue:
        """Raises UnknownIssue, naming the issues nearest to that year and number."""
        with self._reading():
            total = self.store.issue_by_year_number(year, number)
            if total is None:
                raise UnknownIssue(
                    f"档案中没有{year}年第{number}期。", nearest=self.store.nearest_by_year_number(year, number)
                )
            return self.store.issue(total)

    def neighbours(self, total: int) -> tuple[int | None, int | None]:
        """The 总期号 held just before and just after total (None at either end), for paging
        through issues."""
        with self._reading():
            return self.store.neighbours(total)

    def article(self, article_id: int) -> tuple[StoredArticle, IssueRef]:
        """Raises UnknownArticle when the id is no longer held."""
        with self._reading():
            return self.store.article(article_id)

    def related(self, article_id: int, limit: int = 5) -> tuple[Hit, ...]:
        """Up to `limit` articles of other issues on the same theme, best first, with excerpts and
        citations as hits; raises UnknownArticle when the id is no longer held."""
        self.check_index()
        with self._reading():
            return related_articles(self.store, self.tokenizer, article_id, limit)

    def save_question(self, question: str, owner: int | None = None) -> str | None:
        """Keep a question server-side for its owner (the chat it was answered in); the short key
        returned fits in a button's callback data. None when it could not be kept (the state file
        is unusable): the answer then goes out without a "more" button."""
        key = secrets.token_urlsafe(9)
        try:
            self._saved_questions().save(key, question, owner, now=time.time(), keep_seconds=QUESTION_KEEP_SECONDS)
        except ArchiveError as exc:
            logger.warning("question not saved for paging: %s", exc)
            return None
        return key

    def saved_question(self, key: str, owner: int | None = None) -> str | None:
        """The question its owner saved under key, or None once it has expired or was lost."""
        try:
            return self._saved_questions().get(key, owner, now=time.time(), keep_seconds=QUESTION_KEEP_SECONDS)
        except ArchiveError as exc:
            logger.warning("saved question not read: %s", exc)
            return None

    def _saved_questions(self) -> SavedQuestions:
        if self._saved is None:
            self._saved = SavedQuestions(self.state_path)
        return self._saved

    def years(self) -> list[tuple[int, int]]:
        """(year, issues held), by year."""
        with self._reading():
            return self.store.years()

    def issues_in_year(self, year: int, offset: int = 0, limit: int = 10) -> tuple[list[StoredIssue], int]:
        """A page of a year's issues by 期号, and how many the year holds."""
        with self._reading():
            totals, count = self.store.totals_in_year(year, offset, limit)
            return [self.store.issue(t) for t in totals], count

    def issue_log_position(self) -> int:
        """Where the log of new issues stands (0 before the first): cheap, for watching it."""
        with self._reading():
            return self.store.issue_log_position()

    def new_issues_since(self, position: int, limit: int = 100) -> list[tuple[int, StoredIssue]]:
        """Issues first stored after position, oldest first, each with its position in the log
        (replaced or unchanged issues are never new; one removed since is skipped)."""
        with self._reading():
            found = []
            for logged, total in self.store.logged_since(position, limit):
                try:
                    found.append((logged, self.store.issue(total)))
                except UnknownIssue:
                    continue
            return found

    def topic_hit(self, topic: str, total: int) -> Hit | None:
        """The best hit in issue `total` for a followed topic, with the same ranking and no-answer
        threshold as a question; None when the issue does not answer it."""
        self.check_index()
        with self._reading():
            return answering.topic_hit(self.store, self.tokenizer, topic, total)

    def latest(self) -> StoredIssue | None:
        with self._reading():
            total = self.store.latest_total()
            return None if total is None else self.store.issue(total)

    def stats(self) -> ArchiveStats:
        with self._reading():
            return self.store.stats()

    def is_empty(self) -> bool:
        with self._reading():
            return self.store.latest_total() is None

    def ingest(self, paths: Iterable[Path], on_page: PageProgress | None = None) -> Iterator[IngestReport]:
        """Ingest files and folders of bulletins; on_page(name, done, total, ocr) follows a file's pages."""
        self._refuse_writes()
        self.check_index()
        with self._database():
            yield from ingest_paths(self.store, self.tokenizer, self.fingerprint, paths, on_page)

    def ingest_bytes(self, data: bytes, name: str, progress: Progress | None = None) -> IngestReport:
        """Ingest one file's bytes; progress(done, total, ocr) follows its pages (OCR above all)."""
        self._refuse_writes()
        self.check_index()
        with self._database():
            return ingest_bytes(self.store, self.tokenizer, self.fingerprint, data, name, progress)

    def source_file(self, total: int) -> tuple[SourceFile, bytes]:
        """The original file an issue was read from. Raises UnknownIssue when the issue is not
        held, MissingSourceFile when it was stored without its file."""
        with self._reading():
            file = self.store.issue_file(total)
            if file is None:
                self.store.issue(total)  # raises UnknownIssue, naming the nearest issues
                raise MissingSourceFile(f"总第{total}期导入时没有保存原文件；请重新导入该期的 PDF 或 Word 文件。")
            data = self.store.file_bytes(file.sha256)
        if data is None:
            raise MissingSourceFile(f"总第{total}期的原文件已不在档案中；请重新导入。")
        return file, data

    def source_piece(self, sha256: str, offset: int, size: int) -> bytes | None:
        """Part of a stored original file, for sending it in pieces without holding it whole: `size`
        bytes from `offset` (fewer at its end), or None once the file is no longer held. A file is
        named by its content, so the pieces read under one sha256 always belong together."""
        with self._reading():
            return self.store.file_piece(sha256, offset, size)

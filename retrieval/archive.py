"""The archive's public API: one object that ingests, answers and looks up issues.

A front end imports this module and retrieval.models only; what else it needs of the archive
(the errors it raises, format names, the upload size limit, the sentence splitter) is re-exported
here, so the modules behind it can change freely.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import answer as answering
from .decode import MAX_BYTES as MAX_FILE_BYTES
from .errors import ArchiveError, MissingSourceFile, StaleIndex, UnknownArticle, UnknownIssue
from .fingerprint import changed_parts, fingerprint
from .ingest import PageProgress, ingest_bytes, ingest_paths
from .models import Answer, ArchiveStats, IngestReport, IssueRef, SourceFile, StoredArticle, StoredIssue
from .readers import Progress, format_label
from .store import Store
from .synonyms import Synonyms
from .text import split_sentences
from .tokenize import Tokenizer

__all__ = [
    "MAX_FILE_BYTES",
    "Archive",
    "ArchiveError",
    "MissingSourceFile",
    "StaleIndex",
    "UnknownArticle",
    "UnknownIssue",
    "format_label",
    "split_sentences",
]

# How long a question stays behind its "more results" button.
QUESTION_KEEP_SECONDS = 7 * 24 * 3600
# Tokenizers built from data files in this process, kept for the next archive opened with them.
_tokenizers: dict[tuple[Path, Path], Tokenizer] = {}


class Archive:
    """An archive database plus the tokenizer and synonyms that index and query it.

    Opening it compares the index's recorded fingerprint with the one the current dictionaries
    give: when they differ, `stale` says what changed, questions and ingests raise StaleIndex,
    and `reindex()` rebuilds the index from the stored text.
    """

    def __init__(self, db_path: Path | str, tokenizer: Tokenizer | None = None, synonyms: Synonyms | None = None):
        self.store = Store(db_path)
        self.tokenizer = tokenizer or Tokenizer()
        self.synonyms = synonyms or Synonyms.load(normalize=self.tokenizer.normalize)
        self.fingerprint = fingerprint(self.tokenizer, self.synonyms)
        held = self.store.fingerprint()
        stale = self.store.passage_count() > 0 and held != self.fingerprint
        self.stale: list[str] | None = (changed_parts(held, self.fingerprint) if held else ["索引格式"]) if stale else None
        """What changed since the index was built (Chinese names), or None when it is current."""

    @classmethod
    def with_tokenizer_files(cls, db_path: Path | str, tokenizer_files: tuple[Path, Path]) -> "Archive":
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
        """Rebuild every passage's index entries from the stored text; returns the passages indexed."""
        done = self.store.reindex(self.tokenizer.passage_terms, self.fingerprint, progress)
        self.stale = None
        return done

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self, question: str, limit: int = 3, offset: int = 0) -> Answer:
        self.check_index()
        return answering.answer(self.store, self.tokenizer, self.synonyms, question, limit=limit, offset=offset)

    def rank(self, question: str, limit: int = 10) -> list[int]:
        """Article ids best first, the whole archive, no filters: the ranking alone, for measuring."""
        self.check_index()
        return answering.rank(self.store, self.tokenizer, self.synonyms, question, limit)

    def issue(self, total: int) -> StoredIssue:
        """Raises UnknownIssue, naming the nearest issues held."""
        return self.store.issue(total)

    def issue_by_year_number(self, year: int, number: int) -> StoredIssue:
        """Raises UnknownIssue, naming the issues nearest to that year and number."""
        total = self.store.issue_by_year_number(year, number)
        if total is None:
            raise UnknownIssue(
                f"档案中没有{year}年第{number}期。", nearest=self.store.nearest_by_year_number(year, number)
            )
        return self.store.issue(total)

    def article(self, article_id: int) -> tuple[StoredArticle, IssueRef]:
        """Raises UnknownArticle when the id is no longer held."""
        return self.store.article(article_id)

    def save_question(self, question: str) -> str:
        """Keep a question server-side; the short key returned fits in a button's callback data."""
        key = secrets.token_urlsafe(9)
        self.store.saved_questions.save(key, question, now=time.time(), keep_seconds=QUESTION_KEEP_SECONDS)
        return key

    def saved_question(self, key: str) -> str | None:
        """The question saved under key, or None once it has expired."""
        return self.store.saved_questions.get(key, now=time.time(), keep_seconds=QUESTION_KEEP_SECONDS)

    def latest(self) -> StoredIssue | None:
        total = self.store.latest_total()
        return None if total is None else self.store.issue(total)

    def stats(self) -> ArchiveStats:
        return self.store.stats()

    def is_empty(self) -> bool:
        return self.store.latest_total() is None

    def ingest(self, paths: Iterable[Path], on_page: PageProgress | None = None) -> Iterator[IngestReport]:
        """Ingest files and folders of bulletins; on_page(name, done, total, ocr) follows a file's pages."""
        self.check_index()
        return ingest_paths(self.store, self.tokenizer, self.fingerprint, paths, on_page)

    def ingest_bytes(self, data: bytes, name: str, progress: Progress | None = None) -> IngestReport:
        """Ingest one file's bytes; progress(done, total, ocr) follows its pages (OCR above all)."""
        self.check_index()
        return ingest_bytes(self.store, self.tokenizer, self.fingerprint, data, name, progress)

    def source_file(self, total: int) -> tuple[SourceFile, bytes]:
        """The original file an issue was read from. Raises UnknownIssue when the issue is not
        held, MissingSourceFile when it was stored without its file."""
        file = self.store.issue_file(total)
        if file is None:
            self.store.issue(total)  # raises UnknownIssue, naming the nearest issues
            raise MissingSourceFile(f"总第{total}期导入时没有保存原文件；请重新导入该期的 PDF 或 Word 文件。")
        data = self.store.file_bytes(file.sha256)
        if data is None:
            raise MissingSourceFile(f"总第{total}期的原文件已不在档案中；请重新导入。")
        return file, data

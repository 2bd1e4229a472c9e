"""Files -> stored issues: read, decode, parse, chunk, tokenize, save. One report per file."""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .chunk import chunk_paragraphs
from .decode import decode_bulletin, ensure_size
from .errors import ArchiveError
from .models import Issue, IssueRef
from .parse import parse_bulletin
from .store import ArticleRecord, IngestStatus, IssueRecord, PassageRecord, Store
from .tokenize import Tokenizer

# Bump when parsing, chunking or tokenizing changes, so re-ingesting rebuilds stored issues.
PIPELINE_VERSION = 2
BULLETIN_SUFFIXES = (".txt",)
# Issues stored per transaction: the term index is updated once per batch.
BATCH_ISSUES = 500
# From this many files, parsing and tokenizing run in worker processes.
PARALLEL_FROM = 64
PREPARED_AHEAD = 2 * BATCH_ISSUES


@dataclass(frozen=True)
class IngestReport:
    """What happened to one file: a status and counts, or the reason it was refused."""

    name: str
    status: IngestStatus | None = None
    ref: IssueRef | None = None
    articles: int = 0
    passages: int = 0
    chars: int = 0
    """Characters of the bulletin's text."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def issue_hash(issue: Issue) -> str:
    payload = json.dumps([PIPELINE_VERSION, asdict(issue)], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def prepare_articles(issue: Issue, tokenizer: Tokenizer) -> list[ArticleRecord]:
    records = []
    for article in issue.articles:
        passages = tuple(
            PassageRecord(text=text, tokens=" ".join(tokenizer.tokens(text)))
            for text in chunk_paragraphs(article.paragraphs)
        )
        records.append(
            ArticleRecord(
                title=article.title,
                source=article.source,
                text=article.text,
                title_tokens=" ".join(tokenizer.tokens(article.title)),
                passages=passages,
            )
        )
    return records


@dataclass(frozen=True)
class Prepared:
    """A file parsed and tokenized, ready to store."""

    name: str
    record: IssueRecord
    passages: int
    chars: int


def prepare_bytes(tokenizer: Tokenizer, data: bytes, name: str) -> Prepared | IngestReport:
    """Decode, parse, chunk and tokenize one file: the CPU-bound part of ingest, no database."""
    try:
        text = decode_bulletin(data)
        issue = parse_bulletin(text)
        articles = tuple(prepare_articles(issue, tokenizer))
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    record = IssueRecord(issue.ref, issue.footer, articles, issue_hash(issue), name)
    return Prepared(name=name, record=record, passages=sum(len(a.passages) for a in articles), chars=len(text))


def prepare_file(tokenizer: Tokenizer, path: Path) -> Prepared | IngestReport:
    name = str(path)
    if not path.exists():
        return IngestReport(name=name, error="文件不存在，请检查路径。")
    try:
        ensure_size(path.stat().st_size)
        data = path.read_bytes()
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except OSError as exc:
        return IngestReport(name=name, error=f"无法读取文件（{exc.strerror}），请检查权限。")
    return prepare_bytes(tokenizer, data, name)


def ingest_bytes(store: Store, tokenizer: Tokenizer, data: bytes, name: str) -> IngestReport:
    """Ingest one file's content. Refusals come back as a report, never half-written."""
    prepared = prepare_bytes(tokenizer, data, name)
    if isinstance(prepared, IngestReport):
        return prepared
    return _stored([prepared], store.save_issues([prepared.record]))[0]


def bulletin_files(paths: Iterable[Path]) -> list[Path | IngestReport]:
    """The files to ingest, in a stable order: files as given, the .txt files under folders; a
    folder with none is a refusal."""
    found: list[Path | IngestReport] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in BULLETIN_SUFFIXES)
        found += files or [IngestReport(name=str(path), error="文件夹里没有 .txt 简报文件。")]
    return found


def ingest_paths(store: Store, tokenizer: Tokenizer, paths: Iterable[Path]) -> Iterator[IngestReport]:
    """Ingest files, and the bulletin files found under folders, one report per file in order.

    Files are stored in transactions of up to BATCH_ISSUES issues, so the term index is updated
    once per batch, not once per issue. A large run parses and tokenizes in worker processes
    while this one writes.
    """
    entries = bulletin_files(paths)
    files = [e for e in entries if isinstance(e, Path)]
    with _preparer(tokenizer, files) as prepared:
        batch: list[Prepared | IngestReport] = []
        totals: set[int] = set()
        for entry in entries:
            item = entry if isinstance(entry, IngestReport) else next(prepared)
            if isinstance(item, Prepared):
                # A second version of an issue waits for the first to be stored: it replaces it.
                if item.record.ref.total in totals or len(totals) >= BATCH_ISSUES:
                    yield from _store_batch(store, batch)
                    batch, totals = [], set()
                totals.add(item.record.ref.total)
            batch.append(item)
        yield from _store_batch(store, batch)


def _store_batch(store: Store, batch: list[Prepared | IngestReport]) -> list[IngestReport]:
    ready = [b for b in batch if isinstance(b, Prepared)]
    stored = iter(_stored(ready, store.save_issues([p.record for p in ready])))
    return [next(stored) if isinstance(b, Prepared) else b for b in batch]


def _stored(ready: list[Prepared], statuses: list[IngestStatus]) -> list[IngestReport]:
    return [
        IngestReport(
            name=p.name,
            status=status,
            ref=p.record.ref,
            articles=len(p.record.articles),
            passages=p.passages,
            chars=p.chars,
        )
        for p, status in zip(ready, statuses)
    ]


@contextmanager
def _preparer(tokenizer: Tokenizer, files: list[Path]) -> Iterator[Iterator[Prepared | IngestReport]]:
    """prepare_file over the files in order: here for a few, in worker processes (one per core)
    for many, at most PREPARED_AHEAD files ahead of the writer so memory stays bounded."""
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_FROM or workers < 2:
        yield (prepare_file(tokenizer, p) for p in files)
        return
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(tokenizer.files,)) as pool:
        yield _ahead(pool, files)


def _ahead(pool: ProcessPoolExecutor, files: list[Path]) -> Iterator[Prepared | IngestReport]:
    pending: deque[Future[Prepared | IngestReport]] = deque()
    for path in files:
        pending.append(pool.submit(_prepare_in_worker, path))
        if len(pending) > PREPARED_AHEAD:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_worker_tokenizer: Tokenizer | None = None


def _start_worker(files: tuple[Path, Path]) -> None:
    global _worker_tokenizer
    _worker_tokenizer = Tokenizer(*files)


def _prepare_in_worker(path: Path) -> Prepared | IngestReport:
    return prepare_file(_worker_tokenizer or Tokenizer(), path)

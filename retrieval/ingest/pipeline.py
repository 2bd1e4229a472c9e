"""Files -> stored issues: read (any format), parse, chunk, tokenize, save. One report per file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ..models import IngestReport
from ..store.database import Store
from ..store.records import FileRecord, SaveResult
from ..tokenize import Tokenizer
from .folders import bulletin_files
from .prepare import Known, Prepared, prepare_bytes, prepare_file
from .readers import Progress
from .worker_pool import prepared_in_workers

# Issues stored per transaction: the term index is updated once per batch, and each batch
# rewrites the rows of the terms it holds, so fewer, larger batches write less (2,500 synthetic
# issues: 46 s in batches of 500, 41 s in batches of 1,000 at 2.3 GB peak; docs/benchmarks.md).
BATCH_ISSUES = 1000
# ...and at most about this many bytes of source files, which are stored with them.
BATCH_BYTES = 256 * 1024 * 1024
# From this many files, parsing and tokenizing run in worker processes.
PARALLEL_FROM = 64
# Called as on_page(file name, pages done, pages in all, by OCR) while a file's pages are read.
PageProgress = Callable[[str, int, int, bool], None]


def ingest_bytes(
    store: Store,
    tokenizer: Tokenizer,
    fingerprint: str,
    data: bytes,
    name: str,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file's content. Refusals come back as a report, never half-written."""
    prepared = prepare_bytes(tokenizer, data, name, store.source_files(), progress)
    if isinstance(prepared, IngestReport):
        return prepared
    return _stored([prepared], store.save_issues([prepared.record], tokenizer.passage_grams, fingerprint))[0]


def ingest_paths(
    store: Store,
    tokenizer: Tokenizer,
    fingerprint: str,
    paths: Iterable[Path],
    on_page: PageProgress | None = None,
) -> Iterator[IngestReport]:
    """Ingest files, and the bulletin files found under folders, one report per file in order.

    Files are stored in transactions of up to BATCH_ISSUES issues (or BATCH_BYTES of source
    files), so the term index is updated once per batch, not once per issue. A large run parses
    and tokenizes in worker processes while this one writes.
    """
    entries = bulletin_files(paths)
    files = [e for e in entries if isinstance(e, Path)]
    with _preparer(tokenizer, files, store.source_files(), on_page) as prepared:
        batch: list[Prepared | IngestReport] = []
        totals: set[int] = set()
        size = 0
        for entry in entries:
            item = entry if isinstance(entry, IngestReport) else next(prepared)
            if isinstance(item, Prepared):
                # A second version of an issue waits for the first to be stored: it replaces it.
                if item.record.ref.total in totals or len(totals) >= BATCH_ISSUES or size >= BATCH_BYTES:
                    yield from _store_batch(store, tokenizer, fingerprint, batch)
                    batch, totals, size = [], set(), 0
                totals.add(item.record.ref.total)
                size += item.record.file.meta.size if item.record.file else 0
            batch.append(item)
        yield from _store_batch(store, tokenizer, fingerprint, batch)


def _store_batch(
    store: Store, tokenizer: Tokenizer, fingerprint: str, batch: list[Prepared | IngestReport]
) -> list[IngestReport]:
    ready = []
    for index, item in enumerate(batch):
        if isinstance(item, Prepared):
            loaded = _with_file_bytes(item)
            batch[index] = loaded
            if isinstance(loaded, Prepared):
                ready.append(loaded)
    stored = iter(_stored(ready, store.save_issues([p.record for p in ready], tokenizer.passage_grams, fingerprint)))
    return [next(stored) if isinstance(b, Prepared) else b for b in batch]


def _with_file_bytes(item: Prepared) -> Prepared | IngestReport:
    """Worker processes send no file bytes back (they would cross the pipe twice): read them
    here, and refuse a file that changed since it was parsed."""
    file = item.record.file
    if file is None or file.data is not None:
        return item
    try:
        data = (item.path or Path(item.name)).read_bytes()
    except OSError as exc:
        return IngestReport(name=item.name, error=f"无法读取文件（{exc.strerror}），请检查权限。")
    if hashlib.sha256(data).hexdigest() != file.meta.sha256:
        return IngestReport(name=item.name, error="文件在导入过程中被改动，请重新导入。")
    return replace(item, record=replace(item.record, file=FileRecord(file.meta, data)))


def _stored(ready: list[Prepared], results: list[SaveResult]) -> list[IngestReport]:
    return [_report(p, result) for p, result in zip(ready, results)]


def _report(prepared: Prepared, result: SaveResult) -> IngestReport:
    record = prepared.record
    meta = record.file.meta if record.file else None
    return IngestReport(
        name=prepared.name,
        status=result.status,
        ref=record.ref,
        articles=len(record.articles),
        passages=prepared.passages,
        chars=prepared.chars,
        format=record.format,
        pages=meta.pages if meta else None,
        ocr_pages=meta.ocr_pages if meta else 0,
        ocr_confidence=meta.ocr_confidence if meta else None,
        turned_pages=prepared.turned_pages,
        unreadable_pages=prepared.unreadable_pages,
        previous_format=result.previous_format,
    )


@contextmanager
def _preparer(
    tokenizer: Tokenizer, files: list[Path], known: Known, on_page: PageProgress | None
) -> Iterator[Iterator[Prepared | IngestReport]]:
    """prepare_file over the files in order: here for a few, in worker processes (one per core)
    for many, at most worker_pool.PREPARED_AHEAD files ahead of the writer so memory stays bounded."""
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_FROM or workers < 2:
        yield (prepare_file(tokenizer, p, known, _pages_of(p, on_page)) for p in files)
        return
    yield prepared_in_workers(tokenizer, files, known, workers)


def _pages_of(path: Path, on_page: PageProgress | None) -> Progress | None:
    if on_page is None:
        return None
    return lambda done, total, ocr: on_page(str(path), done, total, ocr)

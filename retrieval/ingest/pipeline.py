"""Files -> stored issues: read (any format), parse, chunk, tokenize, save. One report per file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import ArchiveError
from ..models import Article, IngestReport, IngestStatus, Issue, IssueRef, SourceFile
from ..store.database import ArticleRecord, FileRecord, HeldPassage, IssueRecord, PassageRecord, SaveResult, Store
from ..tokenize import Tokenizer
from .chunk import chunk_with_offsets
from .decode import ensure_size
from .parse import parse_bulletin
from .readers import Progress, read_document
from .worker_lifetime import context as worker_context
from .worker_lifetime import die_with_parent

logger = logging.getLogger(__name__)

# Bump when parsing, chunking or tokenizing changes, so re-ingesting rebuilds stored issues.
PIPELINE_VERSION = 4
# Files a folder holds that are never bulletins: left out without a word. Every other file is
# read, whatever its name (the format comes from its bytes), or refused with a reason.
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})
# Issues stored per transaction: the term index is updated once per batch, and each batch
# rewrites the rows of the terms it holds, so fewer, larger batches write less (2,500 synthetic
# issues: 46 s in batches of 500, 41 s in batches of 1,000 at 2.3 GB peak; docs/benchmarks.md).
BATCH_ISSUES = 1000
# ...and at most about this many bytes of source files, which are stored with them.
BATCH_BYTES = 256 * 1024 * 1024
# From this many files, parsing and tokenizing run in worker processes.
PARALLEL_FROM = 64
# Files parsed ahead of the writer: one batch, so the workers never wait and memory stays bounded.
PREPARED_AHEAD = BATCH_ISSUES
# A file that breaks a reader in a way no reader foresaw: refused alone, never the run.
UNEXPECTED_ERROR = "读取时出错（{kind}）：文件内容异常，无法作为简报读取；请用原始的 PDF、Word 或网页文件重新导入。"
# A file whose reading killed its worker process (out of memory, a crash in a native library).
WORKER_DIED = "读取时处理进程意外退出（可能内存不足或文件已损坏）；请确认这是一期完整的简报后重新导入。"
OUTSIDE_LINK = "跳过符号链接：它指向所导入的文件夹之外（{target}）；如需导入，请直接给出该文件的路径。"


def issue_hash(issue: Issue) -> str:
    payload = json.dumps([PIPELINE_VERSION, asdict(issue)], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def prepare_articles(issue: Issue, tokenizer: Tokenizer) -> list[ArticleRecord]:
    records = []
    for article in issue.articles:
        title_grams = tokenizer.passage_grams(article.title)
        passages = tuple(_passages(article, tokenizer))
        records.append(
            ArticleRecord(
                title=article.title,
                source=article.source,
                text=article.text,
                title_grams=tuple(title_grams),
                passages=passages,
                page=passages[0].page if passages else article.page_at(0),
            )
        )
    return records


def _passages(article: Article, tokenizer: Tokenizer) -> Iterator[PassageRecord]:
    for start, text in chunk_with_offsets(article.paragraphs):
        end = start + len(text)
        yield PassageRecord(
            text=text,
            grams=tuple(tokenizer.passage_grams(text)),
            page=article.page_at(start),
            page_breaks=tuple((o - start, p) for o, p in article.page_marks if start < o < end),
        )


def rechunk(text: str, held: list[HeldPassage], tokenizer: Tokenizer) -> list[PassageRecord]:
    """An article's passages as ingest cuts them now, from its stored text and the passages an
    older version cut: their pages tell where each page of the article begins."""
    marks: list[tuple[int, int]] = []
    cursor = 0
    for passage, page, breaks in held:
        start = text.find(passage, cursor)
        if start < 0 or page is None:
            continue
        cursor = start + len(passage)
        for offset, number in ((start, page), *((start + o, p) for o, p in breaks)):
            if not marks or marks[-1][1] != number:
                marks.append((offset, number))
    article = Article(title="", source=None, paragraphs=tuple(text.split("\n")), page_marks=tuple(marks))
    return list(_passages(article, tokenizer))


@dataclass(frozen=True)
class Prepared:
    """A file parsed and tokenized, ready to store."""

    name: str
    record: IssueRecord
    passages: int
    chars: int
    path: Path | None = None
    """The file on disk, when it came from one (its name above may have escapes in it)."""
    turned_pages: int = 0
    """Scanned pages read after turning them upright (see readers/orientation.py)."""
    unreadable_pages: tuple[int, ...] = ()
    """Scanned pages OCR read nothing from, left out of the issue."""


# sha256 of the files issues are read from now -> (issue, format): the same bytes again are
# reported unchanged without being read (OCR above all).
Known = dict[str, tuple[IssueRef, str]]
# Called as on_page(file name, pages done, pages in all, by OCR) while a file's pages are read.
PageProgress = Callable[[str, int, int, bool], None]


def prepare_bytes(
    tokenizer: Tokenizer, data: bytes, name: str, known: Known | None = None, progress: Progress | None = None
) -> Prepared | IngestReport:
    """Read, parse, chunk and tokenize one file: the CPU-bound part of ingest, no database."""
    name = _storable(name)
    sha256 = hashlib.sha256(data).hexdigest()
    if known and sha256 in known:
        ref, fmt = known[sha256]
        return IngestReport(name=name, status=IngestStatus.UNCHANGED, ref=ref, format=fmt)
    try:
        ensure_size(len(data))
        document = read_document(data, progress)
        issue = parse_bulletin(document.text, document.page_starts)
        articles = tuple(prepare_articles(issue, tokenizer))
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one hostile file costs itself, never the others
        return _unexpected(name, exc)
    meta = SourceFile(
        sha256=sha256,
        name=Path(name).name,
        format=document.format,
        size=len(data),
        pages=document.pages,
        ocr_pages=document.ocr_pages,
        ocr_confidence=document.ocr_confidence,
    )
    record = IssueRecord(issue.ref, issue.footer, articles, issue_hash(issue), name, FileRecord(meta, data))
    return Prepared(
        name=name,
        record=record,
        passages=sum(len(a.passages) for a in articles),
        chars=len(document.text),
        turned_pages=document.turned_pages,
        unreadable_pages=document.unreadable_pages,
    )


def _storable(name: str) -> str:
    """A file name as text SQLite can store: a name that is not valid UTF-8 on disk (a GBK name
    on Linux) reaches Python with lone surrogates, kept here as escapes."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def prepare_file(
    tokenizer: Tokenizer, path: Path, known: Known | None = None, progress: Progress | None = None
) -> Prepared | IngestReport:
    name = _storable(str(path))
    if not path.exists():
        return IngestReport(name=name, error="文件不存在，请检查路径。")
    try:
        ensure_size(path.stat().st_size)
        data = path.read_bytes()
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except OSError as exc:
        return IngestReport(name=name, error=f"无法读取文件（{exc.strerror}），请检查权限。")
    prepared = prepare_bytes(tokenizer, data, name, known, progress)
    return replace(prepared, path=path) if isinstance(prepared, Prepared) else prepared


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


def bulletin_files(paths: Iterable[Path]) -> list[Path | IngestReport]:
    """The files to ingest, in a stable order: files as given, and every file under folders but
    hidden ones and system clutter; an empty folder is a refusal. Within a folder, a symbolic
    link is followed only when it stays inside the folder: one pointing out of it is reported,
    not read (a folder must not pull in, and publish, files from elsewhere on the machine)."""
    found: list[Path | IngestReport] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        entries = _folder_files(path)
        found += entries or [
            IngestReport(name=str(path), error="文件夹里没有简报文件（.pdf、.docx、.html 或 .txt），请检查路径。")
        ]
    return found


def _folder_files(folder: Path) -> list[Path | IngestReport]:
    root = folder.resolve()
    found: list[tuple[Path, Path | IngestReport]] = []
    # os.walk does not descend into linked folders; a link to a folder is judged like one to a file.
    for directory, subfolders, names in os.walk(folder):
        here = Path(directory)
        subfolders[:] = [d for d in subfolders if not _hidden(here / d, folder)]
        links = [d for d in subfolders if (here / d).is_symlink()]
        for name in sorted(names) + sorted(links):
            path = here / name
            if _hidden(path, folder):
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    found.append((path, IngestReport(name=str(path), error=OUTSIDE_LINK.format(target=target))))
                    continue
                if target.is_dir():
                    continue  # its files are read where they are, inside the folder
            if path.is_file():
                found.append((path, path))
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


def _hidden(path: Path, folder: Path) -> bool:
    return not _may_be_bulletin(path.relative_to(folder))


def _may_be_bulletin(relative: Path) -> bool:
    return not any(part.startswith((".", "~$")) for part in relative.parts) and relative.name.lower() not in IGNORED_NAMES


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


def _store_batch(store: Store, tokenizer: Tokenizer, fingerprint: str, batch: list[Prepared | IngestReport]) -> list[IngestReport]:
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
    for many, at most PREPARED_AHEAD files ahead of the writer so memory stays bounded."""
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_FROM or workers < 2:
        yield (prepare_file(tokenizer, p, known, _pages_of(p, on_page)) for p in files)
        return
    # The workers end with this process, even when it is killed (kill -9): see worker_lifetime.
    def pool(size: int = workers) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            size, mp_context=worker_context(), initializer=_start_worker, initargs=(tokenizer.files, known)
        )

    yield _ahead(pool, files)


def _pages_of(path: Path, on_page: PageProgress | None) -> Progress | None:
    if on_page is None:
        return None
    return lambda done, total, ocr: on_page(str(path), done, total, ocr)


def _ahead(
    pool: Callable[..., ProcessPoolExecutor], files: list[Path], work: Callable[[Path], Prepared | IngestReport] | None = None
) -> Iterator[Prepared | IngestReport]:
    """Each file's result in order, at most PREPARED_AHEAD files ahead. A worker that dies (a file
    that exhausts memory, a crash in a native library) breaks the whole pool and every file in
    flight with it: those files are then read again one at a time, each in a pool of its own, so
    the one that kills its worker is refused and the others are kept. `work` reads one file in a
    worker (_prepare_in_worker)."""
    work = work or _prepare_in_worker
    queue = deque(files)
    workers = pool()
    try:
        while queue:
            pending: deque[tuple[Path, Future[Prepared | IngestReport]]] = deque()
            broken = False
            while queue or pending:
                while queue and len(pending) <= PREPARED_AHEAD:
                    path = queue.popleft()
                    pending.append((path, workers.submit(work, path)))
                try:
                    result = pending[0][1].result()
                except BrokenProcessPool:
                    broken = True
                    break
                except Exception as exc:  # noqa: BLE001 - e.g. a result that would not cross the pipe
                    result = _unexpected(str(pending[0][0]), exc)
                pending.popleft()
                yield result
            if broken:
                workers.shutdown(cancel_futures=True)
                for path, _ in pending:
                    yield _alone(pool, path, work)
                workers = pool()
    finally:
        workers.shutdown(cancel_futures=True)


def _alone(
    pool: Callable[..., ProcessPoolExecutor], path: Path, work: Callable[[Path], Prepared | IngestReport]
) -> Prepared | IngestReport:
    with pool(1) as single:
        try:
            return single.submit(work, path).result()
        except BrokenProcessPool:
            logger.warning("a worker died reading %r", str(path))
            return IngestReport(name=_storable(str(path)), error=WORKER_DIED)
        except Exception as exc:  # noqa: BLE001
            return _unexpected(str(path), exc)


def _unexpected(name: str, exc: Exception) -> IngestReport:
    """The report of a file that raised what no reader foresaw; the traceback goes to the debug log."""
    logger.debug("reading %r failed", name, exc_info=exc)
    return IngestReport(name=_storable(name), error=UNEXPECTED_ERROR.format(kind=type(exc).__name__))


_worker_tokenizer: Tokenizer | None = None
_worker_known: Known = {}


def _start_worker(files: tuple[Path, Path], known: Known) -> None:
    global _worker_tokenizer, _worker_known
    die_with_parent()
    _worker_tokenizer = Tokenizer(*files)
    _worker_known = known


def _prepare_in_worker(path: Path) -> Prepared | IngestReport:
    prepared = prepare_file(_worker_tokenizer or Tokenizer(), path, _worker_known)
    if isinstance(prepared, Prepared) and prepared.record.file is not None:
        file = FileRecord(prepared.record.file.meta)  # the writer reads the bytes itself
        return replace(prepared, record=replace(prepared.record, file=file))
    return prepared

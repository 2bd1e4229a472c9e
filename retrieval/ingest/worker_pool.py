"""Preparing files in worker processes for a large run: in order, a bounded number ahead of the
writer, and a worker that dies costs only the file it was reading."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from ..models import IngestReport
from ..store.records import FileRecord
from ..tokenize import Tokenizer
from .prepare import UNEXPECTED_ERROR, Known, Prepared, prepare_file, storable_name, unexpected_failure
from .worker_lifetime import context as worker_context
from .worker_lifetime import die_with_parent

# UNEXPECTED_ERROR: a file whose worker raised is refused with it, as prepare_file refuses one.
__all__ = ["PREPARED_AHEAD", "UNEXPECTED_ERROR", "WORKER_DIED", "prepared_in_workers"]

logger = logging.getLogger(__name__)

# Files parsed ahead of the writer: one batch (pipeline.BATCH_ISSUES), so the workers never wait
# and memory stays bounded.
PREPARED_AHEAD = 1000
# A file whose reading killed its worker process (out of memory, a crash in a native library).
WORKER_DIED = "读取时处理进程意外退出（可能内存不足或文件已损坏）；请确认这是一期完整的简报后重新导入。"


def prepared_in_workers(
    tokenizer: Tokenizer, files: list[Path], known: Known, workers: int
) -> Iterator[Prepared | IngestReport]:
    """prepare_file over the files in order, in a pool of `workers` processes."""

    # The workers end with this process, even when it is killed (kill -9): see worker_lifetime.
    def pool(size: int = workers) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            size, mp_context=worker_context(), initializer=_start_worker, initargs=(tokenizer.files, known)
        )

    return _ahead(pool, files)


def _ahead(
    pool: Callable[..., ProcessPoolExecutor],
    files: list[Path],
    work: Callable[[Path], Prepared | IngestReport] | None = None,
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
                    result = unexpected_failure(str(pending[0][0]), exc)
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
            return IngestReport(name=storable_name(str(path)), error=WORKER_DIED)
        except Exception as exc:  # noqa: BLE001
            return unexpected_failure(str(path), exc)


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

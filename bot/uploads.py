"""Uploaded bulletins are read in a worker process, one file at a time.

Reading a scanned PDF takes seconds a page (OCR); in a process of its own it holds neither the
event loop nor the archive thread (nor the GIL), so other chats are answered meanwhile. The worker
writes to the same SQLite file (WAL), so the serving archive sees a new issue at its next query.
Progress comes back through a queue that a thread hands to the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.archive import Archive, die_with_parent, worker_context
from retrieval.models import IngestReport

# The worker yields the CPU to the process answering questions.
WORKER_NICENESS = 10
RELAY_JOIN_SECONDS = 2.0


@dataclass(frozen=True)
class UploadProgress:
    """Where an upload stands: waiting for its turn, being read, or page done of total."""

    name: str
    queued: bool = False
    done: int = 0
    total: int = 0
    ocr: bool = False
    """The pages are scanned images, read by OCR."""


class UploadInterrupted(Exception):
    """The bot is stopping: the file was not stored."""


class UploadWorker:
    """Ingests uploaded files in a worker process started on the first upload."""

    def __init__(self, db_path: Path | str, tokenizer_files: tuple[Path, Path]):
        self.db_path = str(db_path)
        self.tokenizer_files = tokenizer_files
        self._turn = asyncio.Lock()
        self._in_line = 0
        self._jobs = itertools.count(1)
        self._listeners: dict[int, Callable[[int, int, bool], None]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._queue: multiprocessing.Queue | None = None
        self._relay: threading.Thread | None = None
        self._stopping = False

    @property
    def busy(self) -> bool:
        """A file is being read."""
        return self._turn.locked()

    @contextlib.contextmanager
    def place(self) -> Iterator[bool]:
        """A place in line for one upload, held from its arrival (before its download) to its
        result; yields whether other uploads are ahead of it."""
        ahead = self._in_line > 0
        self._in_line += 1
        try:
            yield ahead
        finally:
            self._in_line -= 1

    async def ingest(self, data: bytes, name: str, progress: Callable[[UploadProgress], None]) -> IngestReport:
        """Store one file after those uploaded before it; progress is called on the event loop.
        Raises UploadInterrupted when the bot stops first."""
        async with self._turn:
            if self._stopping:
                raise UploadInterrupted
            progress(UploadProgress(name))
            job = next(self._jobs)
            self._listeners[job] = lambda done, total, ocr: progress(UploadProgress(name, False, done, total, ocr))
            try:
                return await self._run(self.db_path, self.tokenizer_files, data, name, job)
            finally:
                self._listeners.pop(job, None)

    async def _run(self, *args: Any) -> IngestReport:
        """ingest_in_worker in the worker process. A worker that died (killed while idle, or out of
        memory on this file) is replaced and the file tried once more; BrokenProcessPool after that."""
        try:
            return await self._attempt(*args)
        except BrokenProcessPool:
            return await self._attempt(*args)

    async def _attempt(self, *args: Any) -> IngestReport:
        try:
            return await asyncio.wrap_future(self._start().submit(ingest_in_worker, *args))
        except BrokenProcessPool:
            self._discard()
            if self._stopping:
                raise UploadInterrupted from None
            raise

    def interrupt(self) -> None:
        """The bot is stopping: the file being read is dropped (its transaction never commits) and
        queued ones are refused, so stopping does not wait for OCR."""
        self._stopping = True
        if self.busy:
            for process in _processes(self._pool):
                process.terminate()

    def close(self) -> None:
        """Stop the worker process; safe to call more than once."""
        self.interrupt()
        self._discard(wait=True)

    # --- the pool and its progress queue ---------------------------------------------

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Its worker dies with the bot, even a bot killed with -9 (retrieval/ingest/worker_lifetime.py).
            context = worker_context("spawn")
            self._queue = context.Queue()
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=start_worker, initargs=(self._queue,)
            )
            self._relay = threading.Thread(
                target=self._relay_progress,
                args=(self._queue, asyncio.get_running_loop()),
                name="upload-progress",
                daemon=True,
            )
            self._relay.start()
        return self._pool

    def _discard(self, wait: bool = False) -> None:
        pool, queue, relay = self._pool, self._queue, self._relay
        self._pool = self._queue = self._relay = None
        if pool is None or queue is None or relay is None:  # all three are set together
            return
        pool.shutdown(wait=wait, cancel_futures=True)
        queue.put(None)
        relay.join(RELAY_JOIN_SECONDS)
        queue.close()
        queue.cancel_join_thread()

    def _relay_progress(self, queue: multiprocessing.Queue, loop: asyncio.AbstractEventLoop) -> None:
        """A thread: progress from the worker process, handed to the event loop until None."""
        while True:
            try:
                item = queue.get()
            except (EOFError, OSError, ValueError):  # the queue was closed under us
                return
            if item is None:
                return
            try:
                loop.call_soon_threadsafe(self._progress, *item)
            except RuntimeError:  # the loop has closed
                return

    def _progress(self, job: int, done: int, total: int, ocr: bool) -> None:
        listener = self._listeners.get(job)
        if listener is not None:  # progress of a file already finished is dropped
            listener(done, total, ocr)


def _processes(pool: ProcessPoolExecutor | None) -> list[multiprocessing.process.BaseProcess]:
    # ProcessPoolExecutor keeps its worker processes here (Python 3.8 to 3.13).
    return list((getattr(pool, "_processes", None) or {}).values()) if pool is not None else []


# --- in the worker process ------------------------------------------------------------

_progress_queue: multiprocessing.Queue | None = None


def start_worker(progress_queue: multiprocessing.Queue) -> None:
    """Runs once as the worker process starts."""
    global _progress_queue
    die_with_parent()  # it would otherwise wait for files forever after a kill -9 of the bot
    _progress_queue = progress_queue
    # Ctrl-C reaches the whole process group; the bot decides when its worker stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)


def ingest_in_worker(
    db_path: str, tokenizer_files: tuple[Path, Path], data: bytes, name: str, job: int
) -> IngestReport:
    """Open the archive, store one file, close it. The archive keeps the tokenizer (jieba's
    dictionary takes a second to load) for the next file."""

    def progress(done: int, total: int, ocr: bool) -> None:
        if _progress_queue is not None:
            _progress_queue.put((job, done, total, ocr))

    with Archive.with_tokenizer_files(db_path, tokenizer_files) as archive:
        return archive.ingest_bytes(data, name, progress)

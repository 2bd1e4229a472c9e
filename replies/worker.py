"""Archive calls off the event loop: one thread owns the archive, so calls never interleave."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from retrieval.archive import Archive

T = TypeVar("T")


class ArchiveWorker:
    """Runs functions of the archive on a single thread.

    Retrieval takes milliseconds, so one thread keeps up; it also keeps SQLite's connection and
    an ingest's transaction out of each other's way.
    """

    def __init__(self, archive: Archive):
        self.archive = archive
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """fn(archive, *args) on the archive's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, self.archive, *args))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.archive.close()

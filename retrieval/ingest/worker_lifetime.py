"""Worker processes that die with the process that started them.

A pool's workers are plain child processes: when their parent is killed (kill -9, the out-of-memory
killer) nothing tells them, and each waits on its task queue forever, holding its memory (jieba's
dictionary alone is about 100 MB a worker). Two guards, set up as a worker starts (die_with_parent,
first thing in a pool's initializer):

- Linux: the kernel sends SIGKILL to the worker when its parent ends (prctl PR_SET_PDEATHSIG). The
  kernel's "parent" is the *thread* that started the worker, not the process: a worker started from
  a thread that ends while the pool is still in use would be killed with that thread. So the signal
  is asked for only when the parent's main thread started the worker (it lives as long as the
  process); the processes of context() remember which thread started them.
- Everywhere: a daemon thread that ends the worker within WATCH_SECONDS of its parent's end.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.context as mp_context
import os
import signal
import sys
import threading
import time

# How often a worker looks for its parent when the kernel does not watch for it.
WATCH_SECONDS = 0.5
# <linux/prctl.h>
PR_SET_PDEATHSIG = 1
EXIT_ORPHANED = 70


class _Remembering:
    """A process that remembers whether its parent's main thread started it."""

    started_by_main_thread = False

    def start(self) -> None:
        # Set before the start: a forked child copies it, a spawned one unpickles it.
        self.started_by_main_thread = threading.current_thread() is threading.main_thread()
        super().start()  # type: ignore[misc]


class _SpawnProcess(_Remembering, mp_context.SpawnProcess):
    pass


class _SpawnContext(mp_context.SpawnContext):
    Process = _SpawnProcess


_CONTEXTS: dict[str, type[mp_context.BaseContext]] = {"spawn": _SpawnContext}

if hasattr(mp_context, "ForkContext"):  # POSIX

    class _ForkProcess(_Remembering, mp_context.ForkProcess):
        pass

    class _ForkContext(mp_context.ForkContext):
        Process = _ForkProcess

    _CONTEXTS["fork"] = _ForkContext


def context(method: str | None = None) -> mp_context.BaseContext:
    """A multiprocessing context (for ProcessPoolExecutor's mp_context) whose workers can die with
    their parent: the platform's start method, or the one named. A forkserver (Python 3.14's
    default on Linux) would make workers children of the server, not of this process: spawn then."""
    method = method or multiprocessing.get_start_method()
    return _CONTEXTS.get(method, _SpawnContext)()


def die_with_parent() -> None:
    """Run first in a worker process: the worker ends when the process that started it ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return  # not started by multiprocessing
    process = multiprocessing.current_process()
    ours = isinstance(process, _Remembering)
    # A process of context() is its parent's direct child; any other may be a forkserver's.
    parent_pid = parent.pid if ours else os.getppid()
    if isinstance(process, _Remembering) and process.started_by_main_thread:
        _kill_with_parent()
    # The parent may have ended before the kernel was asked: then no signal will ever come.
    if os.getppid() != parent_pid:
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=_watch, args=(parent, parent_pid), name="parent-watch", daemon=True).start()


def _kill_with_parent() -> bool:
    """Ask the kernel for SIGKILL when the parent (thread) ends; False where it cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: multiprocessing.process.BaseProcess, parent_pid: int) -> None:
    """A daemon thread: end this process once the parent has ended."""
    if os.name == "nt":
        parent.join()  # waits on a handle of the parent process
    else:
        # An orphan is adopted by init or a subreaper: its parent pid changes.
        while os.getppid() == parent_pid:
            time.sleep(WATCH_SECONDS)
    os._exit(EXIT_ORPHANED)

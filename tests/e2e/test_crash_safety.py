"""Killed at any point (kill -9), an ingest leaves a sound archive that holds whole committed issues
only, and no process of its own behind; running it again completes. The bot's upload worker dies
with the bot. Waits are on conditions (output, processes), with deadlines, never fixed sleeps."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from benchmarks import synth
from retrieval.archive import Archive
from retrieval.ingest import pipeline as ingest
from retrieval.ingest import worker_lifetime
from retrieval.store.database import Store
from tests.helpers import ROOT
from tests.helpers.index_checks import assert_index_matches_passages

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2,
    reason="needs Linux /proc, and two cores for ingest's worker processes",
)

# The smallest run that parses in worker processes.
FILES = ingest.PARALLEL_FROM
# Issues a transaction in these runs (500 in a real one), so that a run commits FILES / BATCH times.
BATCH = 8
TRIALS = 10
SEED = 20261123
POLL = 0.01
COMMIT_POLL = 0.0002
RUN_SECONDS = 120
# Workers are gone at once when the kernel kills them, within worker_lifetime.WATCH_SECONDS otherwise.
GONE_SECONDS = 10

# `run_bot.py ingest ...`, with BATCH issues a transaction.
INGEST = (
    "import runpy, sys\n"
    "import retrieval.ingest.pipeline\n"
    "retrieval.ingest.pipeline.BATCH_ISSUES = int(sys.argv.pop(1))\n"
    "sys.argv[0] = 'run_bot.py'\n"
    "runpy.run_path('run_bot.py', run_name='__main__')\n"
)


# --- processes (Linux /proc) ------------------------------------------------------------

Pid = tuple[int, str]  # (pid, start time): a pid may be reused once its process is gone


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...


def descendants(pid: int) -> set[Pid]:
    """Processes started by pid, and theirs, each with its start time."""
    found: set[Pid] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                stat = _stat(child)
                if stat is not None:
                    found |= {(child, stat[19])} | descendants(child)
    return found


def running(pids: set[Pid]) -> set[Pid]:
    """Those of pids still running (a zombie has ended: it waits only to be reaped)."""
    alive = set()
    for pid, started in pids:
        stat = _stat(pid)
        if stat is not None and stat[19] == started and stat[0] != "Z":
            alive.add((pid, started))
    return alive


def wait_until(condition: Callable[[], object], seconds: float, what: str, poll: float = POLL) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(poll)


def assert_all_end(pids: set[Pid]) -> None:
    """Every one of pids ends within GONE_SECONDS; any left are killed, and the test fails."""
    try:
        wait_until(lambda: not running(pids), GONE_SECONDS, "the processes end")
    except AssertionError:
        left = running(pids)
        for pid, _ in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"{len(left)} of {len(pids)} processes outlived their parent: {sorted(left)}") from None


# --- the ingest CLI -----------------------------------------------------------------------


class Run:
    """`run_bot.py ingest` of a folder in a process of its own; its output lines are collected."""

    def __init__(self, db: Path, folder: Path, log: Path):
        self.wal = db.with_name(db.name + "-wal")
        env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_DB"} | {"PYTHONUNBUFFERED": "1"}
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-c", INGEST, str(BATCH), "ingest", "--db", str(db), str(folder)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def kill_when(self, printed: int, in_commit: bool) -> set[Pid]:
        """kill -9 once `printed` files are reported stored and the worker processes are up, and
        (in_commit) once the next transaction then writes to the write-ahead log; the processes it
        had then."""
        workers = os.cpu_count() or 1
        processes: set[Pid] = set()

        def ready() -> bool:
            nonlocal processes
            assert self.process.poll() is None, f"the ingest ended first:\n{self.log.read_text('utf-8')}"
            processes = descendants(self.process.pid)
            return len(self.lines) >= printed and len(processes) >= workers

        wait_until(ready, RUN_SECONDS, f"{printed} files stored and {workers} workers up")
        if in_commit:
            before = self._wal_state()
            # A commit writes its pages in about a millisecond: look often, and at the log alone.
            wait_until(lambda: self._wal_state() != before, RUN_SECONDS, "the next transaction writes", COMMIT_POLL)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(RUN_SECONDS)
        return processes

    def printed(self) -> int:
        """Lines printed in all, once the output has ended (workers share it: after they end)."""
        self._reader.join(RUN_SECONDS)
        return len(self.lines)

    def _wal_state(self) -> tuple[int, int]:
        try:
            stat = self.wal.stat()
        except FileNotFoundError:
            return 0, 0
        return stat.st_size, stat.st_mtime_ns

    def finish(self) -> int:
        code = self.process.wait(RUN_SECONDS)
        self._reader.join(RUN_SECONDS)
        return code


# --- what the archive holds ------------------------------------------------------------------

Content = tuple


def stored_issues(db: Path) -> dict[int, Content]:
    """Each held issue's whole content (all but ids and times): its row, its articles, its
    passages, its source file; the test fails on articles or passages of no held issue."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        issues = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT total, number, year, month, date, issuer, footer, content_hash, source_file,"
                " source_format, file_sha256 FROM issues"
            )
        }
        articles: dict[int, list[tuple]] = defaultdict(list)
        for total, *rest in conn.execute(
            "SELECT issue_total, position, title, source, text, page FROM articles ORDER BY issue_total, position"
        ):
            articles[total].append(tuple(rest))
        passages: dict[int, list[tuple]] = defaultdict(list)
        for total, *rest in conn.execute(
            "SELECT p.issue_total, a.position, p.position, p.text, p.page, p.page_breaks, p.word_len, p.char_len"
            " FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.issue_total, a.position, p.position"
        ):
            passages[total].append(tuple(rest))
        files = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT f.sha256, f.name, f.format, f.size, length(b.data) FROM files f"
                " LEFT JOIN file_blobs b ON b.sha256 = f.sha256"
            )
        }
    assert set(articles) <= set(issues) and set(passages) <= set(issues), "rows of an issue not held"
    return {
        total: (row, tuple(articles[total]), tuple(passages[total]), files.get(row[-1]))
        for total, row in issues.items()
    }


def integrity(db: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def assert_sound(db: Path, reference: dict[int, Content], index: bool = True) -> dict[int, Content]:
    """The file is sound, every held issue is whole and as a plain ingest stores it, and (unless
    told not to check) the term index is what the held passages give."""
    assert integrity(db) == [("ok",)]
    held = stored_issues(db)
    wrong = sorted(total for total, content in held.items() if content != reference.get(total))
    assert not wrong, f"issues held but not as a plain ingest stores them: {wrong}"
    if not index:
        return held
    store = Store(db)
    try:
        assert_index_matches_passages(store)
    finally:
        store.close()
    return held


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FILES synthetic bulletins, each cut to two one-paragraph articles: checking the whole term
    index after every kill takes a second or two, not half a minute."""
    out = tmp_path_factory.mktemp("synth")
    vocabulary = synth.Vocabulary.load()
    for total in range(1, FILES + 1):
        issue = synth.make_issue(vocabulary, synth.DEFAULT_SEED, total, FILES)
        articles = tuple(dataclasses.replace(a, paragraphs=a.paragraphs[:1]) for a in issue.articles[:2])
        (out / f"{total:06d}.txt").write_text(dataclasses.replace(issue, articles=articles).text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def reference(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Content]:
    """What a plain ingest (one process, one transaction) stores of each file."""
    db = tmp_path_factory.mktemp("reference") / "archive.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "PARALLEL_FROM", FILES + 1)
        with Archive(db) as archive:
            assert all(report.ok for report in archive.ingest([folder]))
    held = stored_issues(db)
    assert sorted(held) == list(range(1, FILES + 1))
    return held


# --- the tests ---------------------------------------------------------------------------------


def test_an_ingest_killed_at_random_points_leaves_whole_committed_issues_and_no_process(
    folder: Path, reference: dict[int, Content], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    for trial in range(TRIALS):
        db, log = tmp_path / f"archive-{trial}.db", tmp_path / f"ingest-{trial}.log"
        # Kill after 0 .. FILES - 2 * BATCH files are reported, at once or as the next transaction
        # writes: two transactions are still to come.
        kill_at, in_commit = rng.randrange(FILES - 2 * BATCH + 1), rng.random() < 0.5
        run = Run(db, folder, log)
        assert_all_end(run.kill_when(kill_at, in_commit))
        printed = run.printed()
        where = f"trial {trial}, killed after {kill_at} reports{' in a commit' * in_commit} ({printed} printed)"
        held = assert_sound(db, reference) if db.exists() else {}
        committed = len(held)
        assert sorted(held) == list(range(1, committed + 1)), where
        # Whole transactions only; every file reported is held, and at most one transaction more.
        assert committed % BATCH == 0 and printed <= committed <= printed + BATCH, f"{where}: {committed} held"

        again = Run(db, folder, log)
        assert again.finish() == 0, log.read_text("utf-8")
        assert len(again.lines) == FILES
        # The index of a completed run is checked once: it takes as long as the rest of a trial.
        assert assert_sound(db, reference, index=trial == TRIALS - 1) == reference, where


def test_workers_started_from_a_thread_that_ends_live_on(tmp_path: Path) -> None:
    """The kernel's parent-death signal follows the thread that started a worker: the pool must
    outlive that thread."""
    context = worker_lifetime.context("fork")
    # Children of this test process that earlier tests left (a resource tracker, say) are not the pool's.
    others = {pid for pid, _ in descendants(os.getpid())}
    with ProcessPoolExecutor(2, mp_context=context, initializer=worker_lifetime.die_with_parent) as pool:
        started: list[int] = []

        def first_submit() -> None:
            started.append(threading.get_native_id())
            assert pool.submit(os.getpid).result(RUN_SECONDS)

        thread = threading.Thread(target=first_submit)
        thread.start()
        thread.join(RUN_SECONDS)
        wait_until(lambda: not Path(f"/proc/self/task/{started[0]}").exists(), GONE_SECONDS, "the thread ends")
        workers = {pid for pid, _ in descendants(os.getpid())} - others
        assert len(workers) == 2
        # Both workers still answer, as many times as asked.
        assert {pool.submit(os.getpid).result(RUN_SECONDS) for _ in range(20)} <= workers
        assert {pid for pid, _ in running(descendants(os.getpid()))} - others == workers


# A parent that starts a pool from a short-lived thread (so the kernel is not asked to kill its
# workers) or from its main thread, reports its workers' pids, then waits to be killed.
POOL_PARENT = """
import os, sys, threading
from concurrent.futures import ProcessPoolExecutor
from retrieval.ingest import worker_lifetime

pool = ProcessPoolExecutor(2, mp_context=worker_lifetime.context(sys.argv[1]), initializer=worker_lifetime.die_with_parent)
start = lambda: [task.result() for task in [pool.submit(os.getpid) for _ in range(2)]]
if sys.argv[2] == "thread":
    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
else:
    start()
print("up", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("started_from", ["main", "thread"])
def test_pool_workers_die_with_a_killed_parent(method: str, started_from: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_PARENT, method, started_from],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "up\n"
        workers = descendants(parent.pid)  # and spawn's resource tracker
        assert len(running(workers)) >= 2
    finally:
        parent.kill()
        parent.wait(RUN_SECONDS)
    assert_all_end(workers)


def test_the_bot_s_upload_worker_dies_with_the_bot_killed_with_minus_9(tmp_path: Path) -> None:
    from tests.bot_api_standin import BotApiStandIn
    from tests.helpers.bot_process import ADMIN, TOKEN, start_bot, upload

    db, log = tmp_path / "archive.db", tmp_path / "bot.log"
    synth.write_archive(tmp_path / "one", issues=1, questions=1)
    bulletin = (tmp_path / "one" / "000001.txt").read_bytes()
    with BotApiStandIn(TOKEN) as standin:
        bot = start_bot(standin, db, log)
        try:
            assert "已导入 总第1期" in upload(standin, ADMIN, "1.txt", bulletin)
            # The worker stays, idle, for the next upload.
            processes = descendants(bot.pid)
            assert processes, "uploads are read in a worker process"
        finally:
            bot.kill()
            bot.wait(RUN_SECONDS)
    assert_all_end(processes)

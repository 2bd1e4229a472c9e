"""Fixtures every test folder shares, the hypothesis profile, and the quick tier.

The quick tier (`pytest -m "not slow"`) leaves out every test that starts something real and slow:
a process, an HTTP server, a browser, OCR. A test is marked by the fixtures it uses, directly or
through other fixtures (SLOW_FIXTURES), here and nowhere else, so a new test lands in the right
tier by what it needs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The shared checks report like a test's own asserts: registered before they are imported.
pytest.register_assert_rewrite("tests.helpers")

from retrieval.archive import Archive  # noqa: E402
from retrieval.ingest import pipeline  # noqa: E402
from retrieval.tokenize import Tokenizer  # noqa: E402
from tests.helpers import ROOT, SAMPLE_ARCHIVE  # noqa: E402
from tests.helpers.cli_run import run  # noqa: E402
from tests.helpers.properties import load_profile  # noqa: E402

load_profile()

# What starts something real and slow. A test that uses one, itself or through another fixture,
# is marked slow below; the quick tier leaves it out.
SLOW_FIXTURES = frozenset(
    {
        "end_to_end",  # every test in tests/e2e: the bot, the CLI, the web app as processes; browsers
        "run_bot",  # `python run_bot.py ...` in a subprocess
        "run_python",  # a benchmark or the evaluator as a command of its own
        "ocr",  # rapidocr's models loaded, scanned pages recognised
        "worker_processes",  # ingest runs in worker processes
        "uvicorn",  # the web app served by uvicorn over real sockets
        "libreoffice",  # LibreOffice (soffice --headless) converts a document in a process of its own
    }
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core, and one more. The end-to-end tests spend much of their time
    waiting (on a bot's replies, Telegram's flood limits, a process stopping), and a third worker
    fills it: 4 min 31 s against 4 min 58 s for the whole suite on 2 cores."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def run_bot() -> Callable[..., subprocess.CompletedProcess]:
    """`python run_bot.py ARGS` in a subprocess, as a user runs it (tests/helpers/cli_run.py)."""
    return run


@pytest.fixture(scope="session")
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    """`python ARGS` from the project's folder, its output captured as text."""

    def run_command(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=timeout
        )

    return run_command


@pytest.fixture(scope="session")
def ocr():
    """The test reads scanned pages by OCR (rapidocr, the ocr extra)."""
    from retrieval.ingest.readers import ocr as ocr_reader

    if not ocr_reader.available():
        pytest.skip("OCR is not installed (the ocr extra)")
    return ocr_reader


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """The path of LibreOffice's `soffice`, to convert documents headless (Debian's
    libreoffice-writer-nogui); the test is skipped without it."""
    path = shutil.which("soffice")
    if path is None:
        pytest.skip("LibreOffice is not installed (soffice; Debian's libreoffice-writer-nogui)")
    return path


@pytest.fixture
def worker_processes(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Called, it sends ingest runs of two files or more to worker processes, as runs of many
    files go; until then, runs stay in the test's process."""
    return lambda: monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """Shared: loading jieba's dictionary costs about a second."""
    return Tokenizer()


@pytest.fixture
def empty_archive(tmp_path: Path, tokenizer: Tokenizer):
    with Archive(tmp_path / "archive.db", tokenizer) as archive:
        yield archive


@pytest.fixture
def sample_archive(empty_archive: Archive) -> Archive:
    reports = list(empty_archive.ingest([SAMPLE_ARCHIVE]))
    assert [r.error for r in reports] == [None, None]
    return empty_archive


@pytest.fixture(scope="module")
def shared_sample_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    """Read-only sample archive shared by a module's many questions."""
    with Archive(tmp_path_factory.mktemp("shared") / "archive.db", tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        yield archive

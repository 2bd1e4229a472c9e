"""A file that cannot be read never ends the run: every other file of the same ingest is stored."""

from __future__ import annotations

import os
import shutil
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.ingest import worker_pool as ingest
from retrieval.ingest.readers import html as html_reader
from retrieval.ingest.worker_lifetime import context as worker_context
from retrieval.models import IngestReport, IngestStatus
from retrieval.tokenize import Tokenizer
from tests.helpers import SAMPLE_ARCHIVE

GOOD = sorted(SAMPLE_ARCHIVE.glob("*.txt"))
# A page that names a codec that is not a text encoding: decoding it raised LookupError once.
ODD_CHARSET_PAGE = b'<html><head><meta charset="base64"><title>x</title></head><body><p>hello</p></body></html>'


def stored_totals(db: Path) -> list[int]:
    with sqlite3.connect(db) as connection:
        return sorted(total for (total,) in connection.execute("select total from issues"))


def mixed_folder(tmp_path: Path, bad: bytes, bad_name: str = "b.html") -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copy(GOOD[0], folder / "a.txt")
    (folder / bad_name).write_bytes(bad)
    shutil.copy(GOOD[1], folder / "c.txt")
    return folder


def test_a_folder_keeps_its_good_files_around_a_page_with_an_odd_charset(tmp_path: Path, run_bot) -> None:
    db = tmp_path / "a.db"
    result = run_bot("ingest", str(mixed_folder(tmp_path, ODD_CHARSET_PAGE)), "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert "b.html" in lines[1] and "未导入" in lines[1]
    assert "未导入 1" in result.stderr.strip().splitlines()[-1]
    assert stored_totals(db) == [2126, 2202]


def test_a_reader_failing_in_a_way_no_one_foresaw_costs_only_its_file(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_reader(data: bytes, progress=None):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_reader, "read", broken_reader)
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        reports = list(archive.ingest([mixed_folder(tmp_path, b"<html><body>x</body></html>")]))
        assert [r.ok for r in reports] == [True, False, True]
        assert reports[1].error == ingest.UNEXPECTED_ERROR.format(kind="RecursionError")
        assert "\n" not in reports[1].error
        assert archive.stats().issues == 2


def read_or_die(path: Path) -> IngestReport:
    """Worker work for the test below: a file named die* kills its worker process outright."""
    if path.name.startswith("die"):
        os._exit(9)
    return IngestReport(name=str(path), status=IngestStatus.ADDED)


def test_a_file_that_kills_its_worker_is_refused_and_the_files_in_flight_are_read_again(tmp_path: Path) -> None:
    names = ["a1", "a2", "die", "a3", "a4", "a5"]
    files = [tmp_path / name for name in names]

    def pool(size: int = 2) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(size, mp_context=worker_context())

    reports = list(ingest._ahead(pool, files, read_or_die))
    assert [Path(r.name).name for r in reports] == names
    assert [r.error for r in reports] == [None, None, ingest.WORKER_DIED, None, None, None]


def test_links_out_of_an_ingested_folder_are_reported_not_read(tmp_path: Path, run_bot) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    shutil.copy(GOOD[1], outside / "secret.txt")
    folder = tmp_path / "run"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(GOOD[0], folder / "a.txt")
    (folder / "b-link.txt").symlink_to(outside / "secret.txt")
    (folder / "sub" / "c-link").symlink_to(outside)
    (folder / "d-inside.txt").symlink_to(folder / "a.txt")
    db = tmp_path / "a.db"
    result = run_bot("ingest", str(folder), "--db", str(db))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    skipped = [line for line in lines if "符号链接" in line]
    assert len(skipped) == 2
    assert all(str(outside) in line for line in skipped)
    assert stored_totals(db) == [2202]  # the issue outside the folder is not stored
    assert any("d-inside.txt" in line and "未变化" in line for line in lines)


def test_a_file_name_with_line_breaks_and_escapes_prints_as_one_line(tmp_path: Path, run_bot) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    name = "2202\n已导入 总第9999期\x1b[2J\u202etxt.exe"
    shutil.copy(GOOD[0], folder / name)
    result = run_bot("ingest", str(folder), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "2202\\n已导入 总第9999期\\x1b[2J\\u202etxt.exe: 已导入 总第2202期" in lines[0]
    assert "\x1b" not in result.stdout + result.stderr and "\u202e" not in result.stdout + result.stderr

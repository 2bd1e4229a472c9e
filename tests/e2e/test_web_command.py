"""`run_bot.py web` as an operator runs it: it says where it listens and serves the archive
read-only; a database it cannot use, a stale index or a busy port is one Chinese line and exit 2."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from retrieval.archive import Archive
from tests.helpers import ROOT, SAMPLE_ARCHIVE
from tests.helpers.cli_run import make_stale
from tests.helpers.web_client import read_until_closed


def web(*args: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_DB"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def refused(*args: str) -> tuple[int, str]:
    process = web(*args)
    stdout, stderr = process.communicate(timeout=120)
    assert stdout == ""
    return process.returncode, stderr


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    path = tmp_path_factory.mktemp("web-command") / "archive.db"
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
    return path


def test_it_says_where_it_listens_serves_read_only_and_stops_on_sigterm(db: Path) -> None:
    before = db.stat().st_mtime_ns
    process = web("--db", str(db), "web", "--host", "127.0.0.1", "--port", "0")
    try:
        line = process.stdout.readline()  # printed once the socket listens
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line
        with urllib.request.urlopen(url[0] + "api/stats", timeout=30) as response:
            assert json.loads(response.read())["issues"] == 2
        with urllib.request.urlopen(url[0] + "issues/2022-10", timeout=30) as response:
            assert response.url.endswith("/issues/2202") and "总第2202期" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert db.stat().st_mtime_ns == before


def test_a_missing_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, stderr = refused("web", "--db", str(tmp_path / "none.db"), "--port", "0")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and stderr.startswith("错误：")
    assert not (tmp_path / "none.db").exists()


def test_a_damaged_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    code, stderr = refused("web", "--db", str(bad), "--port", "0")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "已损坏" in stderr


def test_a_stale_index_is_refused_naming_reindex(tmp_path: Path, db: Path) -> None:
    stale = tmp_path / "stale.db"
    shutil.copy(db, stale)
    make_stale(stale)
    code, stderr = refused("web", "--db", str(stale), "--port", "0")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "python run_bot.py reindex" in stderr


def test_a_busy_port_is_one_line_and_exit_2(db: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, stderr = refused("web", "--db", str(db), "--port", str(port))
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and str(port) in stderr


@pytest.mark.parametrize("rate", ["0/60", "3", "x/y", "5/0", "5/-1"])
def test_an_impossible_rate_is_refused_by_the_parser(db: Path, rate: str) -> None:
    code, stderr = refused("web", "--db", str(db), "--ask-rate", rate)
    assert code == 2 and "--ask-rate" in stderr


def test_a_slow_client_is_let_go_at_the_request_timeout(db: Path) -> None:
    """The flag reaches the server: half a request line gets its 408 and the connection closes."""
    process = web("--db", str(db), "web", "--port", "0", "--request-timeout", "1", "--send-timeout", "5")
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline())[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /issues/2202 HT")
            response, _ = read_until_closed(sock, 1 + 10)
        assert response.startswith(b"HTTP/1.1 408 ")
        assert "请求发送得太慢" in response.decode("utf-8")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0 and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--request-timeout", "0"),
        ("--request-timeout", "-1"),
        ("--request-timeout", "nan"),
        ("--send-timeout", "soon"),
        ("--send-timeout", "7200"),
        ("--base-url", "wenming.example.org"),
        ("--base-url", "ftp://wenming.example.org/"),
        ("--base-url", "https://user@wenming.example.org/"),
        ("--base-url", "https://wenming.example.org/a b"),
        ("--base-url", "https://wenming.example.org/archive?x=1"),
        ("--base-url", 'https://wenming.example.org/"><script>'),
    ],
)
def test_an_impossible_timeout_or_address_is_refused_by_the_parser(db: Path, flag: str, value: str) -> None:
    code, stderr = refused("web", "--db", str(db), flag, value)
    assert code == 2 and flag in stderr and "Traceback" not in stderr

"""The web app as its users meet it: `run_bot.py web` in a process of its own, on loopback.

Shared by the browser and load tests and by the web benchmarks and screenshots, so each of them
starts the app exactly as the README tells an operator to, against a real archive file, and
waits on the app answering (never on a fixed sleep).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple, Self

ROOT = Path(__file__).resolve().parent.parent
RUN_BOT = ROOT / "run_bot.py"
SAMPLE_ARCHIVE = ROOT / "data" / "raw"
DEV_ARCHIVE = ROOT / "data" / "eval" / "dev-archive" / "bulletins"
# `ingest`'s line for a file it added: "PATH: 已导入 总第2202期（…"
INGESTED = re.compile(r"^(?P<name>.+): 已导入 总第(?P<total>\d+)期（(?P<year>\d+)年")


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Ingested(NamedTuple):
    path: Path
    year: int


def build_archive(db: Path, *paths: Path, timeout: float = 300) -> dict[int, Ingested]:
    """Ingest bulletin files or folders into db with the real command line; for each 总期号 the
    file it was added from and its year, read from the command's own lines."""
    result = subprocess.run(
        [sys.executable, str(RUN_BOT), "ingest", "--db", str(db), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ingest failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    added = (INGESTED.match(line) for line in result.stdout.splitlines())
    return {int(m["total"]): Ingested(Path(m["name"]), int(m["year"])) for m in added if m}


class WebApp:
    """`run_bot.py web --db DB --host 127.0.0.1 --port PORT [extra…]` until stopped.

    Use as a context manager; `url` is the base URL once the app answers /api/stats."""

    def __init__(self, db: Path, log: Path, *extra: str, env: dict[str, str] | None = None, port: int | None = None):
        self.db = db
        self.log = log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable, str(RUN_BOT), "web", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port),
            *extra,
        ]  # fmt: skip
        self.env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_DB"} | (env or {})
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float) -> dict:
        """Poll /api/stats until it answers 200 with JSON, the process dies, or the deadline passes."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web app exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url + "/api/stats", timeout=2) as response:
                    if response.status == 200:
                        return json.loads(response.read())
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
                last = exc
            time.sleep(0.05)  # a poll interval, not a wait for readiness: readiness is the answer above
        raise TimeoutError(f"web app did not answer /api/stats within {timeout} s ({last!r}):\n{self.log_text()}")

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM (uvicorn's graceful shutdown), SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=timeout)

    def log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

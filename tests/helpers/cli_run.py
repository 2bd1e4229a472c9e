"""The command line run as a user runs it: `python run_bot.py ...` in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def run(*args: str, cwd: Path = ROOT, env: dict | None = None, stdin: str | None = None, script: Path | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "ARCHIVE_DB"} | (env or {})
    return subprocess.run(
        [sys.executable, str(script or ROOT / "run_bot.py"), *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_stale(path: Path) -> None:
    """As if the index had been built by an older analysis."""
    with sqlite3.connect(path) as conn:
        held = json.loads(conn.execute("SELECT value FROM index_meta WHERE key = 'fingerprint'").fetchone()[0])
        held["pipeline"] -= 1
        conn.execute("UPDATE index_meta SET value = ? WHERE key = 'fingerprint'", [json.dumps(held, sort_keys=True)])

"""The end-to-end tests' fixtures: for the bot, one archive, one Bot API stand-in and one bot
process per test module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot_api_standin import BotApiStandIn
from tests.helpers import ROOT, SAMPLE_ARCHIVE
from tests.helpers.bot_process import CHATS, TOKEN, start_bot, stop_bot, write_long_issue


@pytest.fixture(autouse=True)
def end_to_end() -> None:
    """Every test here runs the product as a user does: its processes, servers and a browser. The
    fixture's name puts them in the slow tier (tests/conftest.py)."""


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bot")
    long_issue = write_long_issue(folder)
    db = folder / "archive.db"
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "ingest", "--db", str(db), str(SAMPLE_ARCHIVE), str(long_issue)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return db


@pytest.fixture(scope="module")
def standin():
    with BotApiStandIn(TOKEN, privacy_mode=False) as server:
        yield server


@pytest.fixture(scope="module")
def bot_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("log") / "bot.log"


@pytest.fixture(scope="module")
def bot(standin: BotApiStandIn, archive_db: Path, bot_log: Path):
    process = start_bot(standin, archive_db, bot_log)
    yield process
    if process.poll() is None:
        stop_bot(process)


@pytest.fixture
def chat() -> int:
    """A private chat (and user) of its own per test, so rate limits and messages never mix."""
    return next(CHATS)

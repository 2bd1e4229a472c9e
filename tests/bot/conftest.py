"""The bot's in-process fixtures: the real Application over a real archive, its Bot API answered by
the stand-in without HTTP. Nothing here starts a server or a process, so handler tests stay in the
quick tier; what needs the process and the network is tested in tests/e2e."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import BotSettings
from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.bot_api_standin import BotApiStandIn
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.bot_in_process import InProcessBot
from tests.helpers.bot_process import ADMIN, CHATS, TOKEN, write_long_issue


@pytest.fixture(scope="module")
def bot_archive_db(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Path:
    """The sample bulletins and one long issue, as `run_bot.py ingest` stores them; the bot's
    state file (saved questions, subscriptions) lives beside it."""
    folder = tmp_path_factory.mktemp("bot")
    long_issue = write_long_issue(folder)
    db = folder / "archive.db"
    with Archive(db, tokenizer) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE, long_issue]))
    assert [r.error for r in reports] == [None] * len(reports)
    return db


@pytest.fixture
def api() -> BotApiStandIn:
    """The Bot API stand-in, never started: it answers in-process only."""
    return BotApiStandIn(TOKEN, privacy_mode=False)


@pytest.fixture
def telegram_app(api: BotApiStandIn, bot_archive_db: Path, tokenizer: Tokenizer) -> Iterator[InProcessBot]:
    """The project's Application, built by build_application as serve builds it (the archive
    opened read-only), initialized and handling every update pushed into `api`."""
    settings = BotSettings(token=TOKEN, admin_ids=frozenset({ADMIN, 1002}))
    archive = Archive(bot_archive_db, tokenizer, readonly=True)  # closed by the application's shutdown
    with InProcessBot(api, settings, archive) as running:
        yield running


@pytest.fixture
def chat() -> int:
    """A private chat (and user) of its own per test."""
    return next(CHATS)

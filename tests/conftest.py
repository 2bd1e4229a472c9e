"""Fixtures every test folder shares, the hypothesis profile, and the quick tier.

The quick tier (`pytest -m "not slow"`) leaves out every test that starts something real and slow:
a process, an HTTP server, a browser, OCR. A test is marked by the fixtures it uses, directly or
through other fixtures (SLOW_FIXTURES), here and nowhere else, so a new test lands in the right
tier by what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

# The shared checks report like a test's own asserts: registered before they are imported.
pytest.register_assert_rewrite("tests.helpers")

from retrieval.archive import Archive  # noqa: E402
from retrieval.tokenize import Tokenizer  # noqa: E402
from tests.helpers import SAMPLE_ARCHIVE  # noqa: E402
from tests.helpers.properties import load_profile  # noqa: E402

load_profile()

SLOW_FIXTURES = frozenset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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

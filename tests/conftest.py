from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARCHIVE = ROOT / "data" / "raw"
ISSUE_2202 = SAMPLE_ARCHIVE / "000_f4e19954fc935b60.txt"
ISSUE_2126 = SAMPLE_ARCHIVE / "001_a4f5a830c984352f.txt"


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

from __future__ import annotations

import pytest

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.web_client import DEV_ARCHIVE


@pytest.fixture(scope="module")
def research_db(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> str:
    """An archive of the sample and dev bulletins (24 issues over 2019-2025, recurring themes),
    for the commands that narrow, count and relate."""
    path = tmp_path_factory.mktemp("research") / "archive.db"
    with Archive(path, tokenizer) as archive:
        assert all(report.ok for report in archive.ingest([SAMPLE_ARCHIVE, DEV_ARCHIVE]))
    return str(path)

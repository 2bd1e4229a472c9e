"""The web tests' archives and client: built once per module."""

from __future__ import annotations

import io
import os
import warnings
import zipfile

import pytest

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.helpers.office import bulletin_docx
from tests.helpers.web_client import NO_LIMIT, LargeOriginal, build_archive, served
from web.app import create_app

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 and says so on import; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    path = build_archive(tmp_path_factory.mktemp("web") / "archive.db", tokenizer)
    with Archive(path, tokenizer, readonly=True) as archive:
        yield archive


@pytest.fixture(scope="module")
def client(web_archive: Archive):
    """The app without a question limit (the limit has tests of its own); a bug raises in the test."""
    with TestClient(create_app(web_archive, ask_rate=NO_LIMIT), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def large_original(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    """A Word bulletin carrying a 12 MB scan that does not compress, stored as it came: more than
    a loopback socket's buffers take from a client that reads nothing (a few MB here)."""
    buffer = io.BytesIO(bulletin_docx())
    with zipfile.ZipFile(buffer, "a") as docx:
        docx.writestr(zipfile.ZipInfo("word/media/scan.bin"), os.urandom(12 * 1024 * 1024), zipfile.ZIP_STORED)
    folder = tmp_path_factory.mktemp("large")
    (folder / "large.docx").write_bytes(buffer.getvalue())
    with Archive(folder / "archive.db", tokenizer) as archive:
        (report,) = archive.ingest([folder / "large.docx"])
    assert report.error is None
    with Archive(folder / "archive.db", tokenizer, readonly=True) as archive:
        yield LargeOriginal(archive, report.ref.total, buffer.getvalue())


@pytest.fixture(scope="session")
def uvicorn():
    """`with uvicorn(app, limits) as server:` the app served by a real uvicorn over sockets, in a
    thread (tests/helpers/web_client.py's served)."""
    return served

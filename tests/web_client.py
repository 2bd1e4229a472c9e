"""Shared by the web route tests (a plugin: `pytest_plugins = ["web_client"]`): a real archive file
of the sample and dev bulletins, opened read-only as `run_bot.py web` opens it, the app over it,
and the page contract every page keeps."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
import uvicorn
from conftest import ROOT, SAMPLE_ARCHIVE
from fixtures.office import bulletin_docx

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from web.app import create_app
from web.server import ClientLimits, uvicorn_config

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 and says so on import; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DEV_ARCHIVE = ROOT / "data" / "eval" / "dev-archive" / "bulletins"
NO_LIMIT = (1_000_000, 1.0)
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def build_archive(path: Path, tokenizer: Tokenizer) -> Path:
    """The two sample bulletins and the 24 of the dev archive: 26 issues over seven years."""
    with Archive(path, tokenizer) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE, DEV_ARCHIVE]))
    assert [r.error for r in reports] == [None] * 26
    return path


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


@dataclass(frozen=True)
class LargeOriginal:
    """An archive holding one issue whose original file is several megabytes."""

    archive: Archive
    total: int
    data: bytes


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


@dataclass(frozen=True)
class Served:
    server: uvicorn.Server
    port: int
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        """Client connections the server holds open now."""
        return len(self.server.server_state.connections)

    def buffered(self) -> int:
        """Bytes of responses the server holds in memory, written but not yet taken by the kernel."""
        connections = list(self.server.server_state.connections)
        return sum(connection.transport.get_write_buffer_size() for connection in connections)

    def connect(self, **options: int) -> socket.socket:
        """A raw client socket to the server; options are SOL_SOCKET settings made before connecting."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        for name, value in options.items():
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, name), value)
        sock.connect(("127.0.0.1", self.port))
        return sock


@contextmanager
def served(app, limits: ClientLimits | None = None) -> Iterator[Served]:
    """The app under uvicorn exactly as `run_bot.py web` configures it (web.server), on a loopback
    port, in a thread of its own, until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(app, limits or ClientLimits()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), 30, "uvicorn did not start")
        assert thread.is_alive(), "uvicorn stopped at start-up"
        yield Served(server, listener.getsockname()[1], thread)
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        listener.close()


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll a condition until it holds; fail naming `what` past the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.01)  # a poll interval: the wait is for the condition


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (EOF or reset), and how many
    seconds that took; fails if it is still open after `timeout`."""
    start, received = time.monotonic(), b""
    try:
        while True:
            sock.settimeout(max(0.001, start + timeout - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        raise AssertionError(f"the server still holds the connection after {timeout} s") from None
    return received, time.monotonic() - start


def make_client(app, **kwargs) -> TestClient:
    return TestClient(app, follow_redirects=False, **kwargs)


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def assert_page_contract(html: str, path: str) -> lxml.html.HtmlElement:
    """What every page has: Chinese, a title, an absolute canonical URL for its path, the phone
    viewport, the search form in the header, and no inline script or style."""
    doc = parse(html)
    assert doc.get("lang") == "zh-CN"
    assert doc.findtext(".//title").strip()
    (canonical,) = doc.xpath("//head/link[@rel='canonical']/@href")
    assert urlsplit(canonical).scheme == "http" and urlsplit(canonical).netloc == "testserver"
    assert urlsplit(canonical).path == urlsplit(path).path
    assert doc.xpath("//head/meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    (form,) = doc.xpath("//header//form[@role='search']")
    assert (form.get("action"), form.get("method")) == ("/ask", "get")
    assert form.xpath(".//label[@for='q']")
    (box,) = form.xpath(".//input[@id='q']")
    assert (box.get("name"), box.get("type"), box.get("maxlength")) == ("q", "search", "1000")
    assert form.xpath(".//button[@type='submit']")
    assert all(script.get("src", "").startswith("/static/") for script in doc.iter("script"))
    assert not doc.xpath("//*[@style]") and not doc.xpath("//style")
    assert all(href.startswith("/static/") for href in doc.xpath("//link[@rel='stylesheet']/@href"))
    return doc

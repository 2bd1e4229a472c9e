"""Shared by the web tests: a real archive file of the sample and dev bulletins (the fixtures in
tests/web/conftest.py open it read-only, as `run_bot.py web` does), a real uvicorn server, and the
page contract every page keeps."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import uvicorn

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.helpers import ROOT, SAMPLE_ARCHIVE
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


@dataclass(frozen=True)
class LargeOriginal:
    """An archive holding one issue whose original file is several megabytes."""

    archive: Archive
    total: int
    data: bytes


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


class PieceCounter:
    """The archive, counting the bytes read from its stored files."""

    def __init__(self, archive):
        self.archive = archive
        self.read = 0

    def source_piece(self, sha256: str, offset: int, size: int) -> bytes | None:
        piece = self.archive.source_piece(sha256, offset, size)
        self.read += len(piece or b"")
        return piece

    def __getattr__(self, name):
        return getattr(self.archive, name)


class FailingArchive:
    """Stands in for the archive: every call raises what `error` makes."""

    def __init__(self, error):
        self.error = error

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise self.error()

        return fail

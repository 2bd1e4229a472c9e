"""An issue's original file is streamed: read from the archive a piece (1 MiB) at a time and sent
in 64 KiB parts as the client takes them, with its whole length said up front, so a download
holds one piece in memory, never the file. Checked over real HTTP against uvicorn, 12 MB file."""

from __future__ import annotations

import logging
import math

import httpx
import pytest

from retrieval.models import SourceFile
from tests.helpers.web_client import NO_LIMIT, PieceCounter, make_client
from web import compose
from web.app import create_app
from web.compose import PIECE_BYTES
from web.original import SEND_BYTES


class BodyRecorder:
    """ASGI middleware around the app: the size of every piece of body it sends."""

    def __init__(self, app):
        self.app = app
        self.state = app.state
        self.pieces: list[int] = []

    async def __call__(self, scope, receive, send):
        async def recording(message):
            if message["type"] == "http.response.body" and message.get("body"):
                self.pieces.append(len(message["body"]))
            await send(message)

        await self.app(scope, receive, recording)


def test_a_large_original_arrives_whole_sent_a_piece_at_a_time(large_original, uvicorn) -> None:
    app = BodyRecorder(create_app(PieceCounter(large_original.archive), ask_rate=NO_LIMIT))
    size = len(large_original.data)
    with uvicorn(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        with client.stream("GET", f"/issues/{large_original.total}/original") as response:
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == size
            received = b"".join(response.iter_bytes())
    assert received == large_original.data
    assert sum(app.pieces) == size
    assert max(app.pieces) == SEND_BYTES and len(app.pieces) == math.ceil(size / SEND_BYTES)
    assert app.state.worker.archive.read == size  # and read from the archive once, a piece at a time


def test_a_head_request_says_the_length_and_reads_nothing(large_original) -> None:
    archive = PieceCounter(large_original.archive)
    client = make_client(create_app(archive, ask_rate=NO_LIMIT))
    response = client.head(f"/issues/{large_original.total}/original")
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(large_original.data)
    assert response.headers["content-disposition"] == "attachment; filename=\"large.docx\"; filename*=UTF-8''large.docx"
    assert archive.read == 0


class DroppedMidway(PieceCounter):
    """The archive, with the file gone (an ingest replaced it) after its first pieces were read."""

    def source_piece(self, sha256: str, offset: int, size: int) -> bytes | None:
        return super().source_piece(sha256, offset, size) if offset < 3 * PIECE_BYTES else None


def test_a_file_dropped_midway_ends_the_download_short_never_wrong(large_original, caplog, uvicorn) -> None:
    """The client gets fewer bytes than the Content-Length it was promised, so it knows the file
    is incomplete; the log has one line for it and no traceback; the server goes on serving."""
    app = create_app(DroppedMidway(large_original.archive), ask_rate=NO_LIMIT)
    caplog.set_level(logging.WARNING)
    with uvicorn(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        received = b""
        with pytest.raises(httpx.RemoteProtocolError):
            with client.stream("GET", f"/issues/{large_original.total}/original") as response:
                assert int(response.headers["content-length"]) == len(large_original.data)
                for chunk in response.iter_bytes():
                    received += chunk
        assert received == large_original.data[: 3 * PIECE_BYTES]
        assert client.get("/healthz").text == "ok"
    assert any("download cut short" in record.getMessage() for record in caplog.records)
    assert not any(record.exc_info for record in caplog.records)


class StoredBytes:
    """An archive holding one file, read in pieces as the real one reads them."""

    def __init__(self, data: bytes):
        self.data = data

    def source_piece(self, sha256: str, offset: int, size: int) -> bytes | None:
        return self.data[offset : offset + size]


@pytest.mark.parametrize(
    ("data", "utf8"),
    [
        ("a" * (PIECE_BYTES - 1) + "文明", True),
        ("a" * (PIECE_BYTES - 3) + "文", True),
        ("首都精神文明建设" * 100_000, True),
        ("首都精神文明建设情况简报" * 100_000, False),  # the same kind of text, as GB18030
        ("", True),
    ],
    ids=["a piece ends inside a character", "a piece ends with a character", "several pieces", "GB18030", "empty"],
)
def test_text_is_recognised_as_utf8_a_piece_at_a_time(data: str, utf8: bool) -> None:
    raw = data.encode("utf-8" if utf8 else "gb18030")
    file = SourceFile(sha256="0" * 64, name="2202.txt", format="txt", size=len(raw), pages=None)
    assert compose.is_utf8(StoredBytes(raw), file) is utf8
    if utf8 and raw:  # the file ends inside a character: not UTF-8
        assert compose.is_utf8(StoredBytes(raw[:-1]), file) is False

"""An issue's original file as a download: sent a piece at a time as the client takes it (never
held whole), with its type, its length, and a filename any browser saves safely."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import quote

from starlette.responses import StreamingResponse
from starlette.types import Send

from .compose import Original
from .security import CONTENT_SECURITY_POLICY

logger = logging.getLogger(__name__)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "txt": "text/plain",
}
# A stored web page is the archive's, not the site's: never run as part of this origin.
ORIGINAL_POLICY = CONTENT_SECURITY_POLICY + "; sandbox"

ReadPiece = Callable[[int], Awaitable[bytes | None]]
# A piece is handed to the server this much at a time, so its buffer for a client that reads
# slowly stays this small (the socket's send waits until the client takes it).
SEND_BYTES = 64 * 1024


class FileGone(Exception):
    """The file was dropped from the archive (an ingest replaced it) while it was being sent."""


class Download(StreamingResponse):
    """A stored file sent piece by piece: one piece in memory at a time, each read from the
    archive only when the client has taken the one before (each send waits on the socket)."""

    def __init__(self, original: Original, read: ReadPiece, *, head: bool = False):
        self.original = original
        pieces = _nothing() if head else self._pieces(read)
        super().__init__(
            pieces,
            headers={
                "Content-Type": media_type(original.file.format, original.utf8),
                "Content-Length": str(original.file.size),
                "Content-Disposition": content_disposition(original.filename),
                "Content-Security-Policy": ORIGINAL_POLICY,
            },
        )

    async def _pieces(self, read: ReadPiece) -> AsyncIterator[memoryview]:
        offset, size = 0, self.original.file.size
        while offset < size:
            piece = await read(offset)
            if not piece:
                raise FileGone(f"the original file of issue {self.original.ref.total} was dropped while being sent")
            offset += len(piece)
            view = memoryview(piece)
            for start in range(0, len(view), SEND_BYTES):
                yield view[start : start + SEND_BYTES]

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except FileGone as exc:
            # The response ends unfinished: the server closes the connection, and the client, short
            # of the Content-Length it was promised, knows the file is incomplete.
            logger.warning("%s; download cut short", exc)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover (an async generator that yields nothing)


def media_type(fmt: str, utf8: bool) -> str:
    """The format's type; text says its charset only when it is UTF-8 (exports may be GB18030)."""
    kind = MEDIA_TYPES.get(fmt, "application/octet-stream")
    return f"{kind}; charset=utf-8" if utf8 and kind.startswith("text/") else kind


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback name and the real one in RFC 5987's filename*."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;%' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

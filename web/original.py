"""An issue's original file as a download: its type, and a filename any browser saves safely."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from bot.conversation import SourceDocument

from .security import CONTENT_SECURITY_POLICY

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "txt": "text/plain",
}
# A stored web page is the archive's, not the site's: never run as part of this origin.
ORIGINAL_POLICY = CONTENT_SECURITY_POLICY + "; sandbox"


def download(document: SourceDocument) -> Response:
    """The file's bytes as an attachment (never shown inline, so a stored web page cannot act
    as one of this site's pages)."""
    return Response(
        document.data,
        headers={
            "Content-Type": media_type(document.file.format, document.data),
            "Content-Disposition": content_disposition(document.filename),
            "Content-Security-Policy": ORIGINAL_POLICY,
        },
    )


def media_type(fmt: str, data: bytes) -> str:
    """The format's type; text says its charset only when it is UTF-8 (exports may be GB18030)."""
    kind = MEDIA_TYPES.get(fmt, "application/octet-stream")
    if kind.startswith("text/"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return kind
        return f"{kind}; charset=utf-8"
    return kind


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback name and the real one in RFC 5987's filename*."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;%' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

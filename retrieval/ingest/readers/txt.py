"""Text exports (UTF-8, UTF-16 with BOM, GB18030). A form feed, as pdftotext writes between
pages, starts a new page."""

from __future__ import annotations

from ..decode import decode_bulletin
from .document import Document, Progress


def read(data: bytes, progress: Progress | None = None) -> Document:
    text = decode_bulletin(data)
    if "\f" not in text.strip("\f\n "):
        return Document(text=text.replace("\f", ""), format="txt")
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page)
    # A page's text ends with its own line break; one that does not continues on the next page.
    return Document(text="".join(pages), format="txt", page_starts=tuple(starts))

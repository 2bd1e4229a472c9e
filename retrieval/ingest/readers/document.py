"""What every reader returns: the bulletin's text in reading order, and where its pages start."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

# Called as progress(done, total, ocr) while a reader works through pages: pages done of all,
# and whether the page just done was read by OCR (seconds a page, against milliseconds).
Progress = Callable[[int, int, bool], None]


@dataclass(frozen=True)
class Document:
    """A file's text for the parser.

    `text` holds one paragraph per line (blank lines between are allowed), the layout of a text
    export: the parser mends what is left (a sentence cut at a page break, line-wrap spaces).
    `page_starts[i]` is the offset in `text` where page i + 1 begins (so the first is 0); empty
    for formats without pages.
    """

    text: str
    format: str
    """One of FORMATS' keys: "pdf", "docx", "html", "txt"."""
    page_starts: tuple[int, ...] = ()
    ocr_pages: int = 0
    """Pages whose text came from OCR."""
    ocr_confidence: float | None = None
    """Mean recognition confidence (0–1) over the OCR'd text, None without OCR."""
    turned_pages: int = 0
    """Scanned pages that lay sideways or upside down and were turned to be read."""
    unreadable_pages: tuple[int, ...] = ()
    """Scanned pages (1-based) OCR could read nothing from, whichever way up: left out."""

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_at(self, offset: int) -> int | None:
        """1-based page of the character at offset; None when the source has no pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

"""Layout analysis shared by the PDF text layer and OCR: lines in page coordinates -> the
bulletin's text, one paragraph per line, with the offsets where pages start.

A PDF only knows lines, so paragraphs are rebuilt: a line opens a paragraph when it is indented,
centred (a heading), set right (an attribution), in another type size, or after a wider gap than
the usual line pitch; the line before it closes one when it ends short of the right margin. Page
numbers (— 2 —, -2-, 第 2 页) and running headers and footers (the same text at the same place on
at least half of the pages) are dropped, and a paragraph that runs on over a page or column break
is joined across it, so a sentence cut by the break comes out whole.

The steps are modules of their own: lines.py (parameters, lines, rows), tables.py,
furniture.py, page_frame.py (margins and pitch), reading_order.py (columns) and paragraphs.py;
this one runs them in order.
"""

from __future__ import annotations

from .document import Document
from .furniture import drop_furniture
from .lines import LAYOUT, LAParams, PageText
from .page_frame import body_frame
from .paragraphs import assemble, paragraphs
from .tables import join_table_rows


def build_document(pages: list[PageText], la: LAParams = LAYOUT) -> Document:
    """Pages' lines -> the Document: furniture dropped, reading order, paragraphs, page offsets."""
    frame = body_frame(pages, la)
    if frame is not None:
        join_table_rows(pages, la)  # first: a table's number cells are not page numbers
        drop_furniture(pages, frame.size, la)
        frame = body_frame(pages, la) or frame
        text, starts = assemble(paragraphs(pages, frame, la), len(pages))
    else:
        text, starts = "", tuple(0 for _ in pages)
    scanned = [page for page in pages if page.ocr]
    chars = sum(page.chars for page in scanned)
    confidence = sum(page.confidence * page.chars for page in scanned) / chars if chars else None
    if scanned and confidence is None:
        confidence = 0.0
    return Document(
        text=text,
        format="pdf",
        page_starts=starts,
        ocr_pages=len(scanned),
        ocr_confidence=confidence,
        turned_pages=sum(1 for page in scanned if page.turn),
        unreadable_pages=tuple(page.number for page in scanned if page.unreadable),
    )

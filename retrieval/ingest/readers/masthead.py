"""A masthead printed as a picture on a PDF page with a usable text layer.

The red title 首都精神文明建设情况简报 is often artwork, and sometimes the whole block under it
(第N期, 总第N期, the issuer, the date) is too. The page has text, so it is not a scan, but its text
layer lacks what the parser needs first. When page 1's text lacks a part of the masthead, only
the pictures in the top of the page are rendered and recognised, and the lines read there join
the text layer's lines of page 1 at their place. A page whose text holds the masthead costs a
search of its text and nothing more.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from ...errors import NotABulletin, OcrUnavailable
from ...models import BULLETIN_TITLE
from .lines import Line, PageText

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MastheadParams:
    """Where a masthead picture is looked for and when its reading is trusted."""

    top_share: float = 1 / 3
    """A picture is part of the masthead when its top edge lies in this top share of page 1..."""
    bottom_share: float = 0.5
    """...and its bottom edge in this share (a frame around the whole page is not)."""
    min_side: float = 8.0
    """Points: a picture narrower or lower than this (a rule, a dot) holds no line of text."""
    pad: float = 6.0
    """Points of margin rendered around the pictures, so no edge cuts a glyph."""
    min_confidence: float = 0.8
    """Mean recognition score below which a masthead reading is not trusted: its numbers would
    be stored as the issue's."""


MASTHEAD = MastheadParams()

# The parser's patterns for the masthead's parts (parse.py), looser: they only tell present from absent.
_TOTAL = re.compile(r"总第\d+期")
_NUMBER = re.compile(r"第\d+期")
_DATE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|[〇零○Ｏ一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
)
_LABELS = {
    "title": f"报头“{BULLETIN_TITLE}”",
    "number": "期号（第N期）",
    "total": "总期号（总第N期）",
    "date": "日期（如 2022年4月29日）",
}


def missing(lines: list[Line]) -> list[str]:
    """The parts of the masthead a page's lines lack anywhere: "title", "number", "total", "date".
    Lines are top to bottom, so a title set over two lines is found joined."""
    text = "".join(unicodedata.normalize("NFKC", line.text) for line in lines)
    text = "".join(text.split())
    parts = []
    if BULLETIN_TITLE not in text:
        parts.append("title")
    if not _NUMBER.search(_TOTAL.sub("", text)):
        parts.append("number")
    if not _TOTAL.search(text):
        parts.append("total")
    if not _DATE.search(text):
        parts.append("date")
    return parts


def complete(page, first: PageText, params: MastheadParams = MASTHEAD) -> None:
    """Add the masthead read from pictures to page 1's lines, in place, when its text lacks it.

    Raises OcrUnavailable when the masthead is a picture and OCR is not installed, NotABulletin
    when the picture's reading does not give what the text lacks (or is not trusted). A page
    lacking a masthead with no picture at its top is left as it is: the parser says what is missing.
    """
    lacking = missing(first.lines)
    if not lacking:
        return
    box = picture_box(page, params)
    if box is None:
        return
    from . import ocr

    if not ocr.available():
        raise OcrUnavailable(f"PDF 第 1 页的报头似乎是图片（文字层里没有报头），需要 OCR 才能读取：{ocr.INSTALL}")
    lines, confidence = ocr.read_region(page, box)
    lines = [line for line in lines if not any(_overlap(line, text) for text in first.lines)]
    merged = sorted([*lines, *first.lines], key=lambda line: line.top)
    log.info("page 1: masthead picture read by OCR: %d lines, confidence %.3f", len(lines), confidence)
    if missing(merged) or confidence < params.min_confidence:
        labels = "、".join(_LABELS[part] for part in lacking)
        raise NotABulletin(
            f"不是简报：缺少{labels}；第 1 页顶部的报头似乎是图片，OCR 未能可靠识别其中的文字"
            "（可改为导入这一期的 Word 文件、网页或报头为文字的 PDF）"
        )
    first.lines = [*lines, *first.lines]


def picture_box(page, params: MastheadParams = MASTHEAD) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) in points from the top-left corner around the pictures (images,
    forms) at the top of the page, or None without any. Top-down, as the text layer's lines."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    left0, bottom0, _, top0 = page.get_bbox()
    height = top0 - bottom0
    bounds = [ctypes.c_float() for _ in range(4)]
    found: list[tuple[float, float, float, float]] = []
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        if pdfium_c.FPDFPageObj_GetType(obj) not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(b) for b in bounds)):
            continue
        left, bottom, right, top = (b.value for b in bounds)
        box = (left - left0, top0 - top, right - left0, top0 - bottom)
        if min(box[2] - box[0], box[3] - box[1]) < params.min_side:
            continue
        if box[1] <= params.top_share * height and box[3] <= params.bottom_share * height:
            found.append(box)
    if not found:
        return None
    pad = params.pad
    return (
        min(b[0] for b in found) - pad,
        min(b[1] for b in found) - pad,
        max(b[2] for b in found) + pad,
        max(b[3] for b in found) + pad,
    )


def _overlap(read: Line, text: Line) -> bool:
    """A recognised line over a line of the text layer: the text layer's is kept."""
    across = min(read.x1, text.x1) - max(read.x0, text.x0)
    down = min(read.bottom, text.bottom) - max(read.top, text.top)
    return across > 0 and down >= 0.5 * min(read.bottom - read.top, text.bottom - text.top)

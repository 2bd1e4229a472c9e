"""PDF reader: the text layer through pdfium, OCR for pages whose text layer is missing or garbled.

Characters and their boxes become lines here; layout.py turns the lines of every page, from the
text layer or from OCR alike, into the bulletin's text (one paragraph per line, page starts).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import re
import statistics
import threading
import unicodedata
from dataclasses import dataclass

from ...errors import DamagedFile, EncryptedPdf, OcrUnavailable, TooManyOcrPages, TooManyPages, UnreadableFile
from ...text import CJK
from . import masthead, pdf_budget
from .document import Document, Progress
from .layout import build_document
from .lines import LAYOUT, LAParams, Line, PageText, ascii_word

log = logging.getLogger(__name__)

MAX_PAGES = 200
MAX_OCR_PAGES = 12
"""A scanned bulletin has 2–12 pages; OCR takes 1.5–2.5 s a page on 2 cores, so 12 pages is the
most that reads within the 30 s a file may cost. Checked before the first page is recognised."""
EOF_WINDOW = 4096
"""A complete PDF ends with %%EOF; some writers append a little junk after it."""
_TRUNCATED = "PDF 文件不完整（可能下载或复制时被截断），请重新获取完整文件后再导入。"
_DAMAGED = "PDF 文件已损坏，无法打开：请重新导出或下载后再导入。"
_PDFIUM = threading.RLock()
"""PDFium is not thread-safe: one document at a time per process."""


def read(data: bytes, progress: Progress | None = None) -> Document:
    """Read a PDF; raises EncryptedPdf, DamagedFile, TooManyPages, ContentTooLarge or OcrUnavailable,
    or NotABulletin when page 1's masthead is a picture OCR cannot read (see masthead.py)."""
    with _PDFIUM:
        pdf = _open(data)
        try:
            pdf_budget.check(data)  # before pdfium inflates any page's content
            pages = _read_pages(pdf, progress)
        finally:
            pdf.close()
    return build_document(pages, LAYOUT)


# --- opening --------------------------------------------------------------------------------


def _open(data: bytes):
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    truncated = b"%%EOF" not in data[-EOF_WINDOW:]
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedPdf("PDF 已加密，请先去除密码保护后再导入。") from None
        raise DamagedFile(_TRUNCATED if truncated else _DAMAGED) from None
    pages = len(pdf)
    problem: UnreadableFile | None = None
    if truncated:  # pdfium may rebuild what is left; the pages lost with the end would be missing
        problem = DamagedFile(_TRUNCATED)
    elif pages == 0:
        problem = DamagedFile("PDF 里没有任何页面，请检查文件后再导入。")
    elif pages > MAX_PAGES:
        problem = TooManyPages(f"PDF 共 {pages} 页，超过 {MAX_PAGES} 页上限，不像是一期简报；请拆分后逐期导入。")
    if problem:
        pdf.close()
        raise problem
    return pdf


def _load_page(pdf, index: int):
    import pypdfium2

    try:
        return pdf[index]
    except pypdfium2.PdfiumError:
        raise DamagedFile(f"PDF 第 {index + 1} 页已损坏，无法读取：请重新导出后再导入。") from None


def _read_pages(pdf, progress: Progress | None) -> list[PageText]:
    """Every page's lines: from the text layer where it can be trusted, else from OCR."""
    total = len(pdf)
    pages: list[PageText | None] = []
    for index in range(total):
        page = _load_page(pdf, index)
        try:
            pages.append(_text_layer(page, index + 1))
            if index == 0 and pages[0] is not None:
                masthead.complete(page, pages[0])  # a masthead printed as a picture
        finally:
            page.close()
        if pages[-1] is not None and progress:
            progress(sum(p is not None for p in pages), total, False)
    wanted = [i for i, page in enumerate(pages) if page is None]
    if wanted:
        _ocr_pages(pdf, pages, wanted, progress)
    return pages  # type: ignore[return-value]


def _ocr_pages(pdf, pages: list[PageText | None], wanted: list[int], progress: Progress | None) -> None:
    from . import ocr

    if len(wanted) > MAX_OCR_PAGES:
        raise TooManyOcrPages(
            f"PDF 有 {len(wanted)} 页需要 OCR（扫描页或文字层不可用），超过 {MAX_OCR_PAGES} 页上限，不像是一期简报；"
            "请拆分后逐期导入，或导入带文字层的 PDF。"
        )
    if not ocr.available():
        raise OcrUnavailable(_ocr_missing_message(wanted, len(pages), ocr.INSTALL))
    log.info("OCR for %d of %d pages", len(wanted), len(pages))
    for index in wanted:
        page = _load_page(pdf, index)
        try:
            pages[index] = ocr.read_page(page, index + 1)
        finally:
            page.close()
        if progress:
            progress(sum(p is not None for p in pages), len(pages), True)


def _ocr_missing_message(wanted: list[int], total: int, install: str) -> str:
    if len(wanted) == total:
        return f"这是扫描件（没有文字层），需要 OCR：{install}"
    listed = "、".join(str(i + 1) for i in wanted[:5]) + ("等" if len(wanted) > 5 else "")
    return f"PDF 第 {listed} 页没有可用的文字层（扫描页或乱码），需要 OCR：{install}"


# --- the text layer -------------------------------------------------------------------------

SPARSE_TEXT = 100
"""A page with fewer characters of text than this is checked for being a scan: no text, or a
scanner's stamp over an image filling half the page."""
OUTLINED_TEXT_PATHS = 20
"""A page without text but with this many vector paths probably shows text drawn as outlines."""
_SPACES = frozenset((0x20, 0xA0, 0x3000, 0x09, 0x2002, 0x2003, 0x2009))
_BREAKS = frozenset((0x0A, 0x0D, 0x0C, 0x2028, 0x2029))


@dataclass(slots=True)
class _Char:
    ch: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    space_before: int
    """What comes right before this character: 0 nothing, 1 a space pdfium inferred from a gap,
    2 a space character of the PDF."""


def _text_layer(page, number: int) -> PageText | None:
    """The page's lines from its text layer, or None when the page needs OCR."""
    left, bottom, right, top = page.get_bbox()
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage, left, top)
    finally:
        textpage.close()
    if len(chars) < SPARSE_TEXT:
        covered, paths = _marks(page)
        if covered >= (0.5 if chars else 0.05) or (not chars and paths >= OUTLINED_TEXT_PATHS):
            log.info("page %d: a scan (%d characters of text), sent to OCR", number, len(chars))
            return None
    if chars and not text_layer_usable("".join(c.ch for c in chars)):
        log.info("page %d: text layer unusable, sent to OCR", number)
        return None
    return PageText(number, right - left, top - bottom, _lines(chars, LAYOUT) if chars else [])


def _chars(textpage, left: float, top: float) -> list[_Char]:
    """The page's drawn characters (not pdfium's generated spaces and breaks), top-down coordinates."""
    import pypdfium2.raw as pdfium_c

    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    unicode_of, generated = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_IsGenerated
    loose_box, font_size = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetFontSize
    map_error = pdfium_c.FPDFText_HasUnicodeMapError
    chars = []
    space = 0
    for i in range(pdfium_c.FPDFText_CountChars(textpage)):
        code = unicode_of(textpage, i)
        if code in _SPACES:
            space = max(space, 1 if generated(textpage, i) else 2)
            continue
        if generated(textpage, i) or code in _BREAKS:
            space = 0
            continue
        if not loose_box(textpage, i, box_ref):
            continue
        ch = "\ufffd" if code == 0 or map_error(textpage, i) == 1 else _char(code)
        size = font_size(textpage, i) or (box.top - box.bottom)
        chars.append(_Char(ch, box.left - left, box.right - left, top - box.top, top - box.bottom, size, space))
        space = 0
    return chars


def _char(code: int) -> str:
    if code > 0x10FFFF:
        return "\ufffd"
    if 0x2F00 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF:
        # Kangxi radicals and compatibility ideographs some fonts map their glyphs to: ⽂ -> 文
        return unicodedata.normalize("NFKC", chr(code))
    return chr(code)


def _marks(page) -> tuple[float, int]:
    """Share of the page under images (or forms holding them), and the number of vector paths."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    bounds = [ctypes.c_float() for _ in range(4)]
    covered, paths = 0.0, 0
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
        elif kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            if pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(b) for b in bounds)):
                left, bottom, right, top = (b.value for b in bounds)
                covered += max(0.0, right - left) * max(0.0, top - bottom)
    return min(1.0, covered / max(1.0, width * height)), paths


# Text a layer yields when its fonts do not map glyphs to Unicode.
_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HANZI = re.compile(f"[{CJK}]")
_COMMON_OUTSIDE_GB2312 = set("“”‘’—…·《》〈〉【】「」『』〔〕–•●○■□▲△◆◇★☆")
MAX_GARBAGE_SHARE = 0.02
MIN_COMMON_SHARE = 0.9
MIN_HANZI_SHARE = 0.1
"""A page of this bulletin with 40 characters or more is Chinese: a layer of Latin letters is mis-mapped."""


def text_layer_usable(text: str) -> bool:
    """Whether a page's text layer says what the page shows: no (cid:N), U+FFFD, private-use or
    control characters, mostly common characters (GB2312: the common Hanzi, ASCII, Chinese
    punctuation), and some Hanzi once the page holds more than a line."""
    text = "".join(text.split())
    if not text:
        return False
    garbage = sum(len(m.group(0)) for m in _GARBAGE.finditer(text))
    if garbage > MAX_GARBAGE_SHARE * len(text):
        return False
    if sum(map(_common, text)) < MIN_COMMON_SHARE * len(text):
        return False
    return len(text) < 40 or len(_HANZI.findall(text)) >= MIN_HANZI_SHARE * len(text)


@functools.lru_cache(maxsize=8192)
def _common(ch: str) -> bool:
    if ch.isascii():
        return ch.isprintable()
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return ch in _COMMON_OUTSIDE_GB2312
    return True


def _lines(chars: list[_Char], la: LAParams) -> list[Line]:
    """Characters -> pieces of lines. Runs in drawing order first: a new run where the next
    character leaves the line, goes back left or leaves a wide gap (issuer | date, two columns).
    Then the runs of one row that touch or overlap are merged by position, because writers draw
    runs of one font together: Word and LibreOffice set both quotes of a “quoted” span in the
    Western font, before or after the Chinese inside them."""
    runs: list[list[_Char]] = []
    for c in chars:
        if runs and _continues(runs[-1][-1], c, la):
            runs[-1].append(c)
        else:
            runs.append([c])
    return [_line_of(piece, la) for row in _run_rows(runs, la) for piece in _touching(row)]


def _continues(prev: _Char, c: _Char, la: LAParams) -> bool:
    overlap = min(prev.bottom, c.bottom) - max(prev.top, c.top)
    if overlap < la.line_overlap * min(prev.bottom - prev.top, c.bottom - c.top):
        return False
    em = max(prev.size, c.size)
    return -0.5 * em <= c.x0 - prev.x1 <= la.segment_gap * em


def _run_rows(runs: list[list[_Char]], la: LAParams) -> list[list[list[_Char]]]:
    """Runs that overlap vertically, rows top to bottom, each row's runs left to right."""
    rows: list[list[list[_Char]]] = []
    bands: list[tuple[float, float]] = []
    for run in sorted(runs, key=lambda r: (min(c.top for c in r) + max(c.bottom for c in r)) / 2):
        top, bottom = min(c.top for c in run), max(c.bottom for c in run)
        if rows:
            row_top, row_bottom = bands[-1]
            overlap = min(bottom, row_bottom) - max(top, row_top)
            if overlap >= la.line_overlap * min(bottom - top, row_bottom - row_top):
                rows[-1].append(run)
                continue
        rows.append([run])
        bands.append((top, bottom))
    return [sorted(row, key=lambda r: min(c.x0 for c in r)) for row in rows]


def _touching(row: list[list[_Char]]) -> list[list[_Char]]:
    """A row's runs merged where they overlap or touch (within half an em), characters in order
    of position; a run standing apart stays a piece of its own."""
    pieces: list[list[_Char]] = []
    right = 0.0
    for run in row:
        em = max(c.size for c in run)
        if pieces and min(c.x0 for c in run) - right <= 0.5 * em:
            pieces[-1].extend(run)
        else:
            pieces.append(list(run))
        right = max(c.x1 for c in pieces[-1])
    return [_without_overprint(sorted(piece, key=lambda c: c.x0)) for piece in pieces]


def _without_overprint(chars: list[_Char]) -> list[_Char]:
    """The same character drawn again on itself (fake bold, a shadow) is kept once."""
    kept = [chars[0]]
    for c in chars[1:]:
        prev = kept[-1]
        if not (c.ch == prev.ch and abs(c.x0 - prev.x0) < 0.25 * max(c.size, 1.0)):
            kept.append(c)
    return kept


def _line_of(chars: list[_Char], la: LAParams) -> Line:
    text = [chars[0].ch]
    for prev, c in zip(chars, chars[1:]):
        if _space_between(prev, c, la):
            text.append(" ")
        text.append(c.ch)
    size = statistics.median(c.size for c in chars)
    top, bottom = min(c.top for c in chars), max(c.bottom for c in chars)
    return Line("".join(text), min(c.x0 for c in chars), max(c.x1 for c in chars), top, bottom, size)


def _space_between(prev: _Char, c: _Char, la: LAParams) -> bool:
    """Between ASCII words a space the PDF has, pdfium infers or a gap shows; next to Chinese only
    a space the PDF has, and never between two Chinese characters."""
    if ascii_word(prev.ch) and ascii_word(c.ch):
        return bool(c.space_before) or c.x0 - prev.x1 >= la.word_gap * c.size
    return c.space_before == 2 and (prev.ch.isascii() or c.ch.isascii())

"""Layout analysis shared by the PDF text layer and OCR: lines in page coordinates -> the
bulletin's text, one paragraph per line, with the offsets where pages start.

A PDF only knows lines, so paragraphs are rebuilt: a line opens a paragraph when it is indented,
centred (a heading), set right (an attribution), in another type size, or after a wider gap than
the usual line pitch; the line before it closes one when it ends short of the right margin. Page
numbers (— 2 —, -2-, 第 2 页) and running headers and footers (the same text at the same place on
at least half of the pages) are dropped, and a paragraph that runs on over a page or column break
is joined across it, so a sentence cut by the break comes out whole.

Geometry is in PDF points measured from the top-left corner of the page. All parameters are in
one frozen LAParams, as pdfminer.six keeps its own.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass

from ...text import close_wrap_spaces, ends_sentence
from .document import Document


@dataclass(frozen=True)
class LAParams:
    """Layout analysis parameters. Distances are in em (the line's type size) unless named otherwise."""

    line_overlap: float = 0.5
    """Characters whose vertical extents overlap by this share of the smaller belong to one line."""
    segment_gap: float = 2.0
    """A horizontal gap wider than this splits a line into separate pieces (issuer | date)."""
    word_gap: float = 0.3
    """A gap at least this wide between two ASCII letters or digits is a space, even where the
    PDF has no space character there (justified CJK lines spread letters by less)."""
    indent: float = 1.0
    """A line starting this far right of the left margin opens a paragraph (first-line indent)."""
    short_line: float = 2.0
    """A line ending this far short of the right margin closes its paragraph."""
    centre_tolerance: float = 1.0
    """A line whose left and right spaces differ by less than this, both over `indent`, is centred."""
    right_aligned: float = 3.0
    """A line reaching the right margin (within `right_tolerance`) but starting this far in is set right."""
    right_tolerance: float = 1.0
    """How short of the right margin a line set right may end (OCR boxes stop at the ink, and a
    closing bracket's ink is in the left half of its square)."""
    right_max_share: float = 0.6
    """A line set right (an attribution) is short: a wider one reaching the margin is a
    paragraph's first line under a deep indent."""
    block_edge: float = 1.5
    """Lines of a narrower block (a text box) end within this of the block's right edge."""
    block_inset: float = 0.3
    """...and start at least this far in from the margin..."""
    block_min_chars: int = 12
    """...and hold at least this many characters."""
    first_line_indent: float = 2.0
    """The indent of a paragraph's first line: two characters in Chinese documents."""
    wrap_slack: float = 0.25
    """Room a wrapped line may leave beyond its next word's width (spacing, measuring error)."""
    table_cells: int = 3
    """Pieces on one row that make it a table row..."""
    table_rows: int = 2
    """...when at least this many such rows follow one another."""
    paragraph_gap: float = 1.3
    """Lines further apart than this multiple of the usual line pitch belong to separate paragraphs."""
    size_change: float = 0.1
    """A relative change of type size this large opens a paragraph."""
    margin_zone: float = 0.12
    """Share of the page height, at top and at bottom, where page numbers and running heads live."""
    repeat_share: float = 0.5
    """Text at the same place on this share of the pages (and on two at least) is a running head."""
    repeat_distance: float = 16.0
    """Points: how far apart two occurrences of a running head may sit and still be one (scanned
    pages lie a little off on the glass)."""
    small_print: float = 0.8
    """On pages 2+, text in the top margin zone smaller than this share of the body size is a running head."""
    column_lines: int = 5
    """Lines needed on each side of the middle before a document is read as two columns, and on
    a page before its own margins are measured."""
    column_share: float = 0.6
    """Share of the body lines that must fit in one half of the page for two columns."""
    max_page_shift: float = 1.5
    """How far (em) a page's own margins may sit off the document's and still be used."""


LAYOUT = LAParams()


@dataclass(frozen=True)
class Line:
    """A run of text on one line, in points from the page's top-left corner; size is the em."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class PageText:
    """What one page holds, ready for layout analysis."""

    number: int
    width: float
    height: float
    lines: list[Line]
    ocr: bool = False
    confidence: float = 0.0
    """Mean recognition score over the page's OCR'd characters."""
    turn: int = 0
    """Degrees the scanned image was turned to read upright (OCR only)."""
    unreadable: bool = False
    """OCR read nothing like text on it, whichever way up: its lines are left out."""

    @property
    def chars(self) -> int:
        return sum(len(line.text) for line in self.lines)



def join_text(left: str, right: str) -> str:
    """Two pieces of one paragraph: a space only between two ASCII words."""
    if left and right and ascii_word(left[-1]) and ascii_word(right[0]):
        return f"{left} {right}"
    return left + right


# --- page furniture -------------------------------------------------------------------------

_DASH = "-—–－─一~"
_PAGE_NUMBER = re.compile(
    rf"^(?:[{_DASH}]*\d{{1,3}}[{_DASH}]*"
    r"|第\d{1,3}页(?:[,，/]?共\d{1,3}页)?"
    r"|\d{1,3}/\d{1,3}"
    r"|page\d{1,3}(?:of\d{1,3})?)$",
    re.I,
)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match("".join(text.split())))


def drop_furniture(pages: list[PageText], body_size: float, la: LAParams) -> None:
    """Remove page numbers and running heads and feet, in place. Page 1 keeps its top zone (the
    masthead); on later pages a line in the top zone goes when it repeats, is small print, or
    repeats a line of page 1's masthead (a running head of a short document)."""
    repeated = _running_heads(pages, la)
    masthead = {_head_key(line.text) for line in pages[0].lines if line.top < pages[0].height / 3}
    for page in pages:
        top_zone, bottom_zone = la.margin_zone * page.height, (1 - la.margin_zone) * page.height
        kept = []
        for line in page.lines:
            in_top, in_bottom = line.bottom <= top_zone, line.top >= bottom_zone
            head = in_top and page.number > 1
            if (in_top or in_bottom) and is_page_number(line.text):
                continue
            if (in_bottom or head) and _repeats(line, repeated, la):
                continue
            if head and (line.size < la.small_print * body_size or _head_key(line.text) in masthead):
                continue
            kept.append(line)
        page.lines = kept


def _head_key(text: str) -> str:
    return re.sub(r"\d+", "#", "".join(text.split()))


def _running_heads(pages: list[PageText], la: LAParams) -> dict[str, list[float]]:
    """Text in the margin zones found at the same height on enough pages: key -> heights."""
    seen: dict[str, list[tuple[int, float]]] = {}
    for page in pages:
        for line in page.lines:
            if line.bottom <= la.margin_zone * page.height or line.top >= (1 - la.margin_zone) * page.height:
                seen.setdefault(_head_key(line.text), []).append((page.number, line.top))
    needed = max(2, math.ceil(la.repeat_share * len(pages)))
    heads: dict[str, list[float]] = {}
    for key, places in seen.items():
        for _, top in places:
            if len({n for n, t in places if abs(t - top) <= la.repeat_distance}) >= needed:
                heads.setdefault(key, []).append(top)
    return heads


def _repeats(line: Line, heads: dict[str, list[float]], la: LAParams) -> bool:
    return any(abs(line.top - top) <= la.repeat_distance for top in heads.get(_head_key(line.text), ()))


# --- the text block -------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The text block lines are measured against: margins, body type size and line pitch."""

    left: float
    right: float
    size: float
    pitch: float


Gutter = tuple[float, float]
"""Where the left column ends and the right one starts."""
Flow = tuple[list[Line], Frame]
"""Lines read one after another, and the frame they are measured in: a page, or a column of one."""


def body_frame(pages: list[PageText], la: LAParams) -> Frame | None:
    """Margins, type size and pitch of the body text over the document: the commonest size (by
    characters), the margins most of its lines start and end within, the usual line pitch."""
    lines = [line for page in pages for line in page.lines]
    if not lines:
        return None
    weight: dict[float, int] = {}
    for line in lines:
        weight[round(line.size * 2) / 2] = weight.get(round(line.size * 2) / 2, 0) + len(line.text)
    size = max(weight, key=weight.__getitem__)
    body = _body(lines, size, la) or lines
    lefts, rights = sorted(l.x0 for l in body), sorted(l.x1 for l in body)
    left, right = lefts[len(lefts) // 10], rights[(len(rights) * 9) // 10]
    steps = [step for page in pages for step in _line_steps(_body(page.lines, size, la))]
    steps = [step for step in steps if 0.8 * size < step < 3 * size]
    pitch = statistics.median(steps) if steps else 1.5 * size
    return Frame(left, right, size, pitch)


def _body(lines: list[Line], size: float, la: LAParams) -> list[Line]:
    return [line for line in lines if abs(line.size - size) <= la.size_change * size]


def _line_steps(lines: list[Line], lookback: int = 4) -> list[float]:
    """Distances from each line to the one above it in the same column (they overlap horizontally)."""
    steps = []
    for i, line in enumerate(lines):
        for above in reversed(lines[max(0, i - lookback) : i]):
            if min(above.x1, line.x1) - max(above.x0, line.x0) > 0 and line.middle > above.middle:
                steps.append(line.middle - above.middle)
                break
    return steps


def _page_frame(page: PageText, frame: Frame, la: LAParams) -> Frame:
    """The page's own margins where its lines show them and they agree with the document's to
    within `max_page_shift` (a scan laid askew on the glass, a book's mirrored margins); else the
    document's frame (a page of short lines, a page of columns)."""
    edges = _page_edges(_body(page.lines, frame.size, la), frame.size, la)
    if edges is None:
        return frame
    reach = la.max_page_shift * frame.size
    if abs(edges[0] - frame.left) > reach or abs(edges[1] - frame.right) > reach:
        return frame
    return Frame(edges[0], edges[1], frame.size, frame.pitch)


def _page_edges(body: list[Line], size: float, la: LAParams) -> tuple[float, float] | None:
    """A page's left edge (where many body lines start: wrapped lines are not indented) and right
    edge (where most end), or None when too few lines share them to tell (short paragraphs, two
    columns)."""
    if len(body) < la.column_lines:
        return None
    left = _common_edge([l.x0 for l in body], size / 2)
    right = _common_edge([l.x1 for l in body], size)
    starting = sum(abs(l.x0 - left) < size / 2 for l in body)
    ending = sum(abs(l.x1 - right) < size for l in body)
    if starting < 0.4 * len(body) or ending < 0.6 * len(body) or right - left < 4 * size:
        return None
    return left, right


def _common_edge(xs: list[float], width: float) -> float:
    """The median of the most `xs` that fit in a window `width` wide."""
    xs = sorted(xs)
    best, best_start, end = 0, 0, 0
    for start in range(len(xs)):
        while end < len(xs) and xs[end] - xs[start] < width:
            end += 1
        if end - start > best:
            best, best_start = end - start, start
    return statistics.median(xs[best_start : best_start + best])


# --- reading order --------------------------------------------------------------------------


def column_gutter(pages: list[PageText], frame: Frame, la: LAParams) -> Gutter | None:
    """The gutter of a document set in two columns: most body lines fit in one half of the page,
    and enough in the left half end flush at one edge and enough in the right half start flush at
    another. None for one column."""
    middle = (frame.left + frame.right) / 2
    lines = _body([line for page in pages for line in page.lines], frame.size, la)
    left = [l for l in lines if l.x1 < middle]
    right = [l for l in lines if l.x0 > middle]
    if min(len(left), len(right)) < la.column_lines or len(left) + len(right) < la.column_share * len(lines):
        return None
    edge_left = _common_edge([l.x1 for l in left], frame.size)
    edge_right = _common_edge([l.x0 for l in right], frame.size)
    flush_left = sum(abs(l.x1 - edge_left) < frame.size for l in left)
    flush_right = sum(abs(l.x0 - edge_right) < frame.size for l in right)
    if min(flush_left, flush_right) < la.column_lines or edge_right - edge_left < frame.size:
        return None
    return edge_left, edge_right


def _reading_order(page: PageText, frame: Frame, gutter: Gutter | None, la: LAParams) -> list[Flow]:
    """The page's lines as flows read one after another: one flow, or on a two-column page the
    lines above the columns, then each column in turn (with its own margins) between lines that
    run across the gutter."""
    lines = [line for row in row_groups(page.lines, la) for line in row]
    top = _columns_top(lines, gutter, frame, la) if gutter else None
    if gutter is None or top is None:
        return [(lines, frame)]
    middle = sum(gutter) / 2
    flows: list[Flow] = []
    band: list[Line] = []
    for line in lines:
        if line.bottom < top or line.x0 <= middle <= line.x1:
            flows += _column_flows(band, gutter, frame)
            band = []
            flows.append(([line], frame))
        else:
            band.append(line)
    flows += _column_flows(band, gutter, frame)
    return _merge_flows([flow for flow in flows if flow[0]])


def _columns_top(lines: list[Line], gutter: Gutter, frame: Frame, la: LAParams) -> float | None:
    """Where the page's columns begin: its first line set flush to the gutter, or a line above
    that fits in a column and sits at most a paragraph gap higher (a heading over a column).
    Above it (a masthead), lines read across; below it, down each column."""
    middle = sum(gutter) / 2
    fits = [l for l in lines if l.x1 <= gutter[0] + frame.size or l.x0 >= gutter[1] - frame.size]
    flush = [l for l in fits if abs(l.x1 - gutter[0]) < frame.size or abs(l.x0 - gutter[1]) < frame.size]
    if not flush:
        return None
    top = min(l.top for l in flush)
    for line in sorted((l for l in lines if l.top < top), key=lambda l: -l.top):
        reach = la.paragraph_gap * frame.pitch * line.size / frame.size
        if line in fits and not (line.x0 <= middle <= line.x1) and top - line.top <= reach:
            top = line.top
        elif line.bottom < top:
            break
    return top


def _column_flows(band: list[Line], gutter: Gutter, frame: Frame) -> list[Flow]:
    """Lines between full-width ones: the left column, then the right, each in its own frame."""
    middle = sum(gutter) / 2
    left = Frame(frame.left, gutter[0], frame.size, frame.pitch)
    right = Frame(gutter[1], frame.right, frame.size, frame.pitch)
    return [([l for l in band if l.x1 < middle], left), ([l for l in band if l.x1 >= middle], right)]


def _merge_flows(flows: list[Flow]) -> list[Flow]:
    """Consecutive one-line flows in the page frame (lines outside the columns) read as one flow."""
    merged: list[Flow] = []
    for lines, frame in flows:
        if merged and merged[-1][1] == frame and len(lines) == 1 and merged[-1][0][-1].middle < lines[0].middle:
            merged[-1][0].extend(lines)
        else:
            merged.append((list(lines), frame))
    return merged


# --- paragraphs -----------------------------------------------------------------------------


@dataclass
class _Paragraph:
    pieces: list[tuple[int, str]]
    """(page number, text) of each line."""
    last: Line
    frame: Frame
    """The frame the last line was measured in."""
    flow: int
    """Which flow the last line came from."""
    right: float = 0.0
    """The rightmost end of its lines: the right edge of the block it is set in."""


def _shape(line: Line, frame: Frame, la: LAParams) -> str:
    """How a line sits in the frame: full, indented, centred, right, or short (ends early)."""
    em = line.size
    indent, space = (line.x0 - frame.left) / em, (frame.right - line.x1) / em
    if indent > la.indent and space > la.indent and abs(indent - space) < la.centre_tolerance:
        return "centred"
    narrow = line.x1 - line.x0 < la.right_max_share * (frame.right - frame.left)
    if space < la.right_tolerance and indent >= la.right_aligned and narrow:
        return "right"
    if indent >= la.indent:
        return "indented" if space < la.short_line else "indented-short"
    return "full" if space < la.short_line else "short"


def _continues_paragraph(para: _Paragraph, line: Line, frame: Frame, same_flow: bool, la: LAParams) -> bool:
    """Whether `line` carries on the paragraph. Lines of one flow must also sit at the usual
    pitch; across a page or column break only their shapes count."""
    prev = para.last
    a, b = _shape(prev, para.frame, la), _shape(line, frame, la)
    if abs(prev.size - line.size) > la.size_change * max(prev.size, line.size):
        return False
    pitch = frame.pitch * max(prev.size, line.size) / frame.size
    if same_flow and line.middle - prev.middle > la.paragraph_gap * pitch:
        return False
    if b == "centred":
        return _heading_runs_on(prev, a, frame, la)
    if a in ("full", "indented") and b in ("full", "short"):
        return True
    if a in ("short", "indented-short") and b in ("full", "short") and _forced_wrap(prev, line, frame, la):
        return True
    if a == "centred" and b in ("full", "short") and _first_line_of_paragraph(prev, line, para.frame, la):
        return True
    return _narrow_block_runs_on(para, line, a, b, frame, la)


# What may not start a line (closing marks) and what must run on with a number or word.
_CLOSERS = "，。、；：！？）》」』”’%％,.;:!?)"
_UNIT = re.compile(rf"[A-Za-z0-9.,%％+\-/]+[{re.escape(_CLOSERS)}]*|.[{re.escape(_CLOSERS)}]*")


def _forced_wrap(prev: Line, line: Line, frame: Frame, la: LAParams) -> bool:
    """Ragged-right text (Word's left alignment) ends a line short when the next word does not
    fit: a number such as 96.3%, or a character with the closing mark that must stay with it.
    Such a line ends mid-sentence and the next line's first unit is wider than the room left."""
    if ends_sentence(prev.text):
        return False
    unit = _UNIT.match(line.text)
    if unit is None:
        return False
    em = line.size
    width = sum(0.55 * em if ch.isascii() else em for ch in unit.group(0))
    return width > frame.right - prev.x1 - la.wrap_slack * em


def _first_line_of_paragraph(prev: Line, line: Line, frame: Frame, la: LAParams) -> bool:
    """An indented first line that ends short of the margin looks centred (narrow Western quotes
    or digits leave room at its end); it is a paragraph's when it sits at the usual first-line
    indent, ends mid-sentence, and the next line starts at the margin."""
    indent = (prev.x0 - frame.left) / prev.size
    at_margin = (line.x0 - frame.left) / line.size < la.indent
    return abs(indent - la.first_line_indent) <= 0.5 and at_margin and not ends_sentence(prev.text)


def _narrow_block_runs_on(
    para: _Paragraph, line: Line, a: str, b: str, frame: Frame, la: LAParams
) -> bool:
    """A paragraph set narrower than the page (a text box, an indented block) runs on while its
    lines fill their own block: the previous line, long and set in from the margin, reached the
    block's right edge mid-sentence (within `block_edge`, for ragged lines), the next is not
    indented further, and a one-line paragraph must be matched by its next line's end (so a short
    heading is not taken for the first line of a narrow block). Short lines at the margin, such as
    the footer's 责编 and 核稿, never run on this way."""
    prev = para.last
    if a not in ("short", "indented-short") or b in ("right", "indented") or ends_sentence(prev.text):
        return False
    em = max(prev.size, line.size)
    if len(prev.text) < la.block_min_chars or prev.x0 - frame.left < la.block_inset * em:
        return False
    fills = para.right - prev.x1 < la.block_edge * em
    long = len(prev.text) >= 2 * la.block_min_chars  # longer than a heading set flush left
    matched = len(para.pieces) > 1 or long or abs(line.x1 - prev.x1) < la.block_edge * em
    return fills and matched and line.x0 <= prev.x0 + 0.5 * em


def _heading_runs_on(prev: Line, shape: str, frame: Frame, la: LAParams) -> bool:
    """A centred line continues a heading whose previous line is set wide and centred, in a size
    other than the body's (a heading too long for one line)."""
    if shape not in ("full", "centred"):
        return False
    indent, space = (prev.x0 - frame.left) / prev.size, (frame.right - prev.x1) / prev.size
    wide = space < la.right_aligned and abs(indent - space) < la.centre_tolerance
    return wide and abs(prev.size - frame.size) > la.size_change * frame.size


def paragraphs(pages: list[PageText], frame: Frame, la: LAParams) -> list[_Paragraph]:
    """Lines of all pages -> paragraphs, each a list of (page, text) pieces."""
    gutter = column_gutter(pages, frame, la)
    flows = (
        (page.number, lines, flow_frame)
        for page in pages
        for lines, flow_frame in _reading_order(page, _page_frame(page, frame, la), gutter, la)
    )
    result: list[_Paragraph] = []
    for flow_id, (page, lines, flow_frame) in enumerate(flows):
        for line in lines:
            current = result[-1] if result else None
            if current and _continues_paragraph(current, line, flow_frame, current.flow == flow_id, la):
                current.pieces.append((page, line.text))
                current.last, current.frame = line, flow_frame
                current.right = max(current.right, line.x1)
            else:
                result.append(_Paragraph([(page, line.text)], line, flow_frame, flow_id, line.x1))
    return result


def assemble(paras: list[_Paragraph], pages: int) -> tuple[str, tuple[int, ...]]:
    """Paragraphs -> text with one paragraph per line, and the offset where each page begins."""
    out: list[str] = []
    offset = 0
    first: dict[int, int] = {}
    for para in paras:
        text = ""
        for page, piece in para.pieces:
            piece = close_wrap_spaces(piece)
            joined = join_text(text, piece)
            first.setdefault(page, offset + len(joined) - len(piece))
            text = joined
        out.append(text)
        offset += len(text) + 1
    full = "\n".join(out)
    starts: list[int] = []
    for number in range(pages, 0, -1):  # an empty page starts where the next one does
        starts.append(first.get(number, starts[-1] if starts else len(full)))
    starts.reverse()
    starts[0] = 0
    return full, tuple(starts)


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


def join_table_rows(pages: list[PageText], la: LAParams) -> None:
    """A data table's rows, one line each, in place: cells joined by "，" and closed by "。", as
    the Word reader writes them, so a row reads as a sentence and no cell passes for a heading.
    A table is at least `table_rows` consecutive rows of at least `table_cells` pieces each (two
    pieces on a row are a masthead's issuer and date, or a footer's 责编 and 核稿); it may run
    on over a page break, past the page number."""
    rows = [(page, row) for page in pages for row in row_groups(page.lines, la)]
    body = [i for i, (_, row) in enumerate(rows) if not (len(row) == 1 and is_page_number(row[0].text))]
    tabular = {i for i in body if len(rows[i][1]) >= la.table_cells}
    in_table: set[int] = set()
    run: list[int] = []
    for i in body + [-1]:
        if i in tabular:
            run.append(i)
            continue
        if len(run) >= la.table_rows:
            in_table.update(run)
        run = []
    for page in pages:
        page.lines = []
    for i, (page, row) in enumerate(rows):
        page.lines.extend([_table_row(row)] if i in in_table else row)


def _table_row(row: list[Line]) -> Line:
    text = "，".join(cell.text.strip().rstrip("。，,") for cell in row) + "。"
    top, bottom = min(c.top for c in row), max(c.bottom for c in row)
    return Line(text, row[0].x0, row[-1].x1, top, bottom, statistics.median(c.size for c in row))


def ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def row_groups(lines: list[Line], la: LAParams) -> list[list[Line]]:
    """Lines top to bottom, grouped into rows (they overlap vertically), each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: l.middle):
        if rows and same_row(rows[-1][0], line, la):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda l: l.x0) for row in rows]


def same_row(a: Line, b: Line, la: LAParams) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= la.line_overlap * min(a.bottom - a.top, b.bottom - b.top)

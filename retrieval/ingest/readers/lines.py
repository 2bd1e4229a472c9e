"""The vocabulary every step of layout analysis shares: its parameters, a line of text with its
box, a page's lines, and lines grouped into rows. The PDF text layer and OCR both produce these.

Geometry is in PDF points measured from the top-left corner of the page. All parameters are in
one frozen LAParams, as pdfminer.six keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def row_groups(lines: list[Line], la: LAParams) -> list[list[Line]]:
    """Lines top to bottom, grouped into rows (they overlap vertically), each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ln.middle):
        if rows and same_row(rows[-1][0], line, la):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda ln: ln.x0) for row in rows]


def same_row(a: Line, b: Line, la: LAParams) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= la.line_overlap * min(a.bottom - a.top, b.bottom - b.top)

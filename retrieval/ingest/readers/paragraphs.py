"""Paragraphs rebuilt from lines read in order: where a line opens or carries on a paragraph,
and the paragraphs joined into the bulletin's text with the offsets where pages start."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...text import close_wrap_spaces, ends_sentence
from .lines import LAParams, Line, PageText, join_text
from .page_frame import Frame, page_frame
from .reading_order import column_gutter, reading_order


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


def _narrow_block_runs_on(para: _Paragraph, line: Line, a: str, b: str, frame: Frame, la: LAParams) -> bool:
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
        for lines, flow_frame in reading_order(page, page_frame(page, frame, la), gutter, la)
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

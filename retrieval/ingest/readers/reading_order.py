"""Reading order: a page's lines as flows read one after another, down each column of a page set
in two, so a paragraph is rebuilt from lines that follow each other in the text."""

from __future__ import annotations

from .lines import LAParams, Line, PageText, row_groups
from .page_frame import Frame, body_lines, common_edge

Gutter = tuple[float, float]
"""Where the left column ends and the right one starts."""
Flow = tuple[list[Line], Frame]
"""Lines read one after another, and the frame they are measured in: a page, or a column of one."""


def column_gutter(pages: list[PageText], frame: Frame, la: LAParams) -> Gutter | None:
    """The gutter of a document set in two columns: most body lines fit in one half of the page,
    and enough in the left half end flush at one edge and enough in the right half start flush at
    another. None for one column."""
    middle = (frame.left + frame.right) / 2
    lines = body_lines([line for page in pages for line in page.lines], frame.size, la)
    left = [ln for ln in lines if ln.x1 < middle]
    right = [ln for ln in lines if ln.x0 > middle]
    if min(len(left), len(right)) < la.column_lines or len(left) + len(right) < la.column_share * len(lines):
        return None
    edge_left = common_edge([ln.x1 for ln in left], frame.size)
    edge_right = common_edge([ln.x0 for ln in right], frame.size)
    flush_left = sum(abs(ln.x1 - edge_left) < frame.size for ln in left)
    flush_right = sum(abs(ln.x0 - edge_right) < frame.size for ln in right)
    if min(flush_left, flush_right) < la.column_lines or edge_right - edge_left < frame.size:
        return None
    return edge_left, edge_right


def reading_order(page: PageText, frame: Frame, gutter: Gutter | None, la: LAParams) -> list[Flow]:
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
    fits = [ln for ln in lines if ln.x1 <= gutter[0] + frame.size or ln.x0 >= gutter[1] - frame.size]
    flush = [ln for ln in fits if abs(ln.x1 - gutter[0]) < frame.size or abs(ln.x0 - gutter[1]) < frame.size]
    if not flush:
        return None
    top = min(ln.top for ln in flush)
    for line in sorted((ln for ln in lines if ln.top < top), key=lambda ln: -ln.top):
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
    return [([ln for ln in band if ln.x1 < middle], left), ([ln for ln in band if ln.x1 >= middle], right)]


def _merge_flows(flows: list[Flow]) -> list[Flow]:
    """Consecutive one-line flows in the page frame (lines outside the columns) read as one flow."""
    merged: list[Flow] = []
    for lines, frame in flows:
        if merged and merged[-1][1] == frame and len(lines) == 1 and merged[-1][0][-1].middle < lines[0].middle:
            merged[-1][0].extend(lines)
        else:
            merged.append((list(lines), frame))
    return merged

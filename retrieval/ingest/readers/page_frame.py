"""The text block lines are measured against: the body's margins, type size and line pitch, over
the document and on each page. Every decision about a line's shape is relative to it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .lines import LAParams, Line, PageText


@dataclass(frozen=True)
class Frame:
    """The text block lines are measured against: margins, body type size and line pitch."""

    left: float
    right: float
    size: float
    pitch: float


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
    body = body_lines(lines, size, la) or lines
    lefts, rights = sorted(ln.x0 for ln in body), sorted(ln.x1 for ln in body)
    left, right = lefts[len(lefts) // 10], rights[(len(rights) * 9) // 10]
    steps = [step for page in pages for step in _line_steps(body_lines(page.lines, size, la))]
    steps = [step for step in steps if 0.8 * size < step < 3 * size]
    pitch = statistics.median(steps) if steps else 1.5 * size
    return Frame(left, right, size, pitch)


def body_lines(lines: list[Line], size: float, la: LAParams) -> list[Line]:
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


def page_frame(page: PageText, frame: Frame, la: LAParams) -> Frame:
    """The page's own margins where its lines show them and they agree with the document's to
    within `max_page_shift` (a scan laid askew on the glass, a book's mirrored margins); else the
    document's frame (a page of short lines, a page of columns)."""
    edges = _page_edges(body_lines(page.lines, frame.size, la), frame.size, la)
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
    left = common_edge([ln.x0 for ln in body], size / 2)
    right = common_edge([ln.x1 for ln in body], size)
    starting = sum(abs(ln.x0 - left) < size / 2 for ln in body)
    ending = sum(abs(ln.x1 - right) < size for ln in body)
    if starting < 0.4 * len(body) or ending < 0.6 * len(body) or right - left < 4 * size:
        return None
    return left, right


def common_edge(xs: list[float], width: float) -> float:
    """The median of the most `xs` that fit in a window `width` wide."""
    xs = sorted(xs)
    best, best_start, end = 0, 0, 0
    for start in range(len(xs)):
        while end < len(xs) and xs[end] - xs[start] < width:
            end += 1
        if end - start > best:
            best, best_start = end - start, start
    return statistics.median(xs[best_start : best_start + best])

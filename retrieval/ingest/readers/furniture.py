"""Page furniture: page numbers and running heads and feet, which sit in every page's margins
but are no part of the bulletin's text, dropped before paragraphs are rebuilt."""

from __future__ import annotations

import math
import re

from .lines import LAParams, Line, PageText

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

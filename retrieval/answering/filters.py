"""Find the year, month, date or issue a question names, and take it out of the question text."""

from __future__ import annotations

import re
import unicodedata

from ..models import Filters

# Issue numbers within a year stay far below this; a bare 第N期 at or above it is a 总期号.
TOTAL_NUMBER_FLOOR = 100
_YEAR = r"((?:19|20)\d{2})"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("total", re.compile(r"总\s*第?\s*(\d{1,5})\s*期")),
    ("year_number", re.compile(_YEAR + r"\s*年\s*(?:的\s*)?第\s*(\d{1,3})\s*期")),
    ("year_dash_number", re.compile(_YEAR + r"\s*-\s*(\d{1,2})\s*期")),
    ("bare_number", re.compile(r"第\s*(\d{1,5})\s*期")),
    ("year_range", re.compile(_YEAR + r"\s*年?\s*(?:-|—|–|~|～|至|到)\s*" + _YEAR + r"\s*年")),
    ("date", re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")),
    ("year_month", re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月份?")),
    # 2020年度 names what a year's results are about: they are reported that year or the next, in
    # articles that name 2020年度 too, so the phrase also stays in the searched text.
    ("year_results", re.compile(_YEAR + r"\s*年度")),
    ("year", re.compile(_YEAR + r"\s*年(?!度)")),
)


def extract_filters(question: str) -> tuple[Filters, str]:
    """Return the filters a question names and the question with those phrases removed (but for
    N年度, which is also a topic)."""
    text = unicodedata.normalize("NFKC", question)
    values: dict[str, int] = {}
    labels: list[str] = []
    for kind, pattern in _PATTERNS:
        match = pattern.search(text)
        if match is None or not _apply(kind, match, values):
            continue
        labels.append(re.sub(r"\s+", "", match.group(0)))
        if kind != "year_results":
            text = text[: match.start()] + " " + text[match.end() :]
    if not values:
        return Filters(), question
    found = Filters(
        year_from=values.get("year_from"),
        year_to=values.get("year_to"),
        month=values.get("month"),
        day=values.get("day"),
        number=values.get("number"),
        total=values.get("total"),
        label="、".join(labels),
    )
    return found, text


def _apply(kind: str, match: re.Match[str], values: dict[str, int]) -> bool:
    """Record what the match names; False when it names nothing usable (a 13th month, say)."""
    groups = [int(g) for g in match.groups()]
    if kind == "total":
        values.setdefault("total", groups[0])
    elif kind in ("year_number", "year_dash_number"):
        values.setdefault("year_from", groups[0])
        values.setdefault("year_to", groups[0])
        values.setdefault("number", groups[1])
    elif kind == "bare_number":
        if "total" in values or "number" in values:
            return False
        values["total" if groups[0] >= TOTAL_NUMBER_FLOOR else "number"] = groups[0]
    elif kind == "year_range":
        low, high = sorted(groups)
        values.setdefault("year_from", low)
        values.setdefault("year_to", high)
    elif kind in ("date", "year_month"):
        if not 1 <= groups[1] <= 12 or (kind == "date" and not 1 <= groups[2] <= 31):
            return False
        values.setdefault("year_from", groups[0])
        values.setdefault("year_to", groups[0])
        values.setdefault("month", groups[1])
        if kind == "date":
            values.setdefault("day", groups[2])
    elif kind == "year_results":
        if "year_from" in values:
            return False
        values["year_from"], values["year_to"] = groups[0], groups[0] + 1
    elif kind == "year":
        if "year_from" in values:
            return False
        values["year_from"] = values["year_to"] = groups[0]
    return True

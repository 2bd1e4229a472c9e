"""Data tables set as rows of separate pieces: each row joined into one line, as the Word reader
writes it, before page furniture is dropped (a table's number cells are not page numbers)."""

from __future__ import annotations

import statistics

from .furniture import is_page_number
from .lines import LAParams, Line, PageText, row_groups


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

"""Inline buttons, and the short callback data behind them (Telegram allows 64 bytes).

"p:<key>:<page>" shows a page of a saved question (the question itself stays in the database);
"x:<key>" sends a saved question's answer as a Word file (导出Word);
"fy:<key>:<page>" shows the years of a saved question's list (按年份筛选) in place of the keyboard
of its page <page>, "fb:<key>:<page>" (返回) brings that keyboard back;
"n:<key>:<year>" sends the saved question's answer narrowed to a year, as a new message;
"py:<key>:<year>:<page>" and "xy:<key>:<year>" are "p:" and "x:" for an answer narrowed to a year;
"a:<article id>" sends an article's whole text;
"f:<总期号>:<start of the file's sha256>" sends an issue's original file, if it is still that file;
"y:<year>:<page>" shows a page (0-based) of a year's issues, "ys" the years held;
"i:<总期号>" opens an issue, as /issue does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from replies import browse_text, messages
from replies.conversation import AnswerPage, YearsView, YearView
from retrieval.models import Hit, StoredIssue

MAX_ISSUE_BUTTONS = 50
# Matched whole (fullmatch: "$" would let a trailing newline through), ASCII digits only, and no
# leading zeros: each datum has one spelling, the one its *_data function writes.
_PAGE = re.compile(r"p:([A-Za-z0-9_-]{1,32}):(0|[1-9][0-9]?)")
_ARTICLE = re.compile(r"a:([1-9][0-9]{0,11})")
_EXPORT = re.compile(r"x:([A-Za-z0-9_-]{1,32})")
_NARROWED_PAGE = re.compile(r"py:([A-Za-z0-9_-]{1,32}):([1-9][0-9]{3}):(0|[1-9][0-9]?)")
_NARROWED_EXPORT = re.compile(r"xy:([A-Za-z0-9_-]{1,32}):([1-9][0-9]{3})")
_FACET_YEARS = re.compile(r"fy:([A-Za-z0-9_-]{1,32}):(0|[1-9][0-9]?)")
_FACET_BACK = re.compile(r"fb:([A-Za-z0-9_-]{1,32}):(0|[1-9][0-9]?)")
_NARROW = re.compile(r"n:([A-Za-z0-9_-]{1,32}):([1-9][0-9]{3})")
SOURCE_HASH_CHARS = 16
_SOURCE = re.compile(rf"f:([1-9][0-9]{{0,5}}):([0-9a-f]{{{SOURCE_HASH_CHARS}}})")
_YEAR = re.compile(r"y:([1-9][0-9]{3}):(0|[1-9][0-9]{0,2})")
_ISSUE = re.compile(r"i:([1-9][0-9]{0,5})")
YEARS_DATA = "ys"
YEARS_PER_ROW = 4
# Telegram refuses a keyboard of more than 100 buttons; the latest years are kept.
MAX_YEAR_BUTTONS = 96


@dataclass(frozen=True)
class PageRequest:
    """Page `page` of the question saved under `key`, narrowed to `year` when the reader picked one."""

    key: str
    page: int
    year: int | None = None


@dataclass(frozen=True)
class ExportRequest:
    """The answer to the question saved under `key`, as a Word file; only `year`'s hits when narrowed."""

    key: str
    year: int | None = None


@dataclass(frozen=True)
class FacetYearsRequest:
    """按年份筛选 under page `page` of the question saved under `key`: its years, in place of its keyboard."""

    key: str
    page: int


@dataclass(frozen=True)
class FacetBackRequest:
    """返回 under the years: the keyboard of page `page` of the question saved under `key` again."""

    key: str
    page: int


@dataclass(frozen=True)
class NarrowRequest:
    """A year's button under the years: the question saved under `key`, narrowed to `year`, as a new message."""

    key: str
    year: int


@dataclass(frozen=True)
class ArticleRequest:
    article_id: int


@dataclass(frozen=True)
class SourceRequest:
    """The original file of issue `total`, as long as its sha256 still starts with `sha256`."""

    total: int
    sha256: str


@dataclass(frozen=True)
class YearRequest:
    """Page `page` (0-based) of the issues of `year`."""

    year: int
    page: int


@dataclass(frozen=True)
class YearsRequest:
    """The years held."""


@dataclass(frozen=True)
class IssueRequest:
    total: int


FacetRequest = FacetYearsRequest | FacetBackRequest | NarrowRequest
CallbackRequest = (
    PageRequest
    | ExportRequest
    | FacetRequest
    | ArticleRequest
    | SourceRequest
    | YearRequest
    | YearsRequest
    | IssueRequest
)


def parse_callback(data: object) -> CallbackRequest | None:
    """What a button press asks for; None for data this bot never made (not text, or not ours)."""
    if not isinstance(data, str):
        return None
    if m := _PAGE.fullmatch(data):
        return PageRequest(m.group(1), int(m.group(2)))
    if m := _EXPORT.fullmatch(data):
        return ExportRequest(m.group(1))
    if m := _NARROWED_PAGE.fullmatch(data):
        return PageRequest(m.group(1), int(m.group(3)), int(m.group(2)))
    if m := _NARROWED_EXPORT.fullmatch(data):
        return ExportRequest(m.group(1), int(m.group(2)))
    if m := _FACET_YEARS.fullmatch(data):
        return FacetYearsRequest(m.group(1), int(m.group(2)))
    if m := _FACET_BACK.fullmatch(data):
        return FacetBackRequest(m.group(1), int(m.group(2)))
    if m := _NARROW.fullmatch(data):
        return NarrowRequest(m.group(1), int(m.group(2)))
    if m := _ARTICLE.fullmatch(data):
        return ArticleRequest(int(m.group(1)))
    if m := _SOURCE.fullmatch(data):
        return SourceRequest(int(m.group(1)), m.group(2))
    if m := _YEAR.fullmatch(data):
        return YearRequest(int(m.group(1)), int(m.group(2)))
    if m := _ISSUE.fullmatch(data):
        return IssueRequest(int(m.group(1)))
    if data == YEARS_DATA:
        return YearsRequest()
    return None


def page_data(key: str, page: int, year: int | None = None) -> str:
    return f"p:{key}:{page}" if year is None else f"py:{key}:{year}:{page}"


def export_data(key: str, year: int | None = None) -> str:
    return f"x:{key}" if year is None else f"xy:{key}:{year}"


def facet_years_data(key: str, page: int) -> str:
    return f"fy:{key}:{page}"


def facet_back_data(key: str, page: int) -> str:
    return f"fb:{key}:{page}"


def narrow_data(key: str, year: int) -> str:
    return f"n:{key}:{year}"


def article_data(article_id: int) -> str:
    return f"a:{article_id}"


def source_data(total: int, sha256: str) -> str:
    return f"f:{total}:{sha256[:SOURCE_HASH_CHARS].lower()}"


def year_data(year: int, page: int) -> str:
    return f"y:{year}:{page}"


def issue_data(total: int) -> str:
    return f"i:{total}"


def answer_keyboard(page: AnswerPage, key: str | None) -> InlineKeyboardMarkup | None:
    """A 全文 button per hit; 上一页 / 更多结果 and 导出Word when the question was saved (kept to
    the year the answer was narrowed to), and 按年份筛选 when its list spans more than one year."""
    hits = page.answer.hits
    year = page.year
    rows = []
    if hits:
        rows.append(
            [
                InlineKeyboardButton(
                    messages.FULL_TEXT_BUTTON.format(number=n), callback_data=article_data(h.article_id)
                )
                for n, h in enumerate(hits, start=page.first_number)
            ]
        )
    if key is not None:
        nav = []
        if page.page > 0:
            previous = page_data(key, page.page - 1, year)
            nav.append(InlineKeyboardButton(messages.PREVIOUS_BUTTON, callback_data=previous))
        if page.has_more:
            nav.append(InlineKeyboardButton(messages.MORE_BUTTON, callback_data=page_data(key, page.page + 1, year)))
        if nav:
            rows.append(nav)
        if hits:
            last = [InlineKeyboardButton(messages.EXPORT_BUTTON, callback_data=export_data(key, year))]
            if year is None and len(facet_years(page)) > 1:
                last.append(
                    InlineKeyboardButton(messages.FACETS_BUTTON, callback_data=facet_years_data(key, page.page))
                )
            rows.append(last)
    return InlineKeyboardMarkup(rows) if rows else None


def facet_years(page: AnswerPage) -> tuple[tuple[int, int], ...]:
    """The years of the answer's whole list with their counts, newest first; none when not asked."""
    facets = page.answer.facets
    return facets.years if facets is not None else ()


def facet_years_keyboard(page: AnswerPage, key: str) -> InlineKeyboardMarkup:
    """按年份筛选 pressed: a button per year of the list with its count, newest first, a few to a
    row; then 返回, bringing the keyboard of the page shown back."""
    buttons = [
        InlineKeyboardButton(
            messages.FACET_COUNT.format(label=f"{year}年", count=count), callback_data=narrow_data(key, year)
        )
        for year, count in facet_years(page)[:MAX_YEAR_BUTTONS]
    ]
    rows = [buttons[i : i + YEARS_PER_ROW] for i in range(0, len(buttons), YEARS_PER_ROW)]
    rows.append([InlineKeyboardButton(messages.BACK_BUTTON, callback_data=facet_back_data(key, page.page))])
    return InlineKeyboardMarkup(rows)


def related_keyboard(hits: Sequence[Hit]) -> InlineKeyboardMarkup | None:
    """One button per related article, opening it whole; none when there are none."""
    if not hits:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    messages.RELATED_BUTTON.format(title=messages.shorten(hit.title, 20)),
                    callback_data=article_data(hit.article_id),
                )
            ]
            for hit in hits
        ]
    )


def issue_keyboard(issue: StoredIssue) -> InlineKeyboardMarkup | None:
    """One 全文 button per article, labelled with its number and the start of its title; then 原文
    when the issue's file is kept."""
    rows = [
        [
            InlineKeyboardButton(
                f"{messages.FULL_TEXT_BUTTON.format(number=n)}：{messages.shorten(a.title, 16)}",
                callback_data=article_data(a.id),
            )
        ]
        for n, a in enumerate(issue.articles[:MAX_ISSUE_BUTTONS], start=1)
    ]
    if issue.file is not None:
        data = source_data(issue.ref.total, issue.file.sha256)
        rows.append([InlineKeyboardButton(messages.source_button(issue.file.format), callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def years_keyboard(view: YearsView) -> InlineKeyboardMarkup:
    """A button per year held (its first page), a few to a row."""
    buttons = [
        InlineKeyboardButton(browse_text.year_count(year, count), callback_data=year_data(year, 0))
        for year, count in view.years[-MAX_YEAR_BUTTONS:]
    ]
    return InlineKeyboardMarkup([buttons[i : i + YEARS_PER_ROW] for i in range(0, len(buttons), YEARS_PER_ROW)])


def year_keyboard(view: YearView) -> InlineKeyboardMarkup:
    """A button per issue on the page; then ‹ 上一页 / 全部年份 / 下一页 ›."""
    rows = [
        [InlineKeyboardButton(browse_text.issue_button(issue.ref), callback_data=issue_data(issue.ref.total))]
        for issue in view.issues
    ]
    nav = []
    if view.has_previous:
        nav.append(
            InlineKeyboardButton(browse_text.PREVIOUS_PAGE_BUTTON, callback_data=year_data(view.year, view.page - 1))
        )
    nav.append(InlineKeyboardButton(browse_text.ALL_YEARS_BUTTON, callback_data=YEARS_DATA))
    if view.has_next:
        nav.append(
            InlineKeyboardButton(browse_text.NEXT_PAGE_BUTTON, callback_data=year_data(view.year, view.page + 1))
        )
    rows.append(nav)
    return InlineKeyboardMarkup(rows)

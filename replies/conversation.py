"""What the archive says back, as plain data: one code path for the bot and the console.

Each function takes what the user typed or pressed and returns a reply object; renderers turn
it into Telegram HTML or terminal text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from retrieval.archive import Archive, ArchiveError, UnknownArticle, UnknownIssue
from retrieval.models import Answer, ArchiveStats, Hit, IssueRef, SourceFile, StoredArticle, StoredIssue

from . import browse_text, messages
from .commands import deep_link_issue, find_issue, is_small_talk, parse_issue_query, parse_year_query

PER_PAGE = 3
MAX_PAGES = 5
RELATED_ARTICLES = 5
# A Word export holds every hit the pages would show.
EXPORT_HITS = PER_PAGE * MAX_PAGES
# Telegram's limit for a file a bot sends (sendDocument).
MAX_SEND_BYTES = 50 * 1024 * 1024
# Issues on one page of a year: their titles must fit one message (the renderer shortens the rest).
YEAR_PAGE_ISSUES = 5
# Years a bulletin can plausibly carry; anything else is a typing slip, not a year to look up.
FIRST_YEAR = 1949


@dataclass(frozen=True)
class AnswerPage:
    """One page of an answer: hits numbered from first_number, and whether more follow; `year`
    is the year a reader narrowed the list to (a facet), if any."""

    answer: Answer
    page: int = 0
    has_more: bool = False
    year: int | None = None

    @property
    def first_number(self) -> int:
        return self.page * PER_PAGE + 1


@dataclass(frozen=True)
class IssueView:
    issue: StoredIssue


@dataclass(frozen=True)
class ArticleView:
    article: StoredArticle
    ref: IssueRef
    related: tuple[Hit, ...] = ()
    """Up to RELATED_ARTICLES others on its theme, from other issues, best first."""


@dataclass(frozen=True)
class SourceDocument:
    """An issue's original file, to send as a document."""

    ref: IssueRef
    file: SourceFile
    data: bytes = field(repr=False)

    @property
    def filename(self) -> str:
        """The stored name without its folders (either kind of slash)."""
        return PureWindowsPath(self.file.name).name or f"{self.ref.total}.{self.file.format}"


@dataclass(frozen=True)
class StatsView:
    stats: ArchiveStats


@dataclass(frozen=True)
class Notice:
    """A sentence from messages: help, usage, an issue not held, an empty archive."""

    text: str


@dataclass(frozen=True)
class YearsView:
    """The years held, with how many issues each; `note` says why they are offered, if not asked."""

    years: tuple[tuple[int, int], ...]
    note: str | None = None


@dataclass(frozen=True)
class YearView:
    """One page (0-based) of a year's issues, by 期号; `count` is how many the year holds."""

    year: int
    issues: tuple[StoredIssue, ...]
    page: int
    pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


Reply = AnswerPage | IssueView | ArticleView | StatsView | YearsView | YearView | Notice


def ask(
    archive: Archive,
    question: str,
    page: int = 0,
    year: int | None = None,
    source: str | None = None,
    facets: bool = False,
) -> AnswerPage | Notice:
    """Greetings get the help text; anything else is searched, PER_PAGE hits at a time, narrowed
    to a year or an office when a reader picked one, with the list's facets when asked."""
    if is_small_talk(question):
        return Notice(messages.HELP)
    page = max(0, min(page, MAX_PAGES - 1))
    answer = archive.ask(question, limit=PER_PAGE, offset=page * PER_PAGE, year=year, source=source, facets=facets)
    return AnswerPage(answer, page=page, has_more=answer.more and page + 1 < MAX_PAGES, year=year)


def turn_page(
    archive: Archive,
    key: str,
    page: int,
    owner: int | None = None,
    year: int | None = None,
    facets: bool = False,
) -> AnswerPage | Notice:
    """A further page of a saved question (a 更多结果 button), narrowed to `year` when the reader
    picked one (a year's button under 按年份筛选); a key that is forged, expired or another chat's
    gets the polite 'ask again', and a year the list holds nothing of (only forged data names one)
    says so. `owner` is the chat that pressed the button: passed on to the archive once saved
    questions are bound to the chat that saved them."""
    saved = archive.saved_question(key) if owner is None else archive.saved_question(key, owner=owner)
    if saved is None:
        return Notice(messages.EXPIRED)
    reply = ask(archive, saved, page, year=year, facets=facets)
    if year is not None and isinstance(reply, AnswerPage) and reply.page == 0 and not reply.answer.hits:
        return Notice(messages.NARROWED_NONE.format(year=year))
    return reply


def saved_answer(
    archive: Archive, key: str, owner: int, limit: int = EXPORT_HITS, year: int | None = None
) -> Answer | Notice:
    """The answer to a saved question, up to `limit` hits (only `year`'s when narrowed to it), for
    a 导出Word button; a key that is forged, expired or another chat's gets the polite 'ask again',
    a year without hits says so."""
    saved = archive.saved_question(key, owner=owner)
    if saved is None:
        return Notice(messages.EXPIRED)
    answer = archive.ask(saved, limit=limit, year=year)
    if year is not None and not answer.hits:
        return Notice(messages.NARROWED_NONE.format(year=year))
    return answer


def issue(archive: Archive, argument: str) -> IssueView | YearsView | Notice:
    """The issue an argument names; without one, the years to browse instead of a usage line."""
    if not argument.strip():
        return years(archive, note=browse_text.ISSUE_WITHOUT_NUMBER)
    query = parse_issue_query(argument)
    if query is None:
        return Notice(messages.ISSUE_USAGE)
    try:
        return IssueView(find_issue(archive, query))
    except UnknownIssue as exc:
        return Notice(messages.unknown_issue(query.label, exc.nearest))


def open_issue(archive: Archive, total: int) -> IssueView | Notice:
    """An issue by its 总期号, as its button (on a page of a year) opens it."""
    try:
        return IssueView(archive.issue(total))
    except UnknownIssue as exc:
        return Notice(messages.unknown_issue(f"总第{total}期", exc.nearest))


def years(archive: Archive, note: str | None = None) -> YearsView | Notice:
    """/years: every year held with its number of issues."""
    held = tuple(archive.years())
    return YearsView(held, note) if held else Notice(messages.EMPTY_ARCHIVE)


def year(archive: Archive, argument: str, page: int = 0) -> YearView | YearsView | Notice:
    """/year 2022 (or 2022年, ２０２２, 2022 2 for its second page): a page of that year's issues."""
    query = parse_year_query(argument)
    if query is None:
        return Notice(browse_text.YEAR_USAGE)
    number, typed_page = query
    return year_page(archive, number, page if typed_page is None else typed_page)


def year_page(archive: Archive, number: int, page: int) -> YearView | YearsView | Notice:
    """Page `page` (0-based) of a year, as a button asks for it; a year or page not held gets a notice."""
    if not FIRST_YEAR <= number <= dt.date.today().year + 1:
        return Notice(browse_text.YEAR_OUT_OF_RANGE.format(year=number))
    offset = max(page, 0) * YEAR_PAGE_ISSUES
    issues, count = archive.issues_in_year(number, offset=offset, limit=YEAR_PAGE_ISSUES)
    if count == 0:
        return years(archive, note=browse_text.YEAR_EMPTY.format(year=number))
    pages = -(-count // YEAR_PAGE_ISSUES)
    if not 0 <= page < pages or not issues:
        return Notice(browse_text.PAGE_GONE.format(year=number, page=page + 1, pages=pages))
    return YearView(number, tuple(issues), page, pages, count)


def latest(archive: Archive) -> IssueView | Notice:
    found = archive.latest()
    return IssueView(found) if found else Notice(messages.EMPTY_ARCHIVE)


def article(archive: Archive, article_id: int) -> ArticleView | Notice:
    """An article whole, with the others on its theme."""
    try:
        stored, ref = archive.article(article_id)
        return ArticleView(stored, ref, archive.related(article_id, RELATED_ARTICLES))
    except UnknownArticle as exc:
        return Notice(str(exc))


def source_file(archive: Archive, total: int, sha256: str) -> SourceDocument | Notice:
    """The original file of an issue, if the issue still holds the file the button was made for."""
    try:
        issue = archive.issue(total)
    except UnknownIssue:
        return Notice(messages.SOURCE_GONE)
    if issue.file is None:
        return Notice(messages.SOURCE_NONE)
    replaced = Notice(messages.SOURCE_REPLACED.format(total=total))
    if not issue.file.sha256.lower().startswith(sha256):  # an upload replaced the issue since
        return replaced
    if issue.file.size > MAX_SEND_BYTES:  # known before the file is read
        return Notice(messages.SOURCE_TOO_BIG)
    try:
        file, data = archive.source_file(total)
    except UnknownIssue:
        return Notice(messages.SOURCE_GONE)
    except ArchiveError as exc:
        return Notice(str(exc))
    return SourceDocument(issue.ref, file, data) if file.sha256.lower().startswith(sha256) else replaced


def stats(archive: Archive) -> StatsView:
    return StatsView(archive.stats())


def start(archive: Archive, argument: str) -> IssueView | YearsView | Notice:
    """/start: the help text, or the issue a deep link names (t.me/<bot>?start=issue_2202)."""
    number = deep_link_issue(argument)
    return issue(archive, number) if number else Notice(messages.HELP)


def respond(archive: Archive, line: str) -> Reply | None:
    """A line typed in the console: a command or a question (None for a blank line)."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return ask(archive, text)
    command, _, argument = text.partition(" ")
    command = command.split("@", 1)[0].lower()
    if command == "/latest":
        return latest(archive)
    if command == "/issue":
        return issue(archive, argument)
    if command == "/stats":
        return stats(archive)
    if command == "/years":
        return years(archive)
    if command == "/year":
        return year(archive, argument)
    if command == "/ask":
        return ask(archive, argument) if argument.strip() else Notice(messages.ASK_USAGE)
    if command == "/start":
        return start(archive, argument)
    return Notice(messages.HELP)

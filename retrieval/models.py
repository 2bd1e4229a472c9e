"""Small frozen dataclasses that carry the domain between modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

BULLETIN_TITLE = "首都精神文明建设情况简报"

# How richly each source format keeps an issue: of two sources of one issue, the richer (pages,
# the original layout) is kept and a poorer one never replaces it.
SOURCE_RANK = {"pdf": 3, "docx": 2, "html": 2, "txt": 1}


def format_rank(fmt: str) -> int:
    return SOURCE_RANK.get(fmt, 0)


@dataclass(frozen=True)
class Footer:
    """Issue metadata printed under the last article (never article text)."""

    editor: str | None = None
    reviewer: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    report_to: str | None = None
    send_to: str | None = None
    distribute_to: str | None = None


@dataclass(frozen=True)
class Article:
    title: str
    source: str | None
    paragraphs: tuple[str, ...]
    page_marks: tuple[tuple[int, int], ...] = ()
    """(offset in `text`, page) where each page of the article begins; empty without pages."""

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def page_at(self, offset: int) -> int | None:
        """The page the character at offset of `text` is on; None when the source has no pages."""
        return page_at(self.page_marks, offset, self.page_marks[0][1] if self.page_marks else None)


def page_at(marks: tuple[tuple[int, int], ...], offset: int, first: int | None) -> int | None:
    """The page of the character at offset, given (offset, page) where pages begin; `first` before
    the first mark."""
    page = first
    for start, number in marks:
        if start > offset:
            break
        page = number
    return page


@dataclass(frozen=True)
class IssueRef:
    """What a citation needs to name an issue."""

    total: int
    number: int
    year: int
    date: dt.date
    issuer: str


@dataclass(frozen=True)
class Issue:
    ref: IssueRef
    articles: tuple[Article, ...]
    footer: Footer = field(default_factory=Footer)

    @property
    def total(self) -> int:
        return self.ref.total


@dataclass(frozen=True)
class StoredArticle:
    id: int
    position: int
    title: str
    source: str | None
    text: str
    page: int | None = None
    """The page of the source file the article starts on; None when the source has no pages."""


@dataclass(frozen=True)
class SourceFile:
    """The file an issue was read from, kept so it can be sent back."""

    sha256: str
    name: str
    format: str
    """"pdf", "docx", "html" or "txt"."""
    size: int
    pages: int | None
    ocr_pages: int = 0
    ocr_confidence: float | None = None

    @property
    def ocr(self) -> bool:
        return self.ocr_pages > 0


@dataclass(frozen=True)
class StoredIssue:
    ref: IssueRef
    articles: tuple[StoredArticle, ...]
    footer: Footer
    file: SourceFile | None = None


@dataclass(frozen=True)
class Hit:
    issue: IssueRef
    article_id: int
    title: str
    source: str | None
    excerpt: str
    score: float
    terms: tuple[str, ...]
    """Question terms found in the passage."""
    marks: tuple[tuple[int, int], ...] = ()
    """[start, end) spans of the excerpt where those terms occur, for emphasis."""
    page: int | None = None
    """The page of the source file the passage starts on; None when the source has no pages."""
    answer: tuple[int, int] | None = None
    """[start, end) of the sentence in the excerpt that answers the question, for marking; None
    when no sentence holds a term of the question."""


class Match(Enum):
    """How well an answer's first hit answers the question: the tier a surface labels."""

    ANSWER = "answer"
    """A confident answer."""
    RELATED = "related"
    """A weak match, shown under a plain label: it may be related, it does not answer directly."""
    NONE = "none"
    """Nothing: no hits, and a hint instead."""


class NoAnswer(Enum):
    EMPTY_QUESTION = "empty_question"
    NO_MATCH = "no_match"
    OUTSIDE_ARCHIVE = "outside_archive"


@dataclass(frozen=True)
class Filters:
    """Restrictions a question names: a year range, a month, a date or an issue."""

    year_from: int | None = None
    year_to: int | None = None
    month: int | None = None
    day: int | None = None
    number: int | None = None
    total: int | None = None
    label: str = ""
    source: str | None = None
    """The office an article comes from (its 来源 line), as a reader narrows a list by it."""

    @property
    def names_issue(self) -> bool:
        return self.total is not None or self.number is not None

    @property
    def active(self) -> bool:
        return any(
            v is not None for v in (self.year_from, self.year_to, self.month, self.day, self.number, self.total)
        ) or bool(self.source)


@dataclass(frozen=True)
class Facets:
    """How the whole list of hits (every page) spreads over years and source offices: counts that
    add up to the hits, years newest first, offices by count then name."""

    years: tuple[tuple[int, int], ...] = ()
    sources: tuple[tuple[str, int], ...] = ()

    @property
    def hits(self) -> int:
        return sum(count for _, count in self.years)


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    filters: Filters = field(default_factory=Filters)
    no_answer: NoAnswer | None = None
    held: tuple[dt.date, dt.date] | None = None
    """First and latest issue dates held, when the filters fall outside them."""
    relaxed: bool = False
    """The named year or month held nothing relevant, so the hits come from the whole archive."""
    more: bool = False
    """Further hits follow the ones asked for."""
    match: Match = Match.NONE
    """The tier of the hits: Match.NONE exactly when there are none."""
    facets: Facets | None = None
    """Asked for: the whole list's spread over years and offices."""


class IngestStatus(Enum):
    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT = "kept"
    """The issue is already held from a richer source (a PDF over a text export): not replaced."""


@dataclass(frozen=True)
class IngestReport:
    """What happened to one file: a status and counts, or the reason it was refused."""

    name: str
    status: IngestStatus | None = None
    ref: IssueRef | None = None
    articles: int = 0
    passages: int = 0
    chars: int = 0
    """Characters of the bulletin's text."""
    error: str | None = None
    format: str | None = None
    """The format read from the file's bytes: "pdf", "docx", "html" or "txt"."""
    pages: int | None = None
    ocr_pages: int = 0
    ocr_confidence: float | None = None
    """Mean recognition confidence (0-1) of the OCR'd pages."""
    turned_pages: int = 0
    """Scanned pages that lay sideways or upside down, turned upright to be read."""
    unreadable_pages: tuple[int, ...] = ()
    """Scanned pages (1-based) OCR read nothing from whichever way up, left out of the issue."""
    previous_format: str | None = None
    """For a replaced or kept issue: the format of the source held before."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ArchiveStats:
    issues: int
    articles: int
    passages: int
    first: dt.date | None
    latest: dt.date | None


@dataclass(frozen=True)
class TrendYear:
    """One year of a topic's trend: the articles that answer the topic, and their issues."""

    year: int
    articles: int
    issues: tuple[int, ...] = ()
    """The 总期号 of the issues holding those articles, ascending."""


@dataclass(frozen=True)
class Trend:
    """A topic over the years: every year the archive holds, in order, zeros included."""

    topic: str
    years: tuple[TrendYear, ...]
    empty_topic: bool = False
    """The topic holds no word to look for (empty, or only function words)."""

    @property
    def articles(self) -> int:
        return sum(y.articles for y in self.years)

    @property
    def span(self) -> tuple[int, int] | None:
        """The first and last year with an article on the topic, or None when none has."""
        found = [y.year for y in self.years if y.articles]
        return (found[0], found[-1]) if found else None

"""What the archive says back, as plain data: one code path for the bot and the console.

Each function takes what the user typed or pressed and returns a reply object; renderers turn
it into Telegram HTML or terminal text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from retrieval.archive import Archive, ArchiveError, UnknownArticle, UnknownIssue
from retrieval.models import Answer, ArchiveStats, IssueRef, SourceFile, StoredArticle, StoredIssue

from . import messages
from .commands import deep_link_issue, find_issue, is_small_talk, parse_issue_query

PER_PAGE = 3
MAX_PAGES = 5
# Telegram's limit for a file a bot sends (sendDocument).
MAX_SEND_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class AnswerPage:
    """One page of an answer: hits numbered from first_number, and whether more follow."""

    answer: Answer
    page: int = 0
    has_more: bool = False

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


Reply = AnswerPage | IssueView | ArticleView | StatsView | Notice


def ask(archive: Archive, question: str, page: int = 0) -> AnswerPage | Notice:
    """Greetings get the help text; anything else is searched, PER_PAGE hits at a time."""
    if is_small_talk(question):
        return Notice(messages.HELP)
    page = max(0, min(page, MAX_PAGES - 1))
    answer = archive.ask(question, limit=PER_PAGE, offset=page * PER_PAGE)
    return AnswerPage(answer, page=page, has_more=answer.more and page + 1 < MAX_PAGES)


def turn_page(archive: Archive, key: str, page: int, owner: int | None = None) -> AnswerPage | Notice:
    """A further page of a saved question (a 更多结果 button); a key that is forged, expired or
    another chat's gets the polite 'ask again'. `owner` is the chat that pressed the button: passed
    on to the archive once saved questions are bound to the chat that saved them."""
    saved = archive.saved_question(key) if owner is None else archive.saved_question(key, owner=owner)
    if saved is None:
        return Notice(messages.EXPIRED)
    return ask(archive, saved, page)


def issue(archive: Archive, argument: str) -> IssueView | Notice:
    query = parse_issue_query(argument)
    if query is None:
        return Notice(messages.ISSUE_USAGE)
    try:
        return IssueView(find_issue(archive, query))
    except UnknownIssue as exc:
        return Notice(messages.unknown_issue(query.label, exc.nearest))


def latest(archive: Archive) -> IssueView | Notice:
    found = archive.latest()
    return IssueView(found) if found else Notice(messages.EMPTY_ARCHIVE)


def article(archive: Archive, article_id: int) -> ArticleView | Notice:
    try:
        return ArticleView(*archive.article(article_id))
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


def start(archive: Archive, argument: str) -> IssueView | Notice:
    """/start: the help text, or the issue a deep link names (t.me/<bot>?start=issue_2202)."""
    number = deep_link_issue(argument)
    return issue(archive, number) if number is not None else Notice(messages.HELP)


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
    if command == "/ask":
        return ask(archive, argument) if argument.strip() else Notice(messages.ASK_USAGE)
    if command == "/start":
        return start(archive, argument)
    return Notice(messages.HELP)

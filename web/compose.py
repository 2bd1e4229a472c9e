"""What one page needs of the archive, gathered in one call on the archive's thread. Each
function takes the archive first, as the worker passes it, and returns the conversation's replies."""

from __future__ import annotations

from bot import conversation
from bot.conversation import IssueView, Notice, SourceDocument, YearsView
from retrieval.archive import Archive

Neighbours = tuple[int | None, int | None]


def home(archive: Archive) -> tuple[IssueView | Notice, YearsView | Notice]:
    """The latest issue and the years held."""
    return conversation.latest(archive), conversation.years(archive)


def issue(archive: Archive, argument: str) -> tuple[IssueView | YearsView | Notice, Neighbours]:
    """The issue an argument names, and the issues held before and after it."""
    reply = conversation.issue(archive, argument)
    if isinstance(reply, IssueView):
        return reply, archive.neighbours(reply.issue.ref.total)
    return reply, (None, None)


def original(archive: Archive, total: int) -> SourceDocument | Notice:
    """An issue's stored original file; an issue not held names the nearest ones."""
    opened = conversation.open_issue(archive, total)
    if isinstance(opened, Notice):
        return opened
    # The bot pins the file its button was made for; a link asks for whichever file is held now.
    return conversation.source_file(archive, total, sha256="")

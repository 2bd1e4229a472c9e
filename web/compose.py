"""What one page needs of the archive, gathered in one call on the archive's thread. Each
function takes the archive first, as the worker passes it, and returns the conversation's replies."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import PureWindowsPath

from replies import conversation, messages
from replies.conversation import IssueView, Notice, YearsView
from retrieval.archive import Archive
from retrieval.models import IssueRef, SourceFile

Neighbours = tuple[int | None, int | None]
# An original file is read from the archive this much at a time: about the most a download holds
# in memory. Not less: SQLite reaches an offset in a stored file by walking its pages from the
# start, so each piece costs time in proportion to where it starts, on the archive's one thread;
# at 1 MiB a whole download costs that thread about what reading the file at once did.
PIECE_BYTES = 1024 * 1024
TEXT_FORMATS = ("txt", "html")


@dataclass(frozen=True)
class Original:
    """An issue's stored original file, described; its bytes are read piece by piece as sent."""

    ref: IssueRef
    file: SourceFile
    utf8: bool
    """A text format whose bytes are all UTF-8 (exports may be GB18030): its type says so."""

    @property
    def filename(self) -> str:
        """The stored name without its folders (either kind of slash)."""
        return PureWindowsPath(self.file.name).name or f"{self.ref.total}.{self.file.format}"


def home(archive: Archive) -> tuple[IssueView | Notice, YearsView | Notice]:
    """The latest issue and the years held."""
    return conversation.latest(archive), conversation.years(archive)


def issue(archive: Archive, argument: str) -> tuple[IssueView | YearsView | Notice, Neighbours]:
    """The issue an argument names, and the issues held before and after it."""
    reply = conversation.issue(archive, argument)
    if isinstance(reply, IssueView):
        return reply, archive.neighbours(reply.issue.ref.total)
    return reply, (None, None)


def original(archive: Archive, total: int) -> Original | Notice:
    """The original file an issue is held with now; an issue not held names the nearest ones."""
    opened = conversation.open_issue(archive, total)
    if isinstance(opened, Notice):
        return opened
    file = opened.issue.file
    utf8 = is_utf8(archive, file) if file is not None and file.format in TEXT_FORMATS else False
    if file is None or utf8 is None:
        return Notice(messages.SOURCE_NONE)
    return Original(opened.issue.ref, file, utf8)


def piece(archive: Archive, sha256: str, offset: int) -> bytes | None:
    """The piece of a stored file from offset; None once an ingest has dropped the file."""
    return archive.source_piece(sha256, offset, PIECE_BYTES)


def is_utf8(archive: Archive, file: SourceFile) -> bool | None:
    """Whether a stored file decodes as UTF-8, read a piece at a time; None when it is not held."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for offset in range(0, file.size, PIECE_BYTES):
        data = piece(archive, file.sha256, offset)
        if data is None:
            return None
        try:
            decoder.decode(data, final=offset + PIECE_BYTES >= file.size)
        except UnicodeDecodeError:
            return False
    return True

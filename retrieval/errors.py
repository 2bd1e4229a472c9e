"""Domain errors. Each carries a one-line, user-facing message in Chinese."""


class ArchiveError(Exception):
    """Base class for problems a user can act on; never a bug."""


class UnreadableFile(ArchiveError):
    """The file is empty, binary, too large, or in an encoding we cannot read."""


class NotABulletin(ArchiveError):
    """The text lacks a bulletin's header, issue numbers, date or articles."""

    def __str__(self) -> str:
        return f"{self.args[0]}。请确认这是一期完整的简报（PDF、Word、网页或文本）。"


class UnknownIssue(ArchiveError):
    """No issue with that number is held in the archive."""

    def __init__(self, message: str, nearest: tuple[int, ...] = ()):
        super().__init__(message)
        self.nearest = nearest


class MissingResource(ArchiveError):
    """A data file the archive needs (user dictionary, stop words) is missing."""


class UnknownArticle(ArchiveError):
    """No article with that id is held (its issue was replaced or removed)."""


class UnsupportedFormat(UnreadableFile):
    """The bytes are no format the archive reads (PDF, DOCX, HTML, text)."""


class DamagedFile(UnreadableFile):
    """A PDF or DOCX that is corrupt or truncated."""


class EncryptedPdf(UnreadableFile):
    """A PDF protected by a password."""


class TooManyPages(UnreadableFile):
    """A PDF over the page cap: not one issue of the bulletin."""


class OcrUnavailable(UnreadableFile):
    """A page needs OCR and the OCR extra is not installed."""


class MissingSourceFile(ArchiveError):
    """The issue is held, but not the file it was read from."""


class StaleIndex(ArchiveError):
    """The stored index was built with other dictionaries or another analysis: it must be rebuilt."""

"""Domain errors. Each carries a one-line, user-facing message in Chinese."""

from __future__ import annotations

import sqlite3


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


class DatabaseUnusable(ArchiveError):
    """The archive file cannot be used as it is: busy, full, read-only, damaged or missing."""


class DatabaseBusy(DatabaseUnusable):
    """Another process holds the write lock (an ingest) past the busy timeout: nothing is wrong."""


class DatabaseFull(DatabaseUnusable):
    """The disk (or the file's size limit) is full: the write was rolled back whole."""


class DatabaseReadOnly(DatabaseUnusable):
    """The file or its folder cannot be written, or it was opened for reading only."""


class DatabaseDamaged(DatabaseUnusable):
    """Not an SQLite file, or a corrupt one."""


class DatabaseMissing(DatabaseUnusable):
    """A reading command was pointed at a file that does not exist."""


# SQLite's primary result codes (https://sqlite.org/rescode.html); extended codes keep them in
# their low byte.
_BUSY, _LOCKED, _READONLY, _CORRUPT, _CANTOPEN, _FULL, _NOTADB, _PERM = 5, 6, 8, 11, 14, 13, 26, 3


def database_error(exc: sqlite3.Error | OSError, path: object) -> DatabaseUnusable:
    """One line that says what is wrong with the archive file and what to do: a passing lock
    never gets the advice to delete the file, and a damaged file never the advice to wait."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_BUSY, _LOCKED) or "locked" in text or "busy" in text:
        return DatabaseBusy(f"档案数据库 {path} 正被另一个进程写入（例如一次导入），暂时无法使用；请稍后再试。")
    if primary == _FULL or "full" in text:
        return DatabaseFull(
            f"磁盘空间不足，无法写入档案数据库 {path}；本次写入已全部撤销，档案保持原样。请腾出空间后重试。"
        )
    if primary in (_READONLY, _PERM) or "readonly" in text or "read-only" in text:
        return DatabaseReadOnly(f"档案数据库 {path} 无法写入（只读）；请检查该文件及其所在文件夹的写权限。")
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return DatabaseDamaged(
            f"档案数据库 {path} 已损坏或不是本程序的档案（{exc}）；请用 backup 备份的副本恢复，或换一个文件名重新导入。"
        )
    if primary == _CANTOPEN or isinstance(exc, OSError):
        return DatabaseUnusable(f"无法打开档案数据库 {path}（{exc}）；请检查路径和权限。")
    return DatabaseUnusable(f"档案数据库 {path} 出错（{exc}）；请稍后重试，若一再出现请检查该文件。")


class ContentTooLarge(UnreadableFile):
    """A part of the file would unpack or parse past what any issue needs: refused before the work."""


class TooManyOcrPages(TooManyPages):
    """A PDF with more pages to OCR than any scanned issue has."""

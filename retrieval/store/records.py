"""What the store is handed to save: issues, their articles and passages, and the files they
were read from. Ingest builds these without touching the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..models import Footer, IngestStatus, IssueRef, SourceFile

# The analysis of a text for the index: its character grams.
Analyzer = Callable[[str], list[str]]
# A stored passage as reindex reads it: its text, its first page and the pages that begin inside it.
HeldPassage = tuple[str, int | None, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class PassageRecord:
    """A passage ready to store: text for people, character grams for the index."""

    text: str
    grams: tuple[str, ...]
    page: int | None = None
    page_breaks: tuple[tuple[int, int], ...] = ()
    """(offset in text, page) where a later page begins inside the passage."""


# An article's stored text and passages -> its passages as ingest cuts them now.
Rechunker = Callable[[str, list[HeldPassage]], Iterable[PassageRecord]]


@dataclass(frozen=True)
class ArticleRecord:
    title: str
    source: str | None
    text: str
    title_grams: tuple[str, ...]
    passages: tuple[PassageRecord, ...]
    page: int | None = None


@dataclass(frozen=True)
class FileRecord:
    """The file an issue was read from, with its bytes when they are to be kept."""

    meta: SourceFile
    data: bytes | None = None


@dataclass(frozen=True)
class IssueRecord:
    """An issue ready to store."""

    ref: IssueRef
    footer: Footer
    articles: tuple[ArticleRecord, ...]
    content_hash: str
    source_file: str
    file: FileRecord | None = None

    @property
    def format(self) -> str:
        return self.file.meta.format if self.file else "txt"


@dataclass(frozen=True)
class SaveResult:
    """What storing one issue did, and the format of the source it replaced or kept."""

    status: IngestStatus
    previous_format: str | None = None

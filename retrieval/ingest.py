"""Files -> stored issues: read, decode, parse, chunk, tokenize, save. One report per file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .chunk import chunk_paragraphs
from .decode import decode_bulletin, ensure_size
from .errors import ArchiveError
from .models import Issue, IssueRef
from .parse import parse_bulletin
from .store import ArticleRecord, IngestStatus, PassageRecord, Store
from .tokenize import Tokenizer

# Bump when parsing, chunking or tokenizing changes, so re-ingesting rebuilds stored issues.
PIPELINE_VERSION = 2
BULLETIN_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class IngestReport:
    """What happened to one file: a status and counts, or the reason it was refused."""

    name: str
    status: IngestStatus | None = None
    ref: IssueRef | None = None
    articles: int = 0
    passages: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def issue_hash(issue: Issue) -> str:
    payload = json.dumps([PIPELINE_VERSION, asdict(issue)], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def prepare_articles(issue: Issue, tokenizer: Tokenizer) -> list[ArticleRecord]:
    records = []
    for article in issue.articles:
        passages = tuple(
            PassageRecord(text=text, tokens=" ".join(tokenizer.tokens(text)))
            for text in chunk_paragraphs(article.paragraphs)
        )
        records.append(
            ArticleRecord(
                title=article.title,
                source=article.source,
                text=article.text,
                title_tokens=" ".join(tokenizer.tokens(article.title)),
                passages=passages,
            )
        )
    return records


def ingest_bytes(store: Store, tokenizer: Tokenizer, data: bytes, name: str) -> IngestReport:
    """Ingest one file's content. Refusals come back as a report, never half-written."""
    try:
        issue = parse_bulletin(decode_bulletin(data))
        articles = prepare_articles(issue, tokenizer)
        status = store.save_issue(issue.ref, issue.footer, articles, issue_hash(issue), name)
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    return IngestReport(
        name=name,
        status=status,
        ref=issue.ref,
        articles=len(articles),
        passages=sum(len(a.passages) for a in articles),
    )


def ingest_paths(store: Store, tokenizer: Tokenizer, paths: Iterable[Path]) -> Iterator[IngestReport]:
    """Ingest files, and the bulletin files found under folders, in a stable order."""
    for path in paths:
        if not path.is_dir():
            yield _ingest_file(store, tokenizer, path)
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in BULLETIN_SUFFIXES)
        if not found:
            yield IngestReport(name=str(path), error="文件夹里没有 .txt 简报文件。")
        for file in found:
            yield _ingest_file(store, tokenizer, file)


def _ingest_file(store: Store, tokenizer: Tokenizer, path: Path) -> IngestReport:
    name = str(path)
    if not path.exists():
        return IngestReport(name=name, error="文件不存在，请检查路径。")
    try:
        ensure_size(path.stat().st_size)
        data = path.read_bytes()
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except OSError as exc:
        return IngestReport(name=name, error=f"无法读取文件（{exc.strerror}），请检查权限。")
    return ingest_bytes(store, tokenizer, data, name)

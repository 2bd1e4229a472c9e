"""One file -> an issue ready to store: read, parse, chunk and tokenize. The CPU-bound part of
ingest, with no database, so it runs the same here or in a worker process."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..errors import ArchiveError
from ..models import Article, IngestReport, IngestStatus, Issue, IssueRef, SourceFile
from ..store.records import ArticleRecord, FileRecord, HeldPassage, IssueRecord, PassageRecord
from ..tokenize import Tokenizer
from .chunk import chunk_with_offsets
from .decode import ensure_size
from .parse import parse_bulletin
from .readers import Progress, read_document

logger = logging.getLogger(__name__)

# Bump when parsing, chunking or tokenizing changes, so re-ingesting rebuilds stored issues.
PIPELINE_VERSION = 4
# A file that breaks a reader in a way no reader foresaw: refused alone, never the run.
UNEXPECTED_ERROR = "读取时出错（{kind}）：文件内容异常，无法作为简报读取；请用原始的 PDF、Word 或网页文件重新导入。"


def issue_hash(issue: Issue) -> str:
    payload = json.dumps([PIPELINE_VERSION, asdict(issue)], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def prepare_articles(issue: Issue, tokenizer: Tokenizer) -> list[ArticleRecord]:
    records = []
    for article in issue.articles:
        title_grams = tokenizer.passage_grams(article.title)
        passages = tuple(_passages(article, tokenizer))
        records.append(
            ArticleRecord(
                title=article.title,
                source=article.source,
                text=article.text,
                title_grams=tuple(title_grams),
                passages=passages,
                page=passages[0].page if passages else article.page_at(0),
            )
        )
    return records


def _passages(article: Article, tokenizer: Tokenizer) -> Iterator[PassageRecord]:
    for start, text in chunk_with_offsets(article.paragraphs):
        end = start + len(text)
        yield PassageRecord(
            text=text,
            grams=tuple(tokenizer.passage_grams(text)),
            page=article.page_at(start),
            page_breaks=tuple((o - start, p) for o, p in article.page_marks if start < o < end),
        )


def rechunk(text: str, held: list[HeldPassage], tokenizer: Tokenizer) -> list[PassageRecord]:
    """An article's passages as ingest cuts them now, from its stored text and the passages an
    older version cut: their pages tell where each page of the article begins."""
    marks: list[tuple[int, int]] = []
    cursor = 0
    for passage, page, breaks in held:
        start = text.find(passage, cursor)
        if start < 0 or page is None:
            continue
        cursor = start + len(passage)
        for offset, number in ((start, page), *((start + o, p) for o, p in breaks)):
            if not marks or marks[-1][1] != number:
                marks.append((offset, number))
    article = Article(title="", source=None, paragraphs=tuple(text.split("\n")), page_marks=tuple(marks))
    return list(_passages(article, tokenizer))


@dataclass(frozen=True)
class Prepared:
    """A file parsed and tokenized, ready to store."""

    name: str
    record: IssueRecord
    passages: int
    chars: int
    path: Path | None = None
    """The file on disk, when it came from one (its name above may have escapes in it)."""
    turned_pages: int = 0
    """Scanned pages read after turning them upright (see readers/orientation.py)."""
    unreadable_pages: tuple[int, ...] = ()
    """Scanned pages OCR read nothing from, left out of the issue."""


# sha256 of the files issues are read from now -> (issue, format): the same bytes again are
# reported unchanged without being read (OCR above all).
Known = dict[str, tuple[IssueRef, str]]


def prepare_bytes(
    tokenizer: Tokenizer, data: bytes, name: str, known: Known | None = None, progress: Progress | None = None
) -> Prepared | IngestReport:
    """Read, parse, chunk and tokenize one file: the CPU-bound part of ingest, no database."""
    name = storable_name(name)
    sha256 = hashlib.sha256(data).hexdigest()
    if known and sha256 in known:
        ref, fmt = known[sha256]
        return IngestReport(name=name, status=IngestStatus.UNCHANGED, ref=ref, format=fmt)
    try:
        ensure_size(len(data))
        document = read_document(data, progress)
        issue = parse_bulletin(document.text, document.page_starts)
        articles = tuple(prepare_articles(issue, tokenizer))
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one hostile file costs itself, never the others
        return unexpected_failure(name, exc)
    meta = SourceFile(
        sha256=sha256,
        name=Path(name).name,
        format=document.format,
        size=len(data),
        pages=document.pages,
        ocr_pages=document.ocr_pages,
        ocr_confidence=document.ocr_confidence,
    )
    record = IssueRecord(issue.ref, issue.footer, articles, issue_hash(issue), name, FileRecord(meta, data))
    return Prepared(
        name=name,
        record=record,
        passages=sum(len(a.passages) for a in articles),
        chars=len(document.text),
        turned_pages=document.turned_pages,
        unreadable_pages=document.unreadable_pages,
    )


def storable_name(name: str) -> str:
    """A file name as text SQLite can store: a name that is not valid UTF-8 on disk (a GBK name
    on Linux) reaches Python with lone surrogates, kept here as escapes."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def prepare_file(
    tokenizer: Tokenizer, path: Path, known: Known | None = None, progress: Progress | None = None
) -> Prepared | IngestReport:
    name = storable_name(str(path))
    if not path.exists():
        return IngestReport(name=name, error="文件不存在，请检查路径。")
    try:
        ensure_size(path.stat().st_size)
        data = path.read_bytes()
    except ArchiveError as exc:
        return IngestReport(name=name, error=str(exc))
    except OSError as exc:
        return IngestReport(name=name, error=f"无法读取文件（{exc.strerror}），请检查权限。")
    prepared = prepare_bytes(tokenizer, data, name, known, progress)
    return replace(prepared, path=path) if isinstance(prepared, Prepared) else prepared


def unexpected_failure(name: str, exc: Exception) -> IngestReport:
    """The report of a file that raised what no reader foresaw; the traceback goes to the debug log."""
    logger.debug("reading %r failed", name, exc_info=exc)
    return IngestReport(name=storable_name(name), error=UNEXPECTED_ERROR.format(kind=type(exc).__name__))

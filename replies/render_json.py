"""Answers, issues and stats as JSON-ready dicts (the command line's --json contract)."""

from __future__ import annotations

from typing import Any

from retrieval.models import Answer, ArchiveStats, Facets, Hit, SourceFile, StoredIssue

from .citations import gbt7714
from .conversation import ArticleView
from .messages import citation


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "match": answer.match.value,
        "hits": [
            {
                "article": hit.article_id,
                "total": hit.issue.total,
                "number": hit.issue.number,
                "date": hit.issue.date.isoformat(),
                "title": hit.title,
                "source": hit.source,
                "excerpt": hit.excerpt,
                "score": hit.score,
                "page": hit.page,
                "answer": answer_sentence_json(hit.excerpt, hit.answer),
                "cite_gbt7714": gbt7714(hit.issue, hit.title, hit.source, hit.page),
            }
            for hit in answer.hits
        ],
    }


def facets_json(facets: Facets | None) -> dict[str, Any]:
    """How the whole list spreads over years and offices: counts that add up to its hits."""
    if facets is None:
        return {"years": [], "sources": []}
    return {
        "years": [{"year": year, "articles": count} for year, count in facets.years],
        "sources": [{"source": source, "articles": count} for source, count in facets.sources],
    }


def answer_sentence_json(excerpt: str, span: tuple[int, int] | None) -> dict[str, Any] | None:
    """The sentence of the excerpt that answers, with its [start, end) in the excerpt."""
    if span is None:
        return None
    return {"text": excerpt[span[0] : span[1]], "start": span[0], "end": span[1]}


def issue_json(issue: StoredIssue) -> dict[str, Any]:
    ref = issue.ref
    return {
        "total": ref.total,
        "number": ref.number,
        "year": ref.year,
        "date": ref.date.isoformat(),
        "issuer": ref.issuer,
        "file": file_json(issue.file),
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "source": a.source,
                "text": a.text,
                "cite_gbt7714": gbt7714(ref, a.title, a.source, a.page),
            }
            for a in issue.articles
        ],
    }


def file_json(file: SourceFile | None) -> dict[str, Any] | None:
    """The source file an issue was read from, or None for issues stored without one."""
    if file is None:
        return None
    return {"name": file.name, "format": file.format, "pages": file.pages, "ocr": file.ocr}


def stats_json(stats: ArchiveStats) -> dict[str, Any]:
    return {
        "issues": stats.issues,
        "articles": stats.articles,
        "passages": stats.passages,
        "first": stats.first.isoformat() if stats.first else None,
        "latest": stats.latest.isoformat() if stats.latest else None,
    }


def article_json(view: ArticleView) -> dict[str, Any]:
    """An article whole, with both citations and the related articles of other issues."""
    article, ref = view.article, view.ref
    return {
        "id": article.id,
        "total": ref.total,
        "number": ref.number,
        "date": ref.date.isoformat(),
        "title": article.title,
        "source": article.source,
        "page": article.page,
        "text": article.text,
        "cite": citation(ref, article.source, article.page),
        "cite_gbt7714": gbt7714(ref, article.title, article.source, article.page),
        "related": [related_json(hit) for hit in view.related],
    }


def related_json(hit: Hit) -> dict[str, Any]:
    return {
        "article": hit.article_id,
        "total": hit.issue.total,
        "date": hit.issue.date.isoformat(),
        "title": hit.title,
        "source": hit.source,
        "cite_gbt7714": gbt7714(hit.issue, hit.title, hit.source, hit.page),
    }

"""Answers and issues as plain text, for the terminal: the same content the chat shows."""

from __future__ import annotations

from retrieval.models import Answer, ArchiveStats, NoAnswer, StoredIssue

from . import messages


def render_answer(answer: Answer) -> str:
    if not answer.hits:
        return no_answer_text(answer)
    heading = messages.RELAXED if answer.relaxed else messages.FOUND
    blocks = [heading.format(count=len(answer.hits), label=answer.filters.label)]
    for index, hit in enumerate(answer.hits, start=1):
        blocks.append(f"{index}. {hit.title}\n{hit.excerpt}\n{messages.citation(hit.issue, hit.source)}")
    return "\n\n".join(blocks)


def no_answer_text(answer: Answer) -> str:
    filters = answer.filters
    if answer.no_answer is NoAnswer.EMPTY_QUESTION:
        if filters.total is not None:
            return messages.EMPTY_QUESTION_WITH_FILTER.format(label=filters.label) + messages.SHOW_ISSUE_HINT.format(
                total=filters.total
            )
        if filters.active:
            return messages.EMPTY_QUESTION_WITH_FILTER.format(label=filters.label)
        return messages.EMPTY_QUESTION
    if answer.no_answer is NoAnswer.OUTSIDE_ARCHIVE:
        if answer.held is None:
            return messages.OUTSIDE_EMPTY_ARCHIVE
        first, latest = (messages.cn_date(d) for d in answer.held)
        return messages.OUTSIDE_ARCHIVE.format(label=filters.label, first=first, latest=latest)
    return messages.NO_MATCH.format(question=_shorten(answer.question, 30))


def render_issue(issue: StoredIssue, full: bool = False) -> str:
    """Header and article titles with sources; with full, each article's whole text too."""
    ref = issue.ref
    lines = [messages.issue_label(ref), f"{messages.cn_date(ref.date)} · {ref.issuer}", "", messages.ARTICLES_HEADING]
    for index, article in enumerate(issue.articles, start=1):
        source = f"（{article.source}）" if article.source else ""
        lines.append(f"{index}. {article.title}{source}")
        if full:
            lines.extend(["", article.text, ""])
    return "\n".join(lines).rstrip()


def render_unknown_issue(what: str, nearest: tuple[int, ...]) -> str:
    text = messages.UNKNOWN_ISSUE.format(what=what)
    if nearest:
        text += messages.NEAREST_ISSUES.format(issues="、".join(f"总第{n}期" for n in nearest))
    return text


def render_stats(stats: ArchiveStats) -> str:
    if not stats.issues:
        return messages.EMPTY_ARCHIVE
    return (
        f"档案：{stats.issues} 期简报，{stats.articles} 篇文章，{stats.passages} 个段落；"
        f"最早 {stats.first.isoformat() if stats.first else '-'}，最新 {stats.latest.isoformat() if stats.latest else '-'}。"
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

"""Replies as plain text, for the terminal: the same content the chat shows."""

from __future__ import annotations

from retrieval.models import Answer, StoredIssue

from . import messages
from .conversation import AnswerPage, ArticleView, IssueView, Reply, StatsView


def render(reply: Reply) -> str:
    if isinstance(reply, AnswerPage):
        return render_page(reply)
    if isinstance(reply, IssueView):
        return render_issue(reply.issue)
    if isinstance(reply, ArticleView):
        return render_article(reply)
    if isinstance(reply, StatsView):
        return messages.stats(reply.stats)
    return reply.text


def render_answer(answer: Answer) -> str:
    return render_page(AnswerPage(answer))


def render_page(page: AnswerPage) -> str:
    answer = page.answer
    if not answer.hits:
        return messages.no_hits(answer, page.first_number)
    blocks = [messages.answer_heading(answer, page.first_number)]
    for number, hit in enumerate(answer.hits, start=page.first_number):
        cited = messages.citation(hit.issue, hit.source, hit.page)
        blocks.append(f"{number}. {hit.title}\n{hit.excerpt}\n{cited}")
    return "\n\n".join(blocks)


def render_issue(issue: StoredIssue, full: bool = False) -> str:
    """Header and article titles with sources; with full, each article's whole text too."""
    ref = issue.ref
    lines = [messages.issue_label(ref), f"{messages.cn_date(ref.date)} · {ref.issuer}"]
    if issue.file is not None:
        lines.append(messages.source_file_line(issue.file))
    lines += ["", messages.ARTICLES_HEADING]
    for index, article in enumerate(issue.articles, start=1):
        source = f"（{article.source}）" if article.source else ""
        page = f" · {messages.CITED_PAGE.format(page=article.page)}" if article.page else ""
        lines.append(f"{index}. {article.title}{source}{page}")
        if full:
            lines.extend(["", article.text, ""])
    return "\n".join(lines).rstrip()


def render_article(view: ArticleView) -> str:
    article = view.article
    return f"{article.title}\n\n{article.text}\n\n{messages.citation(view.ref, article.source, article.page)}"

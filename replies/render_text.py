"""Replies as plain text, for the terminal: the same content the chat shows."""

from __future__ import annotations

from retrieval.models import Answer, Facets, Match, StoredIssue

from . import browse_text, messages
from .citations import gbt7714
from .conversation import AnswerPage, ArticleView, IssueView, Reply, StatsView, YearsView, YearView


def render(reply: Reply) -> str:
    if isinstance(reply, AnswerPage):
        return render_page(reply)
    if isinstance(reply, IssueView):
        return render_issue(reply.issue)
    if isinstance(reply, ArticleView):
        return render_article(reply)
    if isinstance(reply, StatsView):
        return messages.stats(reply.stats)
    if isinstance(reply, YearsView):
        return render_years(reply)
    if isinstance(reply, YearView):
        return render_year(reply)
    return reply.text


def render_answer(answer: Answer) -> str:
    return render_page(AnswerPage(answer))


def render_page(page: AnswerPage) -> str:
    answer = page.answer
    if not answer.hits:
        return messages.no_hits(answer, page.first_number)
    blocks = [messages.answer_heading(answer, page.first_number)]
    if answer.match is Match.RELATED:
        blocks.insert(0, messages.RELATED_ONLY)
    for number, hit in enumerate(answer.hits, start=page.first_number):
        cited = messages.citation(hit.issue, hit.source, hit.page)
        blocks.append(f"{number}. {hit.title}\n{hit.excerpt}\n{cited}")
    return "\n\n".join(blocks)


def render_facets(facets: Facets | None) -> str:
    """The whole list counted by year and office, after the hits; "" when it holds nothing."""
    if facets is None or not facets.hits:
        return ""
    years = "  ".join(messages.FACET_COUNT.format(label=f"{year}年", count=n) for year, n in facets.years)
    lines = ["", "", messages.FACET_YEARS.format(count=facets.hits) + "：" + years]
    if facets.sources:
        sources = "  ".join(messages.FACET_COUNT.format(label=s, count=n) for s, n in facets.sources)
        lines.append(messages.FACET_SOURCES + "：" + sources)
    return "\n".join(lines)


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
    """The article whole, its citation in both styles, and the related articles of other issues."""
    article = view.article
    blocks = [
        article.title,
        article.text,
        messages.citation(view.ref, article.source, article.page),
        messages.GBT7714_LABEL + gbt7714(view.ref, article.title, article.source, article.page),
    ]
    if view.related:
        lines = [messages.RELATED_HEADING + "："]
        for number, hit in enumerate(view.related, start=1):
            lines.append(f"{number}. {hit.title}  {messages.citation(hit.issue, hit.source, hit.page)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_years(view: YearsView) -> str:
    lines = [view.note or browse_text.YEARS_HEADING]
    lines += [browse_text.year_count(year, count) for year, count in view.years]
    return "\n".join([*lines, browse_text.YEARS_HINT_TEXT])


def render_year(view: YearView) -> str:
    """A page of a year: each issue with all its titles; the command for the next page, if any."""
    blocks = [browse_text.year_heading(view.year, view.count, view.page, view.pages)]
    for issue in view.issues:
        titles = [f"{n}. {a.title}" for n, a in enumerate(issue.articles, start=1)] or [browse_text.NO_ARTICLES]
        blocks.append("\n".join([browse_text.issue_line(issue.ref), *titles]))
    if view.has_next:
        blocks.append(browse_text.NEXT_PAGE_HINT.format(year=view.year, page=view.page + 2))
    return "\n\n".join(blocks)

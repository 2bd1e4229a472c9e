"""The HTML pages: each parses the request, asks the conversation on the archive's thread, and
renders. The answers are the bot's; only the markup differs."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from replies import conversation, messages
from replies.browse_text import year_heading
from replies.commands import parse_issue_query
from replies.conversation import MAX_PAGES, AnswerPage, IssueView, Notice, YearsView, YearView

from . import compose, params, text
from .original import Download
from .render import Pages, answer_context, ask_url

T = TypeVar("T")


async def on_archive(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """fn(archive, *args) on the app's one archive thread."""
    return await request.app.state.worker.run(fn, *args)


def pages(request: Request) -> Pages:
    return request.app.state.pages


async def home(request: Request) -> Response:
    latest, years = await on_archive(request, compose.home)
    return pages(request).render(request, "home.html", title=None, path="/", latest=latest, years=years)


async def asked(request: Request) -> tuple[str, int, AnswerPage | Notice]:
    """The request's question and 1-based page, within the client's allowance and the bot's
    pages, and the bot's answer to them, narrowed as the request says and with the list's facets
    (for the page and the API alike)."""
    params.limit_questions(request)
    question, page = params.question(request), params.page(request)
    year, source = params.year(request), params.source(request)
    if page > MAX_PAGES:
        raise params.PageError(404, messages.NO_MORE.format(question=messages.shorten(question, 30)))
    reply = await on_archive(request, conversation.ask, question, page - 1, year, source, True)
    return question, page, reply


async def ask(request: Request) -> Response:
    question, page, reply = await asked(request)
    year, source = params.year(request), params.source(request)
    title = text.ANSWER_TITLE.format(question=messages.shorten(question, 30)) if question else text.SEARCH_LABEL
    context = answer_context(reply, page, year, source)
    path = ask_url(question, page, year, source)
    return pages(request).render(request, "ask.html", title=title, path=path, q=question, **context)


async def issue(request: Request) -> Response:
    """/issues/2202; any other spelling of an issue held (2022-10, 总第2202期) redirects there."""
    argument = request.path_params["ref"]
    if parse_issue_query(argument) is None:
        raise params.PageError(404, text.NOT_AN_ISSUE.format(text=messages.shorten(params.printable(argument), 30)))
    reply, (previous, following) = await on_archive(request, compose.issue, argument)
    if not isinstance(reply, IssueView):
        return pages(request).notice(request, 404, notice_text(reply) or text.ERROR_TEXTS[404])
    ref = reply.issue.ref
    if argument != str(ref.total):
        return RedirectResponse(pages(request).link(f"/issues/{ref.total}"), status_code=302)
    title = text.ISSUE_TITLE.format(total=ref.total, year=ref.year, number=ref.number)
    return pages(request).render(
        request, "issue.html", title=title, issue=reply.issue, previous=previous, following=following
    )


async def original(request: Request) -> Response:
    """The file as an attachment (never shown inline, so a stored web page cannot act as one of
    this site's pages), read from the archive a piece at a time as the client takes it."""
    total = params.number(request.path_params["total"], text.ERROR_TEXTS[404])
    found = await on_archive(request, compose.original, total)
    if isinstance(found, Notice):
        return pages(request).notice(request, 404, found.text)
    read = functools.partial(on_archive, request, compose.piece, found.file.sha256)
    return Download(found, read, head=request.method == "HEAD")


async def article(request: Request) -> Response:
    article_id = params.number(request.path_params["id"], text.NOT_AN_ARTICLE)
    reply = await on_archive(request, conversation.article, article_id)
    if isinstance(reply, Notice):
        return pages(request).notice(request, 404, reply.text)
    return pages(request).render(request, "article.html", title=reply.article.title, view=reply)


async def years(request: Request) -> Response:
    reply = await on_archive(request, conversation.years)
    held = reply.years if isinstance(reply, YearsView) else ()
    return pages(request).render(request, "years.html", title=text.YEARS_HEADING, years=held, note=notice_text(reply))


async def year(request: Request) -> Response:
    argument = request.path_params["year"]
    if not (argument.isascii() and argument.isdigit() and len(argument) == 4):
        raise params.PageError(404, text.NOT_A_YEAR.format(text=messages.shorten(params.printable(argument), 30)))
    page = params.page(request)
    reply = await on_archive(request, conversation.year_page, int(argument), page - 1)
    if isinstance(reply, YearsView):  # a year not held: say so, and offer the years that are
        return pages(request).render(
            request, "years.html", title=text.YEARS_HEADING, status=404, years=reply.years, note=reply.note
        )
    if not isinstance(reply, YearView):  # the bot's notices name its commands; the site says it in its own words
        return pages(request).notice(request, 404, year_notice(int(argument), page))
    title = year_heading(reply.year, reply.count, reply.page, reply.pages)
    path = f"/years/{reply.year}" + (f"?page={page}" if page > 1 else "")
    return pages(request).render(request, "year.html", title=title, path=path, view=reply)


def year_notice(year: int, page: int) -> str:
    """Why a page of a year is not there: a year no bulletin can carry, or a page past its last."""
    if not conversation.FIRST_YEAR <= year <= dt.date.today().year + 1:
        return text.YEAR_OUT_OF_RANGE.format(year=year)
    return text.YEAR_PAGE_GONE.format(year=year, page=page)


def notice_text(reply: object) -> str | None:
    """A notice's sentence, or a years view's note."""
    if isinstance(reply, Notice):
        return reply.text
    return reply.note if isinstance(reply, YearsView) else None

"""The JSON API: the command line's --json contract (replies.render_json) over HTTP. /api/ask adds
the page and whether more follow; an error is {"error": "…"} with its status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from replies import conversation, messages
from replies.commands import parse_issue_query
from replies.conversation import AnswerPage, IssueView
from replies.render_json import answer_json, facets_json, issue_json, stats_json

from . import params, text
from .pages import asked, on_archive


async def ask(request: Request) -> Response:
    question, page, reply = await asked(request)
    if isinstance(reply, AnswerPage):
        facets = facets_json(reply.answer.facets)
        return JSONResponse(answer_json(reply.answer) | {"page": page, "more": reply.has_more, "facets": facets})
    empty = facets_json(None)
    return JSONResponse({"question": question, "hits": [], "page": page, "more": False, "facets": empty})  # small talk


async def issue(request: Request) -> Response:
    """/api/issues/2202, or /api/issues/2022-10: the issue itself, no redirect."""
    argument = request.path_params["ref"]
    if parse_issue_query(argument) is None:
        raise params.PageError(404, text.NOT_AN_ISSUE.format(text=messages.shorten(params.printable(argument), 30)))
    reply = await on_archive(request, conversation.issue, argument)
    if not isinstance(reply, IssueView):
        raise params.PageError(404, getattr(reply, "text", text.ERROR_TEXTS[404]))
    return JSONResponse(issue_json(reply.issue))


async def latest(request: Request) -> Response:
    reply = await on_archive(request, conversation.latest)
    if not isinstance(reply, IssueView):
        raise params.PageError(404, reply.text)
    return JSONResponse(issue_json(reply.issue))


async def stats(request: Request) -> Response:
    reply = await on_archive(request, conversation.stats)
    return JSONResponse(stats_json(reply.stats))

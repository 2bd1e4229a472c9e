"""Word exports over HTTP: /export.docx?q=… (an answer's excerpts) and /issues/{total}/export.docx
(a whole issue), each passage with its citation in both styles (replies.render_docx). The archive
is read on its thread; the file is built off the event loop."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from replies import conversation
from replies.conversation import IssueView
from replies.render_docx import MEDIA_TYPE, answer_document, answer_filename, issue_document, issue_filename
from retrieval.archive import Archive
from retrieval.models import Answer

from . import params, text
from .original import content_disposition
from .pages import on_archive, pages

DEFAULT_EXCERPTS = 10
MAX_EXCERPTS = 20


def excerpts(request: Request) -> int:
    """`limit`, the excerpts to export: 1-20, 10 when absent."""
    raw = request.query_params.get("limit", str(DEFAULT_EXCERPTS))
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= MAX_EXCERPTS):
        raise params.PageError(400, text.BAD_EXPORT_LIMIT.format(limit=MAX_EXCERPTS))
    return int(raw)


def word_file(data: bytes, filename: str) -> Response:
    """An attachment under a Chinese name (RFC 5987's filename*), with an ASCII fallback."""
    return Response(data, media_type=MEDIA_TYPE, headers={"Content-Disposition": content_disposition(filename)})


def ask(archive: Archive, question: str, limit: int, year: int | None, source: str | None) -> Answer:
    return archive.ask(question, limit=limit, year=year, source=source)


async def answer(request: Request) -> Response:
    """The question `q` (counted against the client's allowance, like /ask), its best excerpts,
    narrowed to the year or office the answer page was narrowed to."""
    params.limit_questions(request)
    question, limit = params.question(request), excerpts(request)
    year, source = params.year(request), params.source(request)
    if not question.strip():
        raise params.PageError(400, text.EXPORT_WITHOUT_QUESTION)
    found = await on_archive(request, ask, question, limit, year, source)
    today = dt.date.today()
    data = await run_in_threadpool(answer_document, found, today)
    return word_file(data, answer_filename(question, today))


async def issue(request: Request) -> Response:
    total = params.number(request.path_params["total"], text.ERROR_TEXTS[404])
    reply = await on_archive(request, conversation.open_issue, total)
    if not isinstance(reply, IssueView):
        return pages(request).notice(request, 404, reply.text)
    today = dt.date.today()
    data = await run_in_threadpool(issue_document, reply.issue, today)
    return word_file(data, issue_filename(total, today))

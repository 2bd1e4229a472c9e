"""Every failure as a page in Chinese (or a JSON error under /api/), never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from retrieval.archive import ArchiveError

from . import text
from .address import site_path
from .caching import NO_STORE
from .params import PageError
from .security import add_security_headers

logger = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    return site_path(request.scope).startswith("/api/")


def error_response(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return request.app.state.pages.notice(request, status, message, headers=headers)


async def http_error(request: Request, exc: HTTPException) -> Response:
    """Refusals: ours carry their sentence; Starlette's own (no route, wrong method) get one."""
    status = exc.status_code
    message = exc.detail if isinstance(exc, PageError) else text.ERROR_TEXTS.get(status, text.ERROR_TEXTS[400])
    return error_response(request, status, message, exc.headers)


async def archive_error(request: Request, exc: Exception) -> Response:
    """The archive busy, damaged or stale: its one line, and nothing wrong with the request."""
    logger.warning("archive unavailable for %s: %s", request.url.path, exc)
    return error_response(request, 503, str(exc) if isinstance(exc, ArchiveError) else text.ERROR_TEXTS[503])


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: the traceback to the log, an apology to the reader. Sent outside the middleware,
    so the security headers and Cache-Control are added here."""
    logger.error("request %s failed", request.url.path, exc_info=exc)
    try:
        response = error_response(request, 500, text.ERROR_TEXTS[500])
    except Exception:  # the page itself failed to render: plain words still go out
        logger.exception("error page failed")
        response = PlainTextResponse(text.ERROR_TEXTS[500], status_code=500)
    add_security_headers(response.headers)
    response.headers["Cache-Control"] = NO_STORE
    return response

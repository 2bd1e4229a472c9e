"""The ASGI app: every route in one visible table, the archive on one thread of its own, errors
as Chinese pages, security headers and a Cache-Control on every response."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from replies.worker import ArchiveWorker
from retrieval.archive import Archive, ArchiveError

from . import api, exports, pages, trends
from .address import FixedAddress, SiteAddress
from .assets import MOUNT, Assets
from .caching import CacheControl
from .errors import archive_error, http_error, server_error
from .render import Pages
from .security import RateLimit, SecurityHeaders

STATIC = Path(__file__).resolve().parent / "static"


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def routes(assets: Assets) -> list[Route | Mount]:
    """GET (and HEAD) only: the site reads the archive and never writes it."""
    get = ["GET"]
    return [
        Route("/", pages.home, methods=get),
        Route("/ask", pages.ask, methods=get),
        Route("/export.docx", exports.answer, methods=get),
        Route("/issues/{total}/original", pages.original, methods=get),
        Route("/issues/{total}/export.docx", exports.issue, methods=get),
        Route("/issues/{ref}", pages.issue, methods=get),
        Route("/articles/{id}", pages.article, methods=get),
        Route("/years", pages.years, methods=get),
        Route("/years/{year}", pages.year, methods=get),
        Route("/trends", trends.trends, methods=get),
        Route("/api/ask", api.ask, methods=get),
        Route("/api/issues/{ref}", api.issue, methods=get),
        Route("/api/latest", api.latest, methods=get),
        Route("/api/stats", api.stats, methods=get),
        Route("/healthz", healthz, methods=get),
        Mount(MOUNT, assets, name="static"),
    ]


# Starlette types a handler as taking any Exception; each of these takes the kind it is registered for.
EXCEPTION_HANDLERS: dict[Any, Callable[..., Any]] = {
    HTTPException: http_error,
    ArchiveError: archive_error,
    Exception: server_error,
}


def create_app(
    archive: Archive, *, ask_rate: tuple[int, float] = (30, 60.0), address: SiteAddress | None = None
) -> Starlette:
    """The site over an archive the caller opened read-only; `ask_rate` is questions per window of
    seconds per client on /ask and /api/ask; `address` the site's public address (--base-url),
    which every request is then taken to be addressed to. When serving ends, the caller's
    `app.state.worker.close()` stops the archive's thread and closes the archive."""
    assets = Assets(STATIC)  # the static files' hashes, computed once, now
    middleware = [Middleware(FixedAddress, address=address)] if address is not None else []
    middleware += [Middleware(SecurityHeaders), Middleware(CacheControl, assets=assets)]
    app = Starlette(
        routes=routes(assets),
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.worker = ArchiveWorker(archive)  # the archive is not thread-safe: one thread owns it
    app.state.pages = Pages(assets, address)
    app.state.limiter = RateLimit(*ask_rate)
    return app

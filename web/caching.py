"""Cache-Control on every response, decided in one place by what the response is:

| response | Cache-Control |
|---|---|
| an error (4xx, 5xx), Starlette's own 404 and 405 included; /healthz | no-store |
| a page, a redirect, the API, an original file | public, max-age=60 |
| an answer to a question (/ask, /api/ask, /export.docx) | private, max-age=60 |
| a static file under its current versioned name | public, max-age=31536000, immutable |
| a static file under any other name | no-cache |

The archive is read-only here and changes only when an issue is ingested: every reader of a URL
gets the same bytes (no cookies, nothing per reader), so any cache may keep a page, and a minute
is short enough for a new issue to show at once in human terms while a burst of readers of one
shared link costs the archive one call a minute per cache. Answers carry the question in their
URL: a reader's own browser may keep one, a shared cache may not. An error must never outlive its
cause (a 503 while an ingest holds the archive, a 429 for one client), and a health check must
see the server as it is now.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .address import site_path
from .assets import MOUNT, Assets

NO_STORE = "no-store"
SHORT = "public, max-age=60"
PRIVATE_SHORT = "private, max-age=60"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
QUESTION_PATHS = frozenset({"/ask", "/api/ask", "/export.docx"})


def policy(path: str, status: int, assets: Assets) -> str:
    """The Cache-Control of a response, from its site path and status."""
    if status >= 400 or path == "/healthz":
        return NO_STORE
    if path.startswith(MOUNT + "/"):
        return IMMUTABLE if assets.is_current(path) else REVALIDATE
    return PRIVATE_SHORT if path in QUESTION_PATHS else SHORT


class CacheControl:
    """ASGI middleware: the policy's Cache-Control on every response it passes. (The 500 page is
    sent outside all middleware; its handler says no-store itself.)"""

    def __init__(self, app: ASGIApp, assets: Assets):
        self.app = app
        self.assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = site_path(scope)  # now: routing changes the scope's paths in place

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = policy(path, message["status"], self.assets)
            await send(message)

        await self.app(scope, receive, send_with_policy)

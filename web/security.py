"""Security headers on every response, and the per-client limit on questions."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only the app's own script and style; nothing inline, no frames, no forms posting elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
# Clients remembered at most: the least recently seen are forgotten first (they come back with a
# full allowance, which costs little), so a flood of addresses cannot grow memory without bound.
MAX_CLIENTS = 50_000


def add_security_headers(headers: MutableHeaders) -> None:
    """The headers every response carries; a response that set a stricter policy keeps it."""
    for name, value in HEADERS:
        headers.setdefault(name, value)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response it passes, errors and static files
    included. (The 500 page is sent outside all middleware; its handler adds them itself.)"""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimit:
    """A token bucket per client: `count` requests at once, refilled at count per `window`
    seconds. Called from the event loop only, so it needs no lock."""

    def __init__(
        self,
        count: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ):
        if count < 1 or window <= 0:
            raise ValueError("a rate limit needs a positive count and window")
        self.capacity = float(count)
        self.per_second = count / window
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, when)

    def retry_after(self, client: str) -> int:
        """0 when the request is allowed (and counted), else whole seconds until it would be."""
        now = self._clock()
        tokens, when = self._buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - when) * self.per_second)
        wait = 0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = max(1, math.ceil((1 - tokens) / self.per_second))
        self._buckets[client] = (tokens, now)  # moved to the most recent end
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)

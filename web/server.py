"""How uvicorn serves the site to clients that may be slow or hostile.

uvicorn bounds an idle keep-alive connection and nothing else: a client that opens a connection
and sends half a request line, or a body a byte at a time, or stops reading a response, holds its
connection for ever. Its h11 protocol is kept as it is, with two timers added:

- request: from the moment the server waits for a request (the connection opened, or the previous
  response sent) the request line, headers and body must all have arrived within this many
  seconds; otherwise the connection is closed (with a 408 when part of a request head came). One bound
  on the protocol covers bodies the app never reads, which an ASGI middleware could not see.
- send: a response waits at most this long for a client that has stopped taking it (the socket's
  buffers full); then the connection is dropped, and with it the download's one piece in memory.

On SIGTERM, responses still being sent get `shutdown` seconds to finish, then are cut off.
Everything else is uvicorn's own setting, chosen here: keep-alive, and no WebSocket (the site has
no WebSocket route, so an upgrade is an ordinary request).
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import text
from .security import HEADERS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientLimits:
    """How long the server waits on a client, in seconds."""

    request: float = 10.0
    """For a whole request to arrive, from when the server starts waiting for it."""
    send: float = 30.0
    """For a client that has stopped reading a response to take more of it."""
    keep_alive: float = 5.0
    """For the next request on an idle connection (uvicorn's timeout_keep_alive)."""
    shutdown: float = 20.0
    """On SIGTERM, for the responses still being sent to finish."""

    def __post_init__(self) -> None:
        if min(self.request, self.send, self.keep_alive, self.shutdown) <= 0:
            raise ValueError("client limits must be positive")


def plain_response(status: int) -> bytes:
    """A whole HTTP response the protocol writes itself, outside the app: the status's sentence
    in Chinese, never cached, the security headers, and the connection closed after it."""
    body = text.ERROR_TEXTS[status].encode("utf-8")
    lines = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Connection: close",
        *(f"{name}: {value}" for name, value in HEADERS),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the request and send timers (see the module docstring)."""

    limits = ClientLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._request_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._watch_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_request()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._request_timer, self._send_timer):
            if timer is not None:
                timer.cancel()
        self._request_timer = self._send_timer = None
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """On SIGTERM uvicorn lets a response being sent finish; one still going at the shutdown
        bound is cut off here (its client sees it short), so the server stops on time and no task
        has to be cancelled mid-response."""
        super().shutdown()
        if not self.transport.is_closing():
            self.loop.call_later(self.limits.shutdown, self.transport.abort)

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse: uvicorn's 400, in the site's words and headers."""
        self.transport.write(plain_response(400))
        self.transport.close()

    def _unsupported_upgrade_warning(self) -> None:
        """An Upgrade header is ignored (the site has no WebSocket route), without uvicorn's two
        warnings, advice to install a WebSocket library included, on every such request."""

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send, self._send_timed_out)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _watch_request(self) -> None:
        """The request timer runs while the client owes the server a request, or the rest of one."""
        waiting = self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing()
        if waiting and self._request_timer is None:
            self._request_timer = self.loop.call_later(self.limits.request, self._request_timed_out)
        elif not waiting and self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_timed_out(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        if self.conn.our_state is not h11.IDLE:  # a body still coming after the app began: nothing more to say
            self.transport.abort()
            return
        if self.conn.trailing_data[0]:  # part of a request head, and no app yet to answer it
            self.transport.write(plain_response(408))
        self.transport.close()  # an idle connection is closed without a word, as at keep-alive's end

    def _send_timed_out(self) -> None:
        self._send_timer = None
        logger.info("dropped a client that stopped reading for %s s", self.limits.send)
        self.transport.abort()  # close() would wait, for ever, to flush to a client that does not read


def protocol_with(limits: ClientLimits) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn builds each connection with, carrying these limits."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def uvicorn_config(app: Callable[..., Any], limits: ClientLimits) -> uvicorn.Config:
    """uvicorn's settings for the site. No access log: its lines would carry the questions, which
    the bot never logs either. Proxy headers stay uvicorn's: X-Forwarded-For and -Proto are
    believed only from FORWARDED_ALLOW_IPS (loopback by default)."""
    return uvicorn.Config(
        app,
        http=protocol_with(limits),
        ws="none",
        log_config=None,
        access_log=False,
        timeout_keep_alive=limits.keep_alive,  # type: ignore[arg-type]  # a float works: call_later
        # A backstop only: the protocol ends every connection at limits.shutdown itself.
        timeout_graceful_shutdown=limits.shutdown + 5,  # type: ignore[arg-type]
    )

"""Injected faults: what goes wrong with the next calls of a method.

HTTP errors (``fail_next``: any status with Telegram's description or a chosen one, 429 with
retry_after, or a proxy's HTML error page; either may echo the request line, token and all) and
faults of the network (``fault_next``: an answer held past the client's timeout, a connection
reset without an answer, a broken JSON body), each either before the call takes effect or after
it, when only its answer is lost.  The core applies them; a transport only says how its client
went away (``client_gone``) and turns _Abandoned and _Reset into what its client sees."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class _Abandoned(Exception):
    """The client went away while its long poll was waiting; nobody reads the answer."""


class _Reset(Exception):
    """An injected fault: the connection is reset without an answer."""


@dataclass(frozen=True)
class _Fault:
    """What goes wrong with one request; see fail_next and fault_next below."""

    kind: str  # "error", "slow", "reset" or "garbled"
    error_code: int = 0
    description: str = ""
    parameters: dict | None = None
    body: str | None = None  # an error page that is not Telegram's JSON, as a proxy in front sends
    seconds: float = 0.0
    applied: bool = False


FAULT_KINDS = ("slow", "reset", "garbled")
# A 200 whose body breaks off: a proxy or the network cut it short.
GARBLED_BODY = b'{"ok":true,"result":{"message_id":'


class FaultsMixin:
    """The faults half of the stand-in: queues of faults per method, taken by the core in order."""

    _lock: threading.RLock
    _changed: threading.Condition
    _failures: dict[str, list[_Fault]]
    _stopping: bool
    _handlers: dict[str, tuple[str, Callable[[dict], Any]]]

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        *,
        page: str | None = None,
    ) -> None:
        """The next `times` calls of method fail with this HTTP error, before any other check.

        429 comes with parameters.retry_after, as Telegram sends it. page: the body is this HTML
        (or any text) instead of Telegram's JSON, as a proxy in front of the Bot API answers a 502.
        "{request}" in the page or the description becomes the request line (method and path,
        token included), as Apache's and many proxies' error pages echo it, and as a gateway
        answering in the Bot API's JSON may (e.g. "Forbidden: POST /bot<token>/getMe").
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: "Conflict: terminated by other getUpdates request",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        parameters = {"retry_after": retry_after} if error_code == 429 else None
        self._add_faults(method, times, _Fault("error", error_code, description, parameters, body=page))

    def fault_next(
        self, method: str, kind: str, times: int = 1, *, seconds: float = 60.0, applied: bool = False
    ) -> None:
        """The next `times` calls of method meet a fault of the network or of a server in between:

        - "slow": the answer is held up to `seconds`; when the client gives up first, the call is
          dropped unless `applied` (a long poll's client that left never gets updates).
        - "reset": the connection is reset without an answer.
        - "garbled": the answer is a 200 whose JSON body breaks off.

        applied: the call takes effect before the fault (the message is in the chat, the client
        does not know), as when a request reached Telegram and only its answer was lost;
        otherwise it is lost on the way and nothing happens. Faults queue with fail_next's, in order.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kinds are {FAULT_KINDS}, not {kind!r}")
        self._add_faults(method, times, _Fault(kind, seconds=seconds, applied=applied))

    def _add_faults(self, method: str, times: int, fault: _Fault) -> None:
        name = self._handlers.get(method.lower(), (method, None))[0]
        with self._lock:
            self._failures.setdefault(name.lower(), []).extend([fault] * times)

    def pending_faults(self, method: str) -> int:
        """Injected faults still waiting for calls of method."""
        with self._lock:
            return len(self._failures.get(method.lower(), []))

    def _next_fault(self, name: str) -> _Fault | None:
        with self._lock:
            pending = self._failures.get(name.lower())
            return pending.pop(0) if pending else None

    def _hold(self, seconds: float, client_gone: Callable[[], bool]) -> bool:
        """Keeps a request waiting up to seconds; True when its client gave up (or the stand-in stops) first."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._stopping:
                if client_gone():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))
        return True

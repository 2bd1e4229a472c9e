"""A transport without HTTP: python-telegram-bot's request class answered by the core in-process.

``StandInRequest`` is a ``telegram.request.BaseRequest``: give it to a Bot or an Application
(``.request(...)`` and ``.get_updates_request(...)``) and every Bot API call goes straight to the
stand-in's core, with the same validation, errors (the Bot API's JSON error answers and their
status codes) and recorded calls as over HTTP, but no server, socket or subprocess.  Files the
bot was given by getFile download the same way.  Faults injected with fault_next become what
PTB's HTTPXRequest raises for them: a held answer past the read timeout a TimedOut, a reset a
NetworkError, a broken body the same broken bytes.

The core blocks (long polls, held answers), so calls run on threads of the request's own, never
on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from .core import BotApiCore
from .faults import _Abandoned, _Reset
from .wire import Upload, _json, parse_fields

WORKERS = 64
"""Calls under way at once: as many as a bot's concurrent updates may send, long polls included."""


class StandInRequest(BaseRequest):
    """Bot API requests answered in-process by a stand-in (a BotApiStandIn that need not be started)."""

    def __init__(self, api: BotApiCore, read_timeout: float | None = 5.0):
        self.api = api
        self._read_timeout = read_timeout
        self._executor: ThreadPoolExecutor | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Idempotent: one object may serve both a bot's requests and its getUpdates."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="standin-request")

    async def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeout = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        if self._executor is None:
            await self.initialize()
        loop = asyncio.get_running_loop()
        gone = threading.Event()
        try:
            status, payload, _ = await loop.run_in_executor(
                self._executor, self.answer, url, method, request_data, deadline, gone
            )
        except asyncio.CancelledError:
            # The caller stopped waiting, as a client closes its connection: a parked long poll ends.
            gone.set()
            with self.api._changed:
                self.api._changed.notify_all()
            raise
        except _Abandoned:
            raise TimedOut() from None
        except _Reset:
            raise NetworkError("the stand-in reset the connection") from None
        if deadline is not None and time.monotonic() > deadline:
            raise TimedOut()  # an answer held past the timeout reaches nobody, even if the call took effect
        return status, payload

    def answer(
        self,
        url: str,
        http_method: str,
        request_data: RequestData | None,
        deadline: float | None = None,
        gone: threading.Event | None = None,
    ) -> tuple[int, bytes, str]:
        """(status, body, content type) for a request to url, as the HTTP server would answer it."""
        split = urlsplit(url)
        path = unquote(split.path)
        file_at = path.find("/file/bot")
        api_at = path.find("/bot")
        self.api._request_began()
        try:
            if file_at >= 0:
                token, _, file_path = path[file_at + len("/file/bot") :].partition("/")
                return self.api.serve_file(token, file_path)
            if api_at < 0:
                return 404, _json({"ok": False, "error_code": 404, "description": "Not Found"}), "application/json"
            token, _, name = path[api_at + len("/bot") :].partition("/")
            return self.api.answer(
                token,
                name.strip("/"),
                lambda: parse_fields(_fields(request_data)),
                request_line=f"{http_method} {split.path}" + (f"?{split.query}" if split.query else ""),
                client_gone=lambda: (
                    (gone is not None and gone.is_set()) or (deadline is not None and time.monotonic() > deadline)
                ),
            )
        finally:
            self.api._request_ended()


def _fields(request_data: RequestData | None) -> list[tuple[str, Any, bool]]:
    """The request's fields as PTB's HTTPXRequest posts them: every parameter a form field
    (JSON-encoded unless a string), every file a multipart part."""
    if request_data is None:
        return []
    fields: list[tuple[str, Any, bool]] = [(k, v, True) for k, v in request_data.json_parameters.items()]
    for name, part in request_data.multipart_data.items():
        filename, content, *rest = part
        if hasattr(content, "read"):
            content = content.read()
        kind = rest[0] if rest else "application/octet-stream"
        fields.append((name, Upload(filename or name, bytes(content), kind), False))
    return fields

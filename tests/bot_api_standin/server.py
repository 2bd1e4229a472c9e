"""The HTTP transport: a ThreadingHTTPServer on 127.0.0.1 that reads requests off the wire and
hands them to the core, for tests that need a real network path (a bot in another process,
faults of the connection, PTB's own HTTPXRequest).  It knows HTTP, not the Bot API."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .faults import _Abandoned, _Reset
from .wire import _json, _parse_request

if TYPE_CHECKING:
    from .core import BotApiCore


class HttpServing:
    """Serving a core over HTTP: start() binds a free port, stop() closes everything."""

    _server: _Server | None = None
    _thread: threading.Thread | None = None

    def start(self: Any) -> Any:
        """Binds a free port on 127.0.0.1 and serves in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._stopping = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="bot-api-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self: Any) -> None:
        """Wakes waiting long polls, stops serving and closes every open connection."""
        server = self._server
        if server is None:
            return
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self: Any) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a bot opens dozens at once, which
    # Telegram's servers never do: the client sees a reset, or waits a second for a SYN retry.
    request_queue_size = 256

    def __init__(self, standin: BotApiCore):
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):  # noqa: ANN001 - socketserver's signature
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # noqa: ANN001
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; don't let them wait for ACKs
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        standin = self.server.standin
        standin._request_began()
        try:
            self._answer(standin)
        finally:
            standin._request_ended()

    def _answer(self, standin: BotApiCore) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        body = self._read_body()
        content_type = "application/json"
        try:
            if path.startswith("/file/bot"):
                token, _, file_path = path[len("/file/bot") :].partition("/")
                status, payload, content_type = standin.serve_file(token, file_path)
            elif path.startswith("/bot"):
                token, _, method = path[len("/bot") :].partition("/")
                request_type = self.headers.get("Content-Type", "")
                status, payload, content_type = standin.answer(
                    token,
                    method.strip("/"),
                    lambda: _parse_request(request_type, body, split.query),
                    request_line=f"{self.command} {self.path}",
                    client_gone=lambda: _peer_closed(self.connection),
                )
            else:
                status, payload = 404, _json({"ok": False, "error_code": 404, "description": "Not Found"})
        except _Abandoned:
            self.close_connection = True
            return
        except _Reset:
            # SO_LINGER with a zero timeout: closing sends RST, as a dropped connection looks to the client.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True


def _peer_closed(connection: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True

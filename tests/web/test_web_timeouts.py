"""Slow and stalled clients against the real uvicorn server, configured as `run_bot.py web`
configures it, over real sockets: half a request line, headers or a body sent a byte at a time,
a connection that says nothing, a download nobody reads. Each is let go within its bound (short
here, so the tests are quick), the server's words are Chinese and never cached, and clients that
behave are unaffected, before and after."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest

from tests.helpers.web_client import NO_LIMIT, PieceCounter, read_until_closed, wait_until
from web.app import create_app
from web.original import SEND_BYTES
from web.server import ClientLimits

REQUEST_BOUND = 0.5
SEND_BOUND = 0.5
# How long past its bound a client may still be held before a test fails: the bound holding is
# the point, not its precision (the machine may be busy).
MARGIN = 10.0
LIMITS = ClientLimits(request=REQUEST_BOUND, send=SEND_BOUND)


@pytest.fixture(scope="module")
def uvicorn_server(web_archive, large_original, uvicorn):
    """One server over the archive of 26 issues; the large original is on a server of its own."""
    with uvicorn(create_app(web_archive, ask_rate=NO_LIMIT), LIMITS) as running:
        yield running


def status_line(response: bytes) -> bytes:
    return response.split(b"\r\n", 1)[0]


def headers_of(response: bytes) -> dict[str, str]:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in head)}


def body_of(response: bytes) -> str:
    return response.split(b"\r\n\r\n", 1)[1].decode("utf-8")


def assert_still_serving(server) -> None:
    response = httpx.get(server.url + "/api/stats", timeout=30)
    assert response.status_code == 200 and response.json()["issues"] == 26


@pytest.mark.parametrize(
    "sent",
    [b"GET / HT", b"GET /issues/2202 HTTP/1.1\r\nHost: archive\r\n", b"G"],
    ids=["half a request line", "headers without their end", "one byte"],
)
def test_part_of_a_request_head_gets_a_408_and_the_connection_closed(uvicorn_server, sent) -> None:
    with socket.create_connection(("127.0.0.1", uvicorn_server.port)) as sock:
        sock.sendall(sent)
        response, _ = read_until_closed(sock, REQUEST_BOUND + MARGIN)
    assert status_line(response) == b"HTTP/1.1 408 Request Timeout"
    headers = headers_of(response)
    assert headers["cache-control"] == "no-store" and headers["connection"] == "close"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert body_of(response) == "请求发送得太慢，连接已断开，请重新打开页面。"
    assert "Traceback" not in body_of(response)
    assert_still_serving(uvicorn_server)


def test_a_connection_that_says_nothing_is_closed_without_a_word(uvicorn_server) -> None:
    with socket.create_connection(("127.0.0.1", uvicorn_server.port)) as sock:
        response, _ = read_until_closed(sock, REQUEST_BOUND + MARGIN)
    assert response == b""
    assert_still_serving(uvicorn_server)


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_bound(uvicorn_server) -> None:
    """Each byte arrives well within the bound; the request as a whole never does."""
    request = b"GET /issues/2202 HTTP/1.1\r\nHost: archive\r\nX-Padding: " + b"a" * 10_000 + b"\r\n\r\n"
    sent, response = dribble(uvicorn_server, request, every=0.05)
    assert sent < len(request)
    assert status_line(response) == b"HTTP/1.1 408 Request Timeout"
    assert_still_serving(uvicorn_server)


def test_a_body_sent_a_byte_at_a_time_is_cut_off_at_the_bound(uvicorn_server) -> None:
    """The app answers a GET without reading its body; the connection still closes at the bound
    instead of waiting for the 10,000 bytes promised."""
    head = b"GET /healthz HTTP/1.1\r\nHost: archive\r\nContent-Length: 10000\r\n\r\n"
    sent, response = dribble(uvicorn_server, head + b"x" * 10_000, every=0.05, first=len(head))
    assert sent < len(head) + 10_000
    assert status_line(response) == b"HTTP/1.1 200 OK" and response.endswith(b"ok")
    assert_still_serving(uvicorn_server)


def dribble(server, data: bytes, every: float, first: int = 1) -> tuple[int, bytes]:
    """Send `first` bytes, then one byte each `every` seconds, until the server closes the
    connection; the bytes sent and what came back. Fails if the server still holds it past the
    bound and the margin."""
    deadline = time.monotonic() + REQUEST_BOUND + MARGIN
    received, sent = b"", 0
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        try:
            sock.sendall(data[:first])
            sent = first
            while sent < len(data):
                assert time.monotonic() < deadline, "the server still reads a request sent a byte at a time"
                sock.settimeout(every)  # the pace of the dribble, and a read of what the server says
                try:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return sent, received
                    received += chunk
                except TimeoutError:
                    pass
                sock.send(data[sent : sent + 1])
                sent += 1
        except (BrokenPipeError, ConnectionResetError):
            return sent, received
    raise AssertionError("the whole request went out: the server never cut it off")


def test_a_garbled_request_gets_the_sites_400_not_uvicorns(uvicorn_server) -> None:
    with socket.create_connection(("127.0.0.1", uvicorn_server.port)) as sock:
        sock.sendall(b"\x16\x03\x01\x02\x00 not http\r\n\r\n")  # e.g. TLS spoken to the plain port
        response, _ = read_until_closed(sock, MARGIN)
    assert status_line(response) == b"HTTP/1.1 400 Bad Request"
    assert headers_of(response)["cache-control"] == "no-store"
    assert body_of(response) == "这个请求无法处理，请检查网址。"
    assert_still_serving(uvicorn_server)


def test_a_websocket_upgrade_is_an_ordinary_request_and_logs_nothing(uvicorn_server, caplog) -> None:
    """The site has no WebSocket route: the Upgrade header is ignored, quietly."""
    caplog.set_level(logging.WARNING)
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip
    response = httpx.get(uvicorn_server.url + "/issues/2202", headers=headers, timeout=30)
    assert response.status_code == 200 and "总第2202期" in response.text
    assert not [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


def test_clients_that_behave_are_unaffected(uvicorn_server) -> None:
    """Many requests on one kept-alive connection, each sent at once, and a request whose parts
    arrive a little apart, all within the bound, are answered as usual."""
    with httpx.Client(base_url=uvicorn_server.url, timeout=30) as client:
        for path in ["/", "/issues/2202", "/api/latest", "/years/2022", "/healthz"] * 4:
            assert client.get(path).status_code == 200, path
    with socket.create_connection(("127.0.0.1", uvicorn_server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: archive\r\n")
        time.sleep(REQUEST_BOUND / 5)  # a slow but honest client: part of the scenario, not a wait
        sock.sendall(b"Connection: close\r\n\r\n")
        response, _ = read_until_closed(sock, MARGIN)
    assert status_line(response) == b"HTTP/1.1 200 OK" and response.endswith(b"ok")


def test_a_download_nobody_reads_is_dropped_holding_one_piece_at_most(large_original, uvicorn) -> None:
    """The client asks for a 12 MB file and reads nothing. The server reads the file a piece at a
    time only as the kernel takes it, buffers no more than one send's worth besides, and drops
    the client after the send bound."""
    archive = PieceCounter(large_original.archive)
    with uvicorn(create_app(archive, ask_rate=NO_LIMIT), LIMITS) as server:
        held = []
        with server.connect(SO_RCVBUF=4096) as sock:
            sock.sendall(f"GET /issues/{large_original.total}/original HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            wait_until(lambda: archive.read > 0, MARGIN, "the download did not begin")
            wait_until(
                lambda: held.append(server.buffered()) or server.connections() == 0,
                SEND_BOUND + MARGIN,
                "the stalled reader was not dropped",
            )
            received, _ = read_until_closed(sock, MARGIN)
        assert received.startswith(b"HTTP/1.1 200 OK")
        assert max(held) <= 2 * SEND_BYTES, max(held)  # the transport's high-water mark and one send
        assert archive.read < len(large_original.data), "the whole file was read for a client that read none"
        assert len(received) < len(large_original.data)
        with httpx.Client(base_url=server.url, timeout=30) as client:  # a reader that reads gets it all
            assert client.get(f"/issues/{large_original.total}/original").content == large_original.data


def test_a_stalled_download_holds_up_shutdown_only_to_its_bound(large_original, caplog, uvicorn) -> None:
    """SIGTERM's graceful stop (uvicorn's should_exit) lets responses finish, but a download nobody
    reads is cut off at the shutdown bound: the server stops, and no task is cancelled mid-way (which
    uvicorn would log with a traceback)."""
    archive = PieceCounter(large_original.archive)
    limits = ClientLimits(request=REQUEST_BOUND, send=60, shutdown=0.5)  # the send bound out of the way
    caplog.set_level(logging.INFO)
    with uvicorn(create_app(archive, ask_rate=NO_LIMIT), limits) as server, server.connect(SO_RCVBUF=4096) as sock:
        sock.sendall(f"GET /issues/{large_original.total}/original HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        wait_until(lambda: archive.read > 0, MARGIN, "the download did not begin")
        server.server.should_exit = True
        wait_until(lambda: not server.thread.is_alive(), limits.shutdown + MARGIN, "the server did not stop")
    assert not any(record.exc_info for record in caplog.records), [r.getMessage() for r in caplog.records]

"""The web app against slow clients: what a stalled download costs, and how long one is held.

    python -m benchmarks.web_slow_clients [--clients 20] [--send-timeout 30] [--request-timeout 10]

Ingests one Word bulletin carrying a 12 MB attachment (so its original is 12 MB) into a temporary
archive, starts `run_bot.py web` on it in a process of its own, and prints:
- a whole download of the original: its median time over 5;
- the server's resident memory idle, and its peak while --clients connections each ask for the
  original and never read it;
- how long after their requests the server has dropped every one of them (the send timeout);
- how long a connection that sent half a request line is held, and what it gets (the request
  timeout).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from .from_tests import from_tests

ROOT = Path(__file__).resolve().parent.parent
ATTACHMENT_BYTES = 12 * 1024 * 1024


def big_bulletin() -> bytes:
    """A sample issue as a Word file with a 12 MB stored attachment."""
    buffer = io.BytesIO(from_tests("fixtures.office").bulletin_docx())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo("word/media/scan.jpeg"), os.urandom(ATTACHMENT_BYTES), zipfile.ZIP_STORED)
    return buffer.getvalue()


def rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1]) // 1024


def held_connections(port: int) -> int:
    """Connections the server still holds open on its port."""
    out = subprocess.run(
        ["ss", "-tnH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    return len(out.splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_slow_clients", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="stalled downloads at once")
    parser.add_argument("--send-timeout", type=float, default=30)
    parser.add_argument("--request-timeout", type=float, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        source, db = Path(folder) / "2202.docx", Path(folder) / "big.db"
        source.write_bytes(big_bulletin())
        run = [sys.executable, str(ROOT / "run_bot.py")]
        done = subprocess.run(
            [*run, "ingest", str(source), "--db", str(db)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        total = re.search(r"总第(\d+)期", done.stdout)[1]
        original = f"/issues/{total}/original"
        timeouts = ["--send-timeout", str(args.send_timeout), "--request-timeout", str(args.request_timeout)]
        server = subprocess.Popen(
            [*run, "web", "--db", str(db), "--port", "0", *timeouts],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        try:
            port = int(re.search(r":(\d+)/", server.stdout.readline())[1])
            measure(server.pid, port, original, args)
        finally:
            server.kill()
            server.wait(60)
    return 0


def measure(pid: int, port: int, original: str, args: argparse.Namespace) -> None:
    url = f"http://127.0.0.1:{port}"
    httpx.get(url + "/", timeout=60)  # warm: the first page loads the templates
    times = []
    for _ in range(5):
        started = time.perf_counter()
        response = httpx.get(url + original, timeout=60)
        response.raise_for_status()
        times.append(time.perf_counter() - started)
    idle = rss_mb(pid)
    print(f"whole download of {len(response.content) / 1e6:.1f} MB: median {sorted(times)[2] * 1000:.0f} ms of 5")
    clients = []
    for _ in range(args.clients):
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a client that hardly reads
        client.connect(("127.0.0.1", port))
        client.sendall(f"GET {original} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        clients.append(client)
    asked = time.monotonic()
    peak = idle
    while time.monotonic() - asked < 4:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.1)
    print(f"server memory: {idle} MB idle, {peak} MB at most with {args.clients} stalled downloads")
    while held_connections(port) and time.monotonic() - asked < 4 * args.send_timeout:
        time.sleep(0.1)
    left = held_connections(port)
    print(f"stalled downloads dropped {time.monotonic() - asked:.1f} s after their requests ({left} still held)")
    for client in clients:
        client.close()
    half = socket.create_connection(("127.0.0.1", port))
    half.sendall(b"GET / HT")
    sent = time.monotonic()
    half.settimeout(4 * args.request_timeout)
    try:
        first = half.recv(100)
        while half.recv(100):
            pass
        print(f"half a request line: {first[:12]!r}, closed after {time.monotonic() - sent:.1f} s")
    except TimeoutError:
        print(f"half a request line: still open after {4 * args.request_timeout:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

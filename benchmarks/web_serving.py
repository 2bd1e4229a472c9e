"""What the web app spends on each question, measured inside the app, in a process of its own:

    python -m benchmarks.web_serving [--db DB] [--questions QUESTIONS.jsonl]

The web counterpart of benchmarks/serving.py. The app is built by web.app.create_app over the
archive opened read-only (as `run_bot.py web` opens it) and driven in-process through httpx's
ASGI transport, one request at a time. An ASGI middleware around the app takes the server's time
per request: from the moment the app receives the request to the moment it sends the last byte
of the body, i.e. parsing, the archive's thread (tokenise, retrieve, excerpt), the template and
the security headers; the HTTP client's own work is outside it. Measured for /ask (the answer
page) and /api/ask over the benchmark's questions, each question asked once per route, each
route in an app over a freshly opened archive, and Archive.ask alone (retrieval) likewise, as
serving.py does, without and with the facets the answer page shows (each question of the one and
then of the other, so their difference, facets_extra_ms, is the facets' cost whatever the
machine's drift). Prints one JSON object, times in milliseconds.

By default the 2,500-issue synthetic archive and its questions (.bench/archive-2500.db and
.bench/synth-2500/.questions.jsonl; see benchmarks/bench.py to build them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from retrieval.archive import Archive

from . import synth
from .stats import rss_mb, summary
from .synth import QUESTIONS, read_questions_file
from .web_process import ROOT

DEFAULT_DB = ROOT / ".bench" / "archive-2500.db"
DEFAULT_QUESTIONS = ROOT / ".bench" / "synth-2500" / QUESTIONS
NO_LIMIT = (1_000_000, 1.0)


class ServerTime:
    """ASGI middleware: the time from receiving each HTTP request to sending its body's last byte."""

    def __init__(self, app):
        self.app = app
        self.times_ms: list[float] = []
        self.statuses: list[int] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message) -> None:
            if message["type"] == "http.response.start":
                self.statuses.append(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.times_ms.append((time.perf_counter() - started) * 1000)

        await self.app(scope, receive, timed_send)


async def _drive(app: ServerTime, paths: list[str]) -> tuple[list[float], list[int]]:
    """Each path once, one after another; the server's time and status of each."""
    first = len(app.times_ms)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in paths:
            await client.get(path)
    return app.times_ms[first:], app.statuses[first:]


def measure_route(db: Path, route: str, questions: list[str], warm: list[str] = ()) -> dict:
    """Each question once through `route`, in an app of its own over a fresh read-only archive,
    so no question meets the archive's caches warmed by the same question on another route.
    `warm`: other questions asked first, untimed, as a server that has been up a while has."""
    from web.app import create_app  # the web extra

    archive = Archive(db, readonly=True)
    archive.tokenizer.tokens("预热")  # jieba is loaded at start-up in a serving process; not timed
    app = create_app(archive, ask_rate=NO_LIMIT)
    timed = ServerTime(app)
    try:
        # Warm-up, as a server that is up: templates compiled, the archive's thread started.
        asyncio.run(_drive(timed, ["/", f"{route}?q=" + quote("文明"), *(f"{route}?q={quote(q)}" for q in warm)]))
        times, statuses = asyncio.run(_drive(timed, [f"{route}?q={quote(q)}" for q in questions]))
    finally:
        app.state.worker.close()
    return {"server_ms": summary(times), "requests": len(times), "not_200": sum(s != 200 for s in statuses)}


def measure(db: Path, questions: list[str], warm: list[str] = ()) -> dict:
    result = {route: measure_route(db, route, questions, warm) for route in ("/ask", "/api/ask")}
    # Retrieval alone in a pass of its own, on fresh archives too, as serving.py measures it: each
    # question of one without facets and then of another with them (what the answer page asks),
    # interleaved, so the machine's drift falls on both alike and their difference is the facets'.
    retrieval, with_facets = [], []
    with Archive(db, readonly=True) as fresh, Archive(db, readonly=True) as faceted:
        for archive in (fresh, faceted):
            archive.tokenizer.tokens("预热")
            for q in warm:
                archive.ask(q, facets=archive is faceted)
        for q in questions:
            for archive, times in ((fresh, retrieval), (faceted, with_facets)):
                started = time.perf_counter()
                archive.ask(q, facets=archive is faceted)
                times.append((time.perf_counter() - started) * 1000)
    result["retrieval_ms"] = summary(retrieval)
    result["retrieval_with_facets_ms"] = summary(with_facets)
    result["facets_extra_ms"] = summary([b - a for a, b in zip(retrieval, with_facets)])
    result["questions"] = len(questions)
    result["warm_up_questions"] = len(warm)
    result["db"] = str(db)
    result["peak_rss_mb"] = rss_mb("self", "VmHWM")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_serving", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL of {question}")
    parser.add_argument(
        "--warm",
        type=int,
        default=0,
        help="first ask this many other questions, untimed (made by the synthetic archive's generator "
        "with another seed, none of them a measured one): a server that has been up a while",
    )
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(
            f"{args.db} does not exist: build it with `python -m benchmarks.bench --issues 2500`, or give --db"
        )
    questions = list(dict.fromkeys(q["question"] for q in read_questions_file(args.questions)))
    print(
        json.dumps(
            measure(args.db, questions, synth.warm_up(args.questions.parent, args.warm, questions)),
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

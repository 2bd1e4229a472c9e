"""The web app under load, end to end: `run_bot.py web` (uvicorn) on loopback, many clients at once.

    python -m benchmarks.web_load [--db DB] [--questions QUESTIONS.jsonl] [--clients 200] [--requests 10]

Each simulated client holds its own HTTP connection and sends its requests one after another, all
clients at once: a mix of answer pages (/ask with a question no other request asks), issue pages,
article pages and /api/ask. Every response is checked: a status other than 2xx/3xx, a failed
request and a page cut short (an answer page without its list of hits or its notice, an article
without its citation, an issue without its articles, JSON that does not parse) all count as
errors. The run as a whole is bounded by --deadline; requests still unanswered then are errors.
The per-client question limit is lifted for the run (`--ask-rate`), or the clients would only
measure how fast the app says 429.

By default it runs on the 2,500-issue synthetic archive of the benchmarks (.bench/archive-2500.db,
see benchmarks/bench.py), with questions made by the same generator as the benchmark's question
set; any archive can be given with --db and a questions file. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from . import synth
from .stats import rss_mb, summary
from .web_process import ROOT, WebApp

DEFAULT_DB = ROOT / ".bench" / "archive-2500.db"
DEFAULT_SYNTH = ROOT / ".bench" / "synth-2500"
DOMAIN_QUESTIONS = ROOT / "data" / "eval" / "domain" / "queries.jsonl"
# Every run of ten requests: four answer pages, two issues, two articles, two JSON answers.
MIX = ("ask", "issue", "ask", "article", "api_ask", "ask", "issue", "ask", "article", "api_ask")
# Questions per client allowed by the app during the run: far above what the run sends.
NO_LIMIT = "1000000/1"
SEED = 2202


@dataclass(frozen=True)
class Request:
    kind: str
    path: str


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    by_kind_ms: dict[str, list[float]] = field(default_factory=dict)
    finished: int = 0  # requests answered or failed; the rest were cut off by the deadline
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)


def plan(
    questions: list[str], totals: list[int], articles: list[int], clients: int, per_client: int
) -> list[list[Request]]:
    """Each client's requests, in order. Questions are used once each while they last."""
    rng = random.Random(SEED)
    asked = itertools.cycle(questions)
    runs = []
    for client in range(clients):
        requests = []
        for k in range(per_client):
            kind = MIX[(client + k) % len(MIX)]
            if kind == "ask":
                path = "/ask?q=" + quote(next(asked))
            elif kind == "api_ask":
                path = "/api/ask?q=" + quote(next(asked))
            elif kind == "issue":
                path = f"/issues/{rng.choice(totals)}"
            else:
                path = f"/articles/{rng.choice(articles)}"
            requests.append(Request(kind, path))
        runs.append(requests)
    return runs


def complete(kind: str, response: httpx.Response) -> str | None:
    """None when the response is whole, else what is missing."""
    if kind == "api_ask":
        try:
            data = response.json()
        except ValueError:
            return "JSON that does not parse"
        return None if isinstance(data.get("hits"), list) else "JSON without hits"
    body = response.text
    if not body.rstrip().endswith("</html>"):
        return "a page cut short"
    needs = {
        "ask": ('class="hits"', 'class="notice"'),
        "issue": ('class="articles"',),
        "article": ('id="citation"',),
    }[kind]
    return None if any(mark in body for mark in needs) else f"a {kind} page without {' or '.join(needs)}"


async def client_run(url: str, requests: list[Request], outcome: Outcome, timeout: float) -> None:
    """One client: its own connection, its requests one after another."""
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=httpx.Limits(max_connections=1)) as client:
        for request in requests:
            outcome.kinds[request.kind] = outcome.kinds.get(request.kind, 0) + 1
            started = time.perf_counter()
            try:
                response = await client.get(request.path)
            except httpx.HTTPError as exc:
                outcome.finished += 1
                outcome.errors.append(f"{request.path}: {exc!r}")
                continue
            outcome.finished += 1
            elapsed_ms = (time.perf_counter() - started) * 1000
            outcome.latencies_ms.append(elapsed_ms)
            outcome.by_kind_ms.setdefault(request.kind, []).append(elapsed_ms)
            outcome.statuses[response.status_code] = outcome.statuses.get(response.status_code, 0) + 1
            if not 200 <= response.status_code < 400:
                outcome.errors.append(f"{request.path}: {response.status_code}")
            elif missing := complete(request.kind, response):
                outcome.errors.append(f"{request.path}: {missing}")


async def load(url: str, runs: list[list[Request]], deadline: float, timeout: float = 60) -> dict:
    outcome = Outcome()
    started = time.perf_counter()
    tasks = [asyncio.create_task(client_run(url, requests, outcome, timeout)) for requests in runs]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.perf_counter() - started
    for task in done:
        if task.exception() is not None:
            outcome.errors.append(repr(task.exception()))
    sent = sum(len(r) for r in runs)
    answered = len(outcome.latencies_ms)
    return {
        "clients": len(runs),
        "requests": sent,
        "answered": answered,
        "errors": len(outcome.errors) + (sent - outcome.finished),
        "error_samples": outcome.errors[:5],
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "kinds": outcome.kinds,
        "latency_ms": summary(outcome.latencies_ms),
        "latency_ms_by_kind": {kind: summary(times) for kind, times in sorted(outcome.by_kind_ms.items())},
        "seconds": elapsed,
        "requests_per_s": answered / elapsed if elapsed else float("nan"),
        "deadline_hit": bool(pending),
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def archive_contents(db: Path, articles: int = 2000) -> tuple[list[int], list[int]]:
    """Issue numbers and article ids to request, read straight from the file (read-only)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        totals = [row[0] for row in conn.execute("SELECT total FROM issues ORDER BY total")]
        ids = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY id")]
    rng = random.Random(SEED)
    return totals, rng.sample(ids, min(articles, len(ids)))


def questions_for(count: int, questions_file: Path | None, synthetic: Path | None) -> list[str]:
    """`count` questions, distinct as far as the source allows: generated by the synthetic
    archive's own generator (which wrote its benchmark questions) when the archive is synthetic,
    else the questions file's, in turn."""
    manifest = synth._read_manifest(synthetic) if synthetic else None
    if manifest:
        vocabulary = synth.Vocabulary.load()
        made = synth.make_questions(vocabulary, manifest["seed"], manifest["issues"], count)
        return list(dict.fromkeys(q["question"] for q in made))
    return [q["question"] for q in synth.read_questions_file(questions_file or DOMAIN_QUESTIONS)]


def run(
    db: Path,
    questions: list[str],
    clients: int,
    per_client: int,
    deadline: float,
    extra: tuple[str, ...] = (),
) -> dict:
    totals, articles = archive_contents(db)
    runs = plan(questions, totals, articles, clients, per_client)
    with (
        tempfile.TemporaryDirectory() as folder,
        WebApp(db, Path(folder) / "web.log", "--ask-rate", NO_LIMIT, *extra) as app,
    ):
        before = cpu_seconds(app.process.pid)
        result = asyncio.run(load(app.url, runs, deadline))
        result["server_cpu_s"] = cpu_seconds(app.process.pid) - before
        result["server_peak_rss_mb"] = rss_mb(app.process.pid, "VmHWM")
        log = app.log_text()
    tracebacks = log.count("Traceback")
    result["server_tracebacks"] = tracebacks
    result["errors"] += tracebacks
    result["distinct_questions"] = len(set(questions))
    result["db"] = str(db)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_load", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help=f"the archive (default {DEFAULT_DB.relative_to(ROOT)})")
    parser.add_argument("--questions", type=Path, help="JSONL of {question} (default: the synthetic set's generator)")
    parser.add_argument("--clients", type=int, default=200, help="simulated clients, all at once")
    parser.add_argument("--requests", type=int, default=10, help="requests each client sends, one after another")
    parser.add_argument("--deadline", type=float, default=300, help="seconds the whole run may take")
    args = parser.parse_args(argv)
    db = args.db or DEFAULT_DB
    if not db.exists():
        parser.error(f"{db} does not exist: build it with `python -m benchmarks.bench --issues 2500`, or give --db")
    synthetic = DEFAULT_SYNTH if args.db is None and args.questions is None else None
    asks = sum(MIX[(c + k) % len(MIX)] in ("ask", "api_ask") for c in range(args.clients) for k in range(args.requests))
    questions = questions_for(asks, args.questions, synthetic)
    print(json.dumps(run(db, questions, args.clients, args.requests, args.deadline), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

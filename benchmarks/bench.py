"""The archive at scale, measured next to its peers in one run:

    python -m benchmarks.bench --issues 2500 [--json] [--work .bench]

Writes (or reuses) N synthetic bulletins, ingests them into a fresh database with the real
command line, and reports: ingest time and characters a second, the database's size, adding one
more issue (in a serving process, and as a fresh `run_bot.py ingest`), a cold `run_bot.py ask`
(a fresh process, to its answer), the server's time per question over 500 questions and its
peak RSS, the same questions through rank-bm25's BM25Okapi (the naive design) and bm25s, and
the bot end to end through the local Bot API stand-in. Each part runs in a process of its own,
so its memory is its own. See docs/benchmarks.md for figures and how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import synth

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK = ROOT / ".bench"


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024**2, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def _python(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True, **kwargs)


def _json_of(*args: str) -> dict:
    return json.loads(_python("-m", *args).stdout)


def _timed(*args: str) -> float:
    started = time.perf_counter()
    _python(*args)
    return time.perf_counter() - started


def run(issues: int, work: Path, questions: int = 500, load: int = 1000, users: int = 50, log=print) -> dict:
    folder = work / f"synth-{issues}"
    log(f"bulletins: {folder}")
    synth.write_archive(folder, issues, questions=questions)
    asked = synth.read_questions(folder)
    questions_file = folder / synth.QUESTIONS
    chars = sum(len(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt"))

    db = work / f"archive-{issues}.db"
    for stale in work.glob(f"archive-{issues}.db*"):
        stale.unlink()
    log(f"ingest into {db}")
    ingest_s = _timed("run_bot.py", "ingest", "--db", str(db), str(folder))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    size_mb = sum(p.stat().st_size for p in work.glob(f"archive-{issues}.db*")) / 1e6

    log("cold ask")
    cold = [_timed("run_bot.py", "ask", q["question"], "--db", str(db)) for q in asked[:3]]
    log("console: a question's cost through a fresh console")
    console = _json_of(
        "benchmarks.console", "--db", str(db), "--questions", str(questions_file), "--count", str(min(200, questions))
    )

    peers = {}
    for peer in ("naive", "bm25s"):
        log(f"peer: {peer}")
        peers[peer] = _json_of("benchmarks.peers", "--db", str(db), "--questions", str(questions_file), "--peer", peer)

    # Adding issues comes last: every measurement above sees the same passages.
    extra = work / f"extra-{issues}"
    extra.mkdir(exist_ok=True)
    vocabulary = synth.Vocabulary.load()
    for offset, name in ((1, "warm"), (2, "cold")):
        issue = synth.make_issue(vocabulary, synth.DEFAULT_SEED, issues + offset, issues + offset)
        (extra / f"{name}.txt").write_text(issue.text, encoding="utf-8")
    log("serving: 500 questions")
    serving = _json_of(
        "benchmarks.serving", "--db", str(db), "--questions", str(questions_file), "--add", str(extra / "warm.txt")
    )
    log("add one issue with a fresh command")
    add_cold_s = _timed("run_bot.py", "ingest", "--db", str(db), str(extra / "cold.txt"))

    log(f"bot end to end: {users} users, {load} questions")
    bot = _json_of(
        "benchmarks.bot_load", "--db", str(db), "--questions", str(questions_file),
        "--users", str(users), "--count", str(load), "--per-burst", "1",
    )  # fmt: skip
    naive = peers["naive"]["question_ms"]
    server = serving["server_ms"]
    return {
        "issues": issues,
        "passages": passages,
        "characters": chars,
        "machine": machine(),
        "ingest": {"seconds": ingest_s, "chars_per_s": chars / ingest_s, "db_mb": size_mb},
        "add_one_issue_s": {"serving_process": serving["add_one_issue_s"], "fresh_command": add_cold_s},
        "cold_ask_s": {"median": statistics.median(cold), "max": max(cold)},
        "console": console,
        "project": serving,
        "peers": peers,
        "speedup_over_naive": {"p50": naive["p50"] / server["p50"], "p99": naive["p99"] / server["p99"]},
        "retrieval_speedup_over_naive": {stat: naive[stat] / serving["retrieval_ms"][stat] for stat in ("p50", "p99")},
        "bot": bot,
    }


def _share(value: float | None) -> str:
    return f"{value:7.2f}" if value is not None else f"{'-':>7}"


def table(r: dict) -> str:
    p, s, bot = r["project"], r["project"]["server_ms"], r["bot"]
    naive = r["peers"]["naive"]["question_ms"]
    retrieval = {stat: naive[stat] / p["retrieval_ms"][stat] for stat in ("p50", "p99")}
    lines = [
        f"archive: {r['issues']:,} issues, {r['passages']:,} passages, {r['characters']:,} characters",
        f"machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, Python {r['machine']['python']},"
        f" SQLite {r['machine']['sqlite']}",
        "",
        f"ingest            {r['ingest']['seconds']:8.1f} s   {r['ingest']['chars_per_s'] / 1e3:,.0f}k chars/s"
        f"   database {r['ingest']['db_mb']:,.0f} MB",
        f"add one issue     {r['add_one_issue_s']['serving_process']:8.3f} s in a serving process,"
        f" {r['add_one_issue_s']['fresh_command']:.2f} s as a fresh command",
        f"cold ask          {r['cold_ask_s']['median']:8.2f} s (median of 3; max {r['cold_ask_s']['max']:.2f} s)",
        f"console           {r['console']['console_ms_per_question']:8.2f} ms a question, fresh process;"
        f" {r['console']['speedup_over_naive']:.1f}x the naive design in the same run",
        "",
        f"{'per question (ms)':<34}{'p50':>8}{'p99':>8}{'build s':>9}{'memory MB':>11}{'hit@3':>7}",
        f"{'project, server path':<34}{s['p50']:8.2f}{s['p99']:8.2f}{0:9.1f}{p['peak_rss_mb']:11.0f}{_share(p['hit_at_3'])}",
        f"{'project, retrieval only':<34}{p['retrieval_ms']['p50']:8.2f}{p['retrieval_ms']['p99']:8.2f}",
    ]
    for name, label in (("naive", "naive: rank-bm25 BM25Okapi"), ("bm25s", "bm25s (lucene)")):
        q = r["peers"][name]
        lines.append(
            f"{label:<34}{q['question_ms']['p50']:8.2f}{q['question_ms']['p99']:8.2f}{q['build_s']:9.1f}"
            f"{q['peak_rss_mb']:11.0f}{_share(q['hit_at_3'])}"
        )
    lines += [
        f"against the naive design: server path {r['speedup_over_naive']['p50']:.1f}x faster at p50,"
        f" {r['speedup_over_naive']['p99']:.1f}x at p99; retrieval alone (what the naive design does)"
        f" {retrieval['p50']:.1f}x at p50, {retrieval['p99']:.1f}x at p99",
        "(memory: peak RSS of each process)",
        "",
        f"bot end to end: {bot['users']} users, {bot['questions']} questions: {bot['answers_per_s']:.0f} answers/s,"
        f" update to sendMessage p50 {bot['latency_ms']['p50']:.0f} ms, p99 {bot['latency_ms']['p99']:.0f} ms,"
        f" errors {bot['errors']}, bot peak RSS {bot['bot_peak_rss_mb']:.0f} MB",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, required=True, help="synthetic bulletins in the archive")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder for bulletins and databases")
    parser.add_argument("--questions", type=int, default=500, help="questions per measurement")
    parser.add_argument("--load", type=int, default=1000, help="questions sent to the bot end to end")
    parser.add_argument("--users", type=int, default=50, help="simulated users end to end")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if min(args.issues, args.questions, args.load, args.users) < 1:
        parser.error("--issues, --questions, --load and --users must be at least 1")
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        result = run(
            args.issues, args.work, args.questions, args.load, args.users, log=lambda m: print(m, file=sys.stderr)
        )
    except subprocess.CalledProcessError as exc:
        print(f"benchmark step failed: {' '.join(exc.cmd[1:])}\n{exc.stderr.strip()}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

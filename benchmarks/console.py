"""What a question costs through the command line, as a user meets it, next to the naive design:

    python -m benchmarks.console --db DB --questions QUESTIONS.jsonl [--count 200] [--runs 3]

Each run pipes a warm-up question and then the first `count` questions into a fresh
`run_bot.py console` and, beside it, a fresh console given the warm-up question alone; the
difference over `count` is the time a question costs (tokenising, retrieval, excerpts, the
printed reply) with start-up and jieba's dictionary (loaded by the first question, about 0.7 s)
taken out. The fastest of `runs` pairs is kept. In the same run, the naive design (rank-bm25's BM25Okapi over every passage,
benchmarks.peers) answers the same questions. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from .peers import measure as measure_peer
from .synth import read_questions_file

ROOT = Path(__file__).resolve().parent.parent
# Asked first in both consoles: it loads what every first question loads.
WARM_UP = "文明城市创建"


def console_seconds(db: Path, lines: list[str]) -> float:
    """Wall time of a fresh `run_bot.py console` fed these lines on a pipe, to its exit."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "run_bot.py", "console", "--db", str(db)],
        cwd=ROOT,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def measure(db: Path, questions: list[dict], count: int, runs: int) -> dict:
    asked = [q["question"] for q in questions[:count]]
    per_question = []
    start_up = []
    for _ in range(runs):
        empty = console_seconds(db, [WARM_UP])
        full = console_seconds(db, [WARM_UP, *asked])
        start_up.append(empty)
        per_question.append((full - empty) / len(asked) * 1000)
    naive = measure_peer(db, questions[:count], "naive")["question_ms"]
    best = min(per_question)
    return {
        "questions": len(asked),
        "console_ms_per_question": best,
        "console_runs_ms": per_question,
        "start_up_s": min(start_up),
        "naive_ms": naive,
        # A handful of questions can cost less than two processes' start-ups differ: no ratio then.
        "speedup_over_naive": naive["mean"] / best if best > 0 else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.console", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question, total}")
    parser.add_argument("--count", type=int, default=200, help="questions per run")
    parser.add_argument("--runs", type=int, default=3, help="pairs of fresh consoles; the fastest counts")
    args = parser.parse_args(argv)
    if args.count < 1 or args.runs < 1:
        parser.error("--count and --runs must be at least 1")
    print(json.dumps(measure(args.db, read_questions_file(args.questions), args.count, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

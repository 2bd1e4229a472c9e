"""What a question costs through the command line, as a user meets it, next to the naive design:

    python -m benchmarks.console --db DB --questions QUESTIONS.jsonl [--count 200] [--runs 3]

Each run starts a fresh `run_bot.py console` on pipes, asks it a warm-up question and waits for
its reply (start-up, jieba's dictionary and the first question's reads are behind it then), then
pipes the first `count` questions and times them to the console's last reply: tokenising,
retrieval, excerpts and the printed replies, with nothing of start-up in it. The fastest of `runs`
runs is kept. In the same run the naive design (rank-bm25's BM25Okapi over every passage,
benchmarks.peers) answers the same questions. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from .peers import measure as measure_peer
from .synth import read_questions_file

ROOT = Path(__file__).resolve().parent.parent
# Asked first, untimed: it loads what every first question loads.
WARM_UP = "文明城市创建"


def console_seconds(db: Path, lines: list[str]) -> float:
    """Seconds a fresh `run_bot.py console`, already past its warm-up question, takes to answer
    these lines, to the end of its last reply."""
    with subprocess.Popen(
        [sys.executable, "run_bot.py", "console", "--db", str(db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as console:
        assert console.stdin is not None and console.stdout is not None
        console.stdin.write(f"{WARM_UP}\n".encode())
        console.stdin.flush()
        if not os.read(console.stdout.fileno(), 1 << 16):  # blocks until its reply is written
            raise RuntimeError("the console exited before answering")
        started = time.perf_counter()
        questions = "".join(f"{line}\n" for line in lines).encode()
        # Written from a thread: the replies fill their pipe while the questions are still going in.
        writer = threading.Thread(target=lambda: (console.stdin.write(questions), console.stdin.close()))
        writer.start()
        console.stdout.read()  # to the end of the last reply
        elapsed = time.perf_counter() - started
        writer.join()
    if console.returncode:
        raise RuntimeError(f"the console exited with {console.returncode}")
    return elapsed


def measure(db: Path, questions: list[dict], count: int, runs: int) -> dict:
    asked = [q["question"] for q in questions[:count]]
    per_question = [console_seconds(db, asked) / len(asked) * 1000 for _ in range(runs)]
    naive = measure_peer(db, questions[:count], "naive")["question_ms"]
    best = min(per_question)
    return {
        "questions": len(asked),
        "console_ms_per_question": best,
        "console_runs_ms": per_question,
        "naive_ms": naive,
        "speedup_over_naive": naive["mean"] / best,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.console", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question, total}")
    parser.add_argument("--count", type=int, default=200, help="questions per run")
    parser.add_argument("--runs", type=int, default=3, help="fresh consoles; the fastest counts")
    args = parser.parse_args(argv)
    if args.count < 1 or args.runs < 1:
        parser.error("--count and --runs must be at least 1")
    print(json.dumps(measure(args.db, read_questions_file(args.questions), args.count, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

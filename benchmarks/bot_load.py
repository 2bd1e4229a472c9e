"""The bot under load, end to end: `run_bot.py serve` polling the local Bot API stand-in.

    python -m benchmarks.bot_load --db DB --questions QUESTIONS.jsonl [--users 50] [--count 1000]

Simulated users send their questions in bursts: in each burst every user sends `--per-burst`
questions at once, and the next burst follows once every answer of this one has arrived. The
stand-in timestamps each update it hands out and each sendMessage it receives, so a question's
time runs from the moment it is queued to the moment its answer is sent, polling included. The
bot runs with no per-user question limit and no send cap (TELEGRAM_SEND_RATE=0): the stand-in
sets no flood limit, and the figure is the bot's own capacity. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .from_tests import from_tests
from .stats import rss_mb, summary
from .synth import read_questions_file

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "777000:bench-token"
FIRST_USER = 500_000


def _standin():
    # the stand-in lives with the tests that use it most
    return from_tests("bot_api_standin").BotApiStandIn(TOKEN, privacy_mode=False)


def run_load(db: Path, questions: list[str], users: int, count: int, per_burst: int, timeout: float = 120) -> dict:
    asked = list(itertools.islice(itertools.cycle(questions), count))
    with _standin() as standin, tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "bot.log"
        env = os.environ | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "ARCHIVE_DB": str(db),
            "QUESTIONS_PER_MINUTE": "1000000",
            "TELEGRAM_SEND_RATE": "0",
        }
        started = time.monotonic()
        bot = subprocess.Popen(
            [sys.executable, str(ROOT / "run_bot.py"), "serve"], cwd=ROOT, env=env, stderr=log.open("w")
        )
        try:
            ready = standin.wait_for("deleteWebhook", timeout=timeout)
            start_up = time.monotonic() - started
            mark = ready.index + 1
            pushed: dict[int, list[float]] = {}
            answered: dict[int, int] = {}
            latencies: list[float] = []
            first = time.time()
            sent = 0
            while sent < len(asked):
                burst = []
                for user in range(FIRST_USER, FIRST_USER + users):
                    for _ in range(per_burst):
                        if sent < len(asked):
                            burst.append((user, asked[sent]))
                            sent += 1
                for user, text in burst:
                    pushed.setdefault(user, []).append(time.time())
                    standin.push_message(user, text)
                _wait_for_answers(standin, pushed, answered, latencies, mark, timeout)
            elapsed = time.time() - first
            peak = rss_mb(bot.pid, "VmHWM")
        finally:
            bot.terminate()
            bot.wait(timeout=30)
        errors = [
            line for line in log.read_text(encoding="utf-8").splitlines() if "ERROR" in line or "Traceback" in line
        ]
        rejected = standin.rejected()
        return {
            "users": users,
            "questions": len(asked),
            "answers": len(latencies),
            "answers_per_s": len(latencies) / elapsed,
            "latency_ms": summary([x * 1000 for x in latencies]),
            "errors": len(rejected) + len(errors) + (len(asked) - len(latencies)),
            "error_samples": [repr(c) for c in rejected[:3]] + errors[:3],
            "log": log.read_text(encoding="utf-8") if errors else "",
            "start_up_s": start_up,
            "bot_peak_rss_mb": peak,
        }


def _wait_for_answers(standin, pushed, answered, latencies, mark, timeout) -> None:
    """Until each user has an answer for every question pushed so far; latencies of the new ones."""
    deadline = time.monotonic() + timeout
    while True:
        replies: dict[int, list[float]] = {}
        for call in standin.calls("sendMessage"):
            if call.index >= mark and call.ok:
                replies.setdefault(call.params["chat_id"], []).append(call.time)
        for user, times in pushed.items():
            got = replies.get(user, [])
            for k in range(answered.get(user, 0), min(len(got), len(times))):
                latencies.append(got[k] - times[k])
            answered[user] = max(answered.get(user, 0), min(len(got), len(times)))
        if all(answered.get(u, 0) >= len(t) for u, t in pushed.items()) or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bot_load", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question}")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--count", type=int, default=1000, help="questions in all")
    parser.add_argument("--per-burst", type=int, default=2, help="questions each user sends in one burst")
    args = parser.parse_args(argv)
    questions = [q["question"] for q in read_questions_file(args.questions)]
    print(json.dumps(run_load(args.db, questions, args.users, args.count, args.per_burst)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

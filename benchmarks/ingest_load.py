"""Questions through the bot while an ingest runs in another process, end to end.

    python -m benchmarks.ingest_load --archive FOLDER [--db DB] [--count 1000] [--users 10]

`run_bot.py serve` polls the local Bot API stand-in; `run_bot.py ingest FOLDER` (a synthetic
archive from benchmarks.synth, whose questions name their issue) runs beside it in a process of its
own, committing a batch of issues at a time. Users send a burst of questions every `--interval`
seconds until `--count` have gone, the first burst as the ingest starts. For each question the
benchmark notes whether its issue had been committed when it was sent (read from the archive file
by a connection of its own), and whether the answer's first three hits cite it. Prints one JSON
object: answers, errors, latency from update to sendMessage, the ingest's time, and hit@3 on the
questions whose issue was committed when asked against those whose issue was not yet.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bot_load import TOKEN, _standin
from .stats import summary
from .synth import read_questions

ROOT = Path(__file__).resolve().parent.parent
FIRST_USER = 700_000
CITED = re.compile(r"总第(\d+)期")


def run(archive: Path, db: Path, count: int, users: int, interval: float, timeout: float = 120) -> dict:
    questions = [q for q in read_questions(archive) if q.get("total") is not None]
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
        bot = subprocess.Popen(
            [sys.executable, str(ROOT / "run_bot.py"), "serve"], cwd=ROOT, env=env, stderr=log.open("w")
        )
        ingest = None
        try:
            mark = standin.wait_for("deleteWebhook", timeout=timeout).index + 1
            started = time.monotonic()
            ingest = subprocess.Popen(
                [sys.executable, str(ROOT / "run_bot.py"), "ingest", "--db", str(db), str(archive)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            sent, records, ingest_s = 0, [], None
            with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as watcher:
                while sent < len(asked):
                    tick = time.monotonic()
                    for user in range(FIRST_USER, FIRST_USER + users):
                        if sent == len(asked):
                            break
                        q = asked[sent]
                        held = watcher.execute("SELECT 1 FROM issues WHERE total = ?", [q["total"]]).fetchone()
                        records.append({"user": user, "total": q["total"], "held": held is not None, "at": time.time()})
                        standin.push_message(user, q["question"])
                        sent += 1
                    if ingest_s is None and ingest.poll() is not None:
                        ingest_s = time.monotonic() - started
                    time.sleep(max(0.0, interval - (time.monotonic() - tick)))  # pacing the users, not a wait
            _wait_until_answered(standin, records, mark, timeout)
            ingest.wait(timeout=3600)
            ingest_s = ingest_s or time.monotonic() - started
        finally:
            for process in (ingest, bot):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=30)
        replies = _replies(standin, mark)
        latencies, found = [], {True: [0, 0], False: [0, 0]}
        for record in records:
            reply = replies.get(record["user"], [])
            if not reply:
                continue
            at, text = reply.pop(0)
            latencies.append((at - record["at"]) * 1000)
            cited = [int(n) for n in CITED.findall(text)][:3]
            found[record["held"]][0] += 1
            found[record["held"]][1] += record["total"] in cited
        errors = [
            line for line in log.read_text(encoding="utf-8").splitlines() if "ERROR" in line or "Traceback" in line
        ]
        rejected = standin.rejected()
        return {
            "questions": len(records),
            "answers": len(latencies),
            "errors": len(rejected) + len(errors) + (len(records) - len(latencies)),
            "error_samples": [repr(c) for c in rejected[:3]] + errors[:3],
            "latency_ms": summary(latencies),
            "ingest_s": ingest_s,
            "ingest_exit": ingest.returncode if ingest else None,
            "asked_with_issue_committed": found[True][0],
            "hit_at_3_committed": found[True][1] / found[True][0] if found[True][0] else None,
            "asked_before_issue_committed": found[False][0],
            "hit_at_3_not_yet_committed": found[False][1] / found[False][0] if found[False][0] else None,
        }


def _replies(standin, mark: int) -> dict[int, list[tuple[float, str]]]:
    """Each user's answers in order: the first message sent to the chat after each question."""
    replies: dict[int, list[tuple[float, str]]] = {}
    for call in standin.calls("sendMessage"):
        if call.index >= mark and call.ok:
            replies.setdefault(int(call.params["chat_id"]), []).append((call.time, str(call.params.get("text", ""))))
    return replies


def _wait_until_answered(standin, records: list[dict], mark: int, timeout: float) -> None:
    wanted: dict[int, int] = {}
    for record in records:
        wanted[record["user"]] = wanted.get(record["user"], 0) + 1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = _replies(standin, mark)
        if all(len(replies.get(user, [])) >= n for user, n in wanted.items()):
            return
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_load", description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, required=True, help="a synthetic archive (benchmarks.synth)")
    parser.add_argument("--db", type=Path, help="the archive database (default: a new one in a temporary folder)")
    parser.add_argument("--count", type=int, default=1000, help="questions in all")
    parser.add_argument("--users", type=int, default=10, help="questions in each burst, one per user")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds from one burst to the next")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "archive.db"
        print(json.dumps(run(args.archive, db, args.count, args.users, args.interval)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

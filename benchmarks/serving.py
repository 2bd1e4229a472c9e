"""What a serving process spends on each question, run in a process of its own:

    python -m benchmarks.serving --db DB --questions QUESTIONS.jsonl [--add BULLETIN] [--warm N]

The server path is everything the bot does between an update and its reply: the question through
the conversation (tokenise, retrieve, excerpt), the question saved behind its "more" button when
there is a next page, the HTML and the buttons rendered. Retrieval alone is Archive.ask. With
`--warm N`, N other questions of the same kind (the generator with another seed) are asked first,
untimed, as by a server that has been up a while; without it the process is fresh. Prints
one JSON object: times in milliseconds, hit@3 on the questions that name their article, the time
to add one issue with the tokenizer already loaded, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.keyboards import answer_keyboard
from bot.render_html import answer_message, notice_message
from replies import conversation
from retrieval.archive import Archive

from .stats import rss_mb, summary
from .synth import read_questions_file, warm_up


def serve_question(archive: Archive, question: str) -> conversation.AnswerPage | conversation.Notice:
    reply = conversation.ask(archive, question)
    if isinstance(reply, conversation.AnswerPage):
        key = archive.save_question(reply.answer.question) if reply.has_more else None
        answer_message(reply)
        answer_keyboard(reply, key)
    else:
        notice_message(reply.text)
    return reply


def measure(db: Path, questions: list[dict], add: Path | None, warm: list[str] = ()) -> dict:
    with Archive(db) as archive:
        archive.tokenizer.tokens("预热")  # the bot loads jieba at start-up, before any question
        for question in warm:
            serve_question(archive, question)
        server, retrieval, hits, judged = [], [], 0, 0
        for q in questions:
            started = time.perf_counter()
            reply = serve_question(archive, q["question"])
            server.append((time.perf_counter() - started) * 1000)
            if q.get("total") is not None:
                judged += 1
                found = reply.answer.hits[:3] if isinstance(reply, conversation.AnswerPage) else ()
                hits += any(h.issue.total == q["total"] for h in found)
        # A pass of its own, so no question finds its pages cached by its own server-path run.
        for q in questions:
            started = time.perf_counter()
            archive.ask(q["question"])
            retrieval.append((time.perf_counter() - started) * 1000)
        result = {
            "server_ms": summary(server),
            "retrieval_ms": summary(retrieval),
            "hit_at_3": hits / judged if judged else None,
            "questions": len(questions),
            "warm_up_questions": len(warm),
        }
        if add is not None:
            started = time.perf_counter()
            reports = list(archive.ingest([add]))
            result["add_one_issue_s"] = time.perf_counter() - started
            result["add_one_issue_ok"] = all(r.ok for r in reports)
    result["peak_rss_mb"] = rss_mb("self", "VmHWM")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serving", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question, total}")
    parser.add_argument("--add", type=Path, help="a bulletin to add after the questions, timed")
    parser.add_argument("--warm", type=int, default=0, help="other questions asked first, untimed")
    args = parser.parse_args(argv)
    questions = read_questions_file(args.questions)
    warm = warm_up(args.questions.parent, args.warm, [q["question"] for q in questions])
    print(json.dumps(measure(args.db, questions, args.add, warm)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

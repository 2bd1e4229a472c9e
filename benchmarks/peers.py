"""A peer design over the archive's passages, run in a process of its own:

    python -m benchmarks.peers --db DB --questions QUESTIONS.jsonl --peer naive|bm25s

naive: rank-bm25's BM25Okapi over every passage in memory, built at start-up (the design this
project replaces). bm25s: the bm25s library's sparse, precomputed Lucene BM25. Both index the
passages' stored tokens (article title and passage, as the project's own index does) and
tokenize questions with the project's tokenizer, so only the retrieval engine differs. A question
costs tokenising, scoring and taking the best ten passages. Prints one JSON object: build time,
times per question in milliseconds, hit@3, and memory (the index's growth of RSS, and the
process's peak).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.tokenize import Tokenizer

from .stats import rss_mb, summary
from .synth import read_questions_file

DEPTH = 10
PEERS = ("naive", "bm25s")


def load_passages(db: Path, tokenizer: Tokenizer) -> tuple[list[list[str]], list[int], list[int]]:
    """Each passage's words (title and passage, tokenized as the project's word field), its
    article and its issue, from the archive file."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT p.article_id, p.issue_total, a.title, p.text FROM passages p"
            " JOIN articles a ON a.id = p.article_id ORDER BY p.id"
        ).fetchall()
    titles: dict[str, list[str]] = {}
    corpus = []
    for _, _, title, text in rows:
        if title not in titles:
            titles[title] = tokenizer.tokens(title)
        corpus.append(titles[title] + tokenizer.tokens(text))
    return corpus, [r[0] for r in rows], [r[1] for r in rows]


def build(peer: str, corpus: list[list[str]]) -> Callable[[list[str]], np.ndarray]:
    """The peer's index, and a function from question tokens to a score per passage."""
    if peer == "naive":
        from rank_bm25 import BM25Okapi

        naive = BM25Okapi([doc or [""] for doc in corpus])
        return lambda terms: naive.get_scores(terms or [""])
    import bm25s

    retriever = bm25s.BM25(method="lucene")
    retriever.index([doc or [""] for doc in corpus], show_progress=False)
    vocabulary = retriever.vocab_dict

    def scores(terms: list[str]) -> np.ndarray:
        known = [t for t in terms if t in vocabulary]
        return retriever.get_scores(known) if known else np.zeros(len(corpus))

    return scores


def top(scores: np.ndarray) -> np.ndarray:
    best = np.argpartition(-scores, DEPTH)[:DEPTH] if len(scores) > DEPTH else np.arange(len(scores))
    return best[np.argsort(-scores[best])]


def measure(db: Path, questions: list[dict], peer: str) -> dict:
    tokenizer = Tokenizer()
    tokenizer.tokens("预热")
    corpus, articles, issues = load_passages(db, tokenizer)
    before = rss_mb()
    started = time.perf_counter()
    score = build(peer, corpus)
    build_s = time.perf_counter() - started
    index_mb = rss_mb() - before
    times, hits, judged = [], 0, 0
    for q in questions:
        started = time.perf_counter()
        best = top(score(tokenizer.tokens(q["question"])))
        times.append((time.perf_counter() - started) * 1000)
        if q.get("total") is not None:
            judged += 1
            seen: list[int] = []  # one hit per article, as the bot shows them
            for i in best:
                if articles[i] not in seen:
                    seen.append(articles[i])
                    hits += issues[i] == q["total"] and len(seen) <= 3
    return {
        "peer": peer,
        "passages": len(corpus),
        "build_s": build_s,
        "question_ms": summary(times),
        "hit_at_3": hits / judged if judged else None,
        "index_mb": index_mb,
        "peak_rss_mb": rss_mb("self", "VmHWM"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question, total}")
    parser.add_argument("--peer", choices=PEERS, required=True)
    args = parser.parse_args(argv)
    questions = read_questions_file(args.questions)
    print(json.dumps(measure(args.db, questions, args.peer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

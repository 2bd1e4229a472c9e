"""Whether the index's pruned top-k is exactly the exhaustive ranking, on a real archive file:

    python -m benchmarks.exactness --db DB --questions QUESTIONS.jsonl [--k 10]

For each question: the top k passages as the archive finds them (Search.top: the leading terms'
lists added whole, the rest looked up for the passages still in the running) against every
passage scored with the same function (every posting of every term added, search.score_all).
Prints one JSON object: the share of questions whose top k is identical (ids, order and scores),
hit@3 of both (the question's source issue among the first three articles), and the time of each.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from retrieval.answering.query import Query
from retrieval.archive import Archive
from retrieval.index.search import order_terms, score_all

from .stats import summary
from .synth import read_questions_file


def measure(db: Path, questions: list[dict], k: int) -> dict:
    # No fingerprint check: both sides read the same stored index, whatever it was built with.
    archive = Archive(db)
    store = archive.store
    passages = store.passage_count()
    articles = dict(store.db.execute("SELECT id, article_id FROM passages").fetchall())
    issues = dict(store.db.execute("SELECT id, issue_total FROM passages").fetchall())
    same = 0
    hits = {"pruned": 0, "exhaustive": 0}
    judged = 0
    times: dict[str, list[float]] = {"pruned": [], "exhaustive": []}
    differing: list[str] = []
    for q in questions:
        query = Query.of(archive.tokenizer, q["question"])
        started = time.perf_counter()
        search = store.index.search(query.weights, passages)
        pruned = search.top(k)
        times["pruned"].append((time.perf_counter() - started) * 1000)
        # The exhaustive side reads the lists again, so both pay for reading them.
        started = time.perf_counter()
        exhaustive = store.index.search(query.weights, passages)
        lists = {t.term: exhaustive.postings(t) for t in order_terms(exhaustive.terms)}
        scores = score_all(exhaustive.terms, lists, exhaustive.norms)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        times["exhaustive"].append((time.perf_counter() - started) * 1000)
        if pruned.ids.tolist() == [i for i, _ in best] and np.array_equal(pruned.scores, [s for _, s in best]):
            same += 1
        else:
            differing.append(q["question"])
        if q.get("total") is not None:
            judged += 1
            for name, ids in (("pruned", pruned.ids.tolist()), ("exhaustive", [i for i, _ in best])):
                seen: list[int] = []
                for pid in ids:
                    if articles[pid] not in seen:
                        seen.append(articles[pid])
                        hits[name] += issues[pid] == q["total"] and len(seen) <= 3
    archive.close()
    return {
        "index_current": not archive.stale,
        "questions": len(questions),
        "k": k,
        "identical_top_k": same / len(questions),
        "differing": differing[:10],
        "hit_at_3": {name: n / judged for name, n in hits.items()} if judged else None,
        "ms": {name: summary(values) for name, values in times.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exactness", description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL of {question, total}")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.db, read_questions_file(args.questions), args.k), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

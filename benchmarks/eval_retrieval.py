"""Retrieval quality on a passage set: the project's ranking and plain-BM25 peers, side by side.

    python -m benchmarks.eval_retrieval --passages P.jsonl --queries Q.jsonl [--split dev|test|all]
        [--all-peers] [--json]

Passages are {"id", "title", "text"}; queries {"qid", "question", "gold": [passage ids]} and
optionally "answers": [strings]. A query with an empty gold list is one the archive cannot answer:
the project should return nothing. When queries carry answers, the report adds answer_shown: the
share of them whose first hit is gold and whose excerpt shows an answer (answer_shown.py).
The project's side indexes the passages exactly as the archive does (parse-free: each passage is an
article, chunked, tokenized and stored in a temporary SQLite database) and ranks with the archive's
own code. Peers see the same titles and texts (bm25_peers). --split keeps one half of the queries
(splits.py: questions on one passage stay together); --all-peers adds the character-gram peer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jieba

from retrieval.archive import Archive
from retrieval.ingest.prepare import prepare_articles
from retrieval.models import Article, Footer, Issue, IssueRef
from retrieval.tokenize import Tokenizer

from . import bm25_peers
from .answer_shown import answer_line, answer_shown
from .splits import CHOICES, in_split, passage_key

DEPTH = bm25_peers.DEPTH


class EvalDataError(Exception):
    """A passages or queries file that cannot be read as the evaluator expects."""


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Query:
    qid: str
    question: str
    gold: tuple[str, ...]
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scores:
    """Recall at 1 and 5 and MRR at 10 over the answerable queries."""

    r1: float
    r5: float
    mrr10: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {"R@1": round(self.r1, 4), "R@5": round(self.r5, 4), "MRR@10": round(self.mrr10, 4), "n": self.n}


@dataclass(frozen=True)
class Abstention:
    """How the project treats queries the passages cannot answer, and those they can."""

    unanswerable: int
    silent: int
    """Unanswerable queries that got no hits (the right outcome)."""
    answerable_silent: int
    """Answerable queries that wrongly got no hits."""


# --- reading ------------------------------------------------------------------------


def read_jsonl(path: Path, keys: tuple[str, ...]) -> list[dict]:
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalDataError(f"{path}:{number}: not JSON ({exc.msg})") from None
        missing = [k for k in keys if k not in row]
        if missing:
            raise EvalDataError(f"{path}:{number}: missing {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


def read_passages(path: Path) -> list[Passage]:
    passages = [
        Passage(str(r["id"]), str(r["title"]), str(r["text"])) for r in read_jsonl(path, ("id", "title", "text"))
    ]
    if len({p.id for p in passages}) != len(passages):
        raise EvalDataError(f"{path}: passage ids repeat")
    return passages


def read_queries(path: Path, passage_ids: set[str]) -> list[Query]:
    queries = [
        Query(str(r["qid"]), str(r["question"]), tuple(map(str, r["gold"])), tuple(map(str, r.get("answers") or ())))
        for r in read_jsonl(path, ("qid", "question", "gold"))
    ]
    unknown = sorted({g for q in queries for g in q.gold} - passage_ids)
    if unknown:
        raise EvalDataError(f"{path}: gold ids not among the passages: {', '.join(unknown[:5])}")
    return queries


# --- scoring ------------------------------------------------------------------------


def score(rankings: list[list[str]], queries: list[Query]) -> Scores:
    """R@1, R@5 and MRR@10 over the queries that have gold passages."""
    r1 = r5 = mrr = 0.0
    n = 0
    for ranking, query in zip(rankings, queries):
        if not query.gold:
            continue
        n += 1
        rank = next((i for i, pid in enumerate(ranking[:DEPTH], start=1) if pid in query.gold), None)
        if rank is not None:
            r1 += rank == 1
            r5 += rank <= 5
            mrr += 1 / rank
    return Scores(r1 / n, r5 / n, mrr / n, n) if n else Scores(0.0, 0.0, 0.0, 0)


def abstention(rankings: list[list[str]], queries: list[Query]) -> Abstention:
    return Abstention(
        unanswerable=sum(not q.gold for q in queries),
        silent=sum(not q.gold and not r for r, q in zip(rankings, queries)),
        answerable_silent=sum(bool(q.gold) and not r for r, q in zip(rankings, queries)),
    )


# --- the project and its peers ----------------------------------------------------------


def project_rankings(
    passages: list[Passage], queries: list[Query], tokenizer: Tokenizer
) -> tuple[list[list[str]], list[str | None]]:
    """Index the passages as archive articles in a temporary database, then rank with the
    archive's code: each query's passage ids, best first, and its first hit's excerpt."""
    with tempfile.TemporaryDirectory() as folder, Archive(Path(folder) / "eval.db", tokenizer) as archive:
        ids = _index(archive, tokenizer, passages)
        rankings = [archive.rank(q.question, DEPTH) for q in queries]
    return [[ids[a] for a in r.article_ids] for r in rankings], [r.excerpt for r in rankings]


def shown(rankings: list[list[str]], excerpts: list[str | None], queries: list[Query]) -> dict:
    """answer_shown over the queries that carry answers."""
    return answer_shown(
        (bool(r) and r[0] in q.gold, e, q.answers) for r, e, q in zip(rankings, excerpts, queries) if q.gold
    )


def _index(archive: Archive, tokenizer: Tokenizer, passages: list[Passage]) -> dict[int, str]:
    """One stored issue holding every passage as an article; returns article id -> passage id."""
    ref = IssueRef(total=1, number=1, year=2000, date=dt.date(2000, 1, 1), issuer="eval")
    articles = tuple(Article(title=p.title, source=None, paragraphs=tuple(_paragraphs(p.text))) for p in passages)
    issue = Issue(ref=ref, articles=articles)
    archive.store.save_issue(
        ref,
        Footer(),
        prepare_articles(issue, tokenizer),
        content_hash="eval",
        source_file="eval",
        analyze=tokenizer.passage_grams,
        fingerprint=archive.fingerprint,
    )
    stored = archive.store.issue(1).articles
    return {article.id: passages[article.position].id for article in stored}


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()] or [text]


def naive_rankings(passages: list[Passage], queries: list[Query]) -> list[list[str]]:
    """The design every Chinese search bot starts from: jieba.lcut, punctuation out, BM25Okapi defaults."""
    return _ids(bm25_peers.naive(_documents(passages), [q.question for q in queries]), passages)


def char_rankings(passages: list[Passage], queries: list[Query]) -> list[list[str]]:
    """Character unigrams and bigrams, question words out: BM25 with no dictionary at all."""
    return _ids(bm25_peers.char_bigrams(_documents(passages), [q.question for q in queries]), passages)


def bm25s_rankings(passages: list[Passage], queries: list[Query], tokenizer: Tokenizer) -> list[list[str]]:
    """bm25s (Lucene's BM25) over the project's own tokens: the ranking function alone, swapped."""
    documents = [tokenizer.tokens(text) for text in _documents(passages)]
    return _ids(bm25_peers.lucene(documents, [tokenizer.tokens(q.question) for q in queries]), passages)


def _documents(passages: list[Passage]) -> list[str]:
    return [f"{p.title} {p.text}" for p in passages]


def _ids(rankings: list[list[int]], passages: list[Passage]) -> list[list[str]]:
    return [[passages[i].id for i in ranking] for ranking in rankings]


def split_queries(queries: list[Query], split: str) -> list[Query]:
    """The queries of one half (or all): a passage's questions share its half."""
    return [q for q in queries if in_split(passage_key(q.gold, q.qid), split)]


# --- command line -------------------------------------------------------------------------


PEERS: dict[str, Callable[[list[Passage], list[Query], Tokenizer], list[list[str]]]] = {
    "jieba+BM25Okapi (rank-bm25)": lambda p, q, t: naive_rankings(p, q),
    "project tokens+bm25s lucene": bm25s_rankings,
    bm25_peers.CHAR_PEER: lambda p, q, t: char_rankings(p, q),
}
# The report's peers unless --all-peers: the set its JSON has always had.
DEFAULT_PEERS = ("jieba+BM25Okapi (rank-bm25)", "project tokens+bm25s lucene")


def evaluate(
    passages: list[Passage], queries: list[Query], tokenizer: Tokenizer, peers: tuple[str, ...] = DEFAULT_PEERS
) -> dict:
    started = time.perf_counter()
    project, excerpts = project_rankings(passages, queries, tokenizer)
    seconds = time.perf_counter() - started
    quiet = abstention(project, queries)
    answers = shown(project, excerpts, queries) if any(q.answers for q in queries) else {}
    return {
        "project": score(project, queries).as_dict()
        | answers
        | {
            "no_answer": {
                "unanswerable": quiet.unanswerable,
                "silent": quiet.silent,
                "answerable_but_silent": quiet.answerable_silent,
            },
            "seconds": round(seconds, 2),
        },
        "peers": {name: score(PEERS[name](passages, queries, tokenizer), queries).as_dict() for name in peers},
    }


def table(report: dict) -> str:
    rows = [("project", report["project"])] + list(report["peers"].items())
    lines = [f"{'pipeline':<40} {'R@1':>7} {'R@5':>7} {'MRR@10':>7} {'n':>6}"]
    lines += [f"{name:<40} {s['R@1']:>7.4f} {s['R@5']:>7.4f} {s['MRR@10']:>7.4f} {s['n']:>6}" for name, s in rows]
    quiet = report["project"]["no_answer"]
    if quiet["unanswerable"]:
        lines.append(
            f"project no answer: {quiet['silent']} of {quiet['unanswerable']} unanswerable queries got no hits"
        )
    lines.append(f"project: {quiet['answerable_but_silent']} answerable queries got no hits")
    if "answer_shown" in report["project"]:
        lines.append(answer_line(report["project"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_retrieval", description=__doc__.split("\n")[0])
    parser.add_argument("--passages", required=True, type=Path, help="JSONL of {id, title, text}")
    parser.add_argument("--queries", required=True, type=Path, help="JSONL of {qid, question, gold: [ids]}")
    parser.add_argument("--split", choices=CHOICES, default="all", help="one half of the queries, or all")
    parser.add_argument("--all-peers", action="store_true", help=f"also run {bm25_peers.CHAR_PEER}")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        passages = read_passages(args.passages)
        queries = split_queries(read_queries(args.queries, {p.id for p in passages}), args.split)
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not part of the report
    report = evaluate(passages, queries, Tokenizer(), tuple(PEERS) if args.all_peers else DEFAULT_PEERS)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

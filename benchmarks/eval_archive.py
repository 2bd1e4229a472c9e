"""Question answering on the development archive: the project's answer path and plain-BM25 peers.

    python -m benchmarks.eval_archive [--archive data/eval/dev-archive] [--split dev|test|all]
        [--limit 10] [--json]

The archive folder holds bulletins/*.txt, questions.jsonl ({qid, question, gold_total, gold_title,
kind} and optionally answer, a verbatim span of the gold article; `noanswer` questions have null gold) and offtopic.txt (the noanswer qids that are off-topic;
the others are on-domain but covered by no article). The bulletins are ingested by the archive's own
pipeline into a temporary database, and each question of the split goes through Archive.ask, its
year, month and issue filters included. A hit is the gold article when its issue's 总期号 and its
normalized title match. Peers rank the same stored articles (title and text, one document each)
without filters. Over answerable questions: R@1, R@3 and MRR at the limit; per kind for the project.
With answers, answer_shown: the share of the questions carrying one whose first hit is the gold
article and whose excerpt shows the answer (answer_shown.py). Tune on --split dev, report
--split test (splits.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jieba

from retrieval.archive import Archive

from . import bm25_peers
from .answer_shown import answer_line, answer_shown
from .eval_retrieval import EvalDataError, read_jsonl
from .splits import CHOICES, article_key, in_split

DEFAULT_ARCHIVE = Path(__file__).resolve().parent.parent / "data" / "eval" / "dev-archive"
DEPTH = bm25_peers.DEPTH
KINDS = ("paraphrase", "detail", "filtered", "keyword")
NO_ANSWER = "noanswer"
_SPACE = re.compile(r"\s+")

PEERS: dict[str, Callable[[list[str], list[str], int], list[list[int]]]] = {
    "jieba+BM25Okapi (rank-bm25)": bm25_peers.naive,
    bm25_peers.CHAR_PEER: bm25_peers.char_bigrams,
    "jieba+bm25s lucene": bm25_peers.words_lucene,
}


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    kind: str
    gold_total: int | None
    gold_title: str | None
    answer: str | None = None

    @property
    def answerable(self) -> bool:
        return self.gold_total is not None

    @property
    def gold(self) -> tuple[int, str] | None:
        return None if self.gold_total is None else (self.gold_total, normalize_title(self.gold_title or ""))

    @property
    def split_key(self) -> str:
        return article_key(self.gold_total, self.gold_title, self.qid)


@dataclass(frozen=True)
class QuestionResult:
    qid: str
    kind: str
    rank: int | None
    """Where the gold article came among the hits (1 = first); None when absent or unanswerable."""
    hits: int
    match: str = "none"
    """The answer's tier: answer, related or none."""
    shown: tuple[bool, str | None, tuple[str, ...]] = (False, None, ())
    """Whether the first hit is gold, its excerpt, and the question's answers (for answer_shown)."""


@dataclass(frozen=True)
class Document:
    """A stored article as the peers see it."""

    total: int
    title: str
    text: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.total, normalize_title(self.title))


def normalize_title(title: str) -> str:
    """Titles compare after NFKC, without ** markers, whitespace or a closing 。."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", title).replace("**", "")).removesuffix("。")


# --- reading --------------------------------------------------------------------------------


def read_questions(path: Path) -> list[Question]:
    questions = []
    for row in read_jsonl(path, ("qid", "question", "gold_total", "gold_title", "kind")):
        question = Question(
            str(row["qid"]),
            str(row["question"]),
            str(row["kind"]),
            row["gold_total"],
            row["gold_title"],
            row.get("answer"),
        )
        if question.kind not in (*KINDS, NO_ANSWER):
            raise EvalDataError(f"{path}: {question.qid}: unknown kind {question.kind!r}")
        has_gold = (question.gold_total is not None, question.gold_title is not None)
        if has_gold != ((question.kind != NO_ANSWER),) * 2:
            raise EvalDataError(f"{path}: {question.qid}: gold_total and gold_title must be null exactly for noanswer")
        questions.append(question)
    if len({q.qid for q in questions}) != len(questions):
        raise EvalDataError(f"{path}: qids repeat")
    return questions


def read_offtopic(path: Path, questions: list[Question]) -> frozenset[str]:
    """The off-topic qids: one a line, # starts a comment; each must be a noanswer question."""
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    qids = frozenset(q for line in path.read_text(encoding="utf-8").splitlines() if (q := line.split("#")[0].strip()))
    unanswerable = {q.qid for q in questions if not q.answerable}
    strays = sorted(qids - unanswerable)
    if strays:
        raise EvalDataError(f"{path}: not noanswer questions: {', '.join(strays[:5])}")
    return qids


# --- the archive ----------------------------------------------------------------------------


def ingest(archive: Archive, bulletins: Path) -> list[Document]:
    """Ingest every bulletin; a file the pipeline refuses is bad data. Returns the stored articles."""
    if not bulletins.is_dir():
        raise EvalDataError(f"{bulletins}: no such folder")
    totals = []
    for report in archive.ingest([bulletins]):
        if report.error is not None:
            raise EvalDataError(f"{report.name}: refused: {report.error}")
        totals.append(report.ref.total)
    return [Document(total, a.title, a.text) for total in sorted(set(totals)) for a in archive.issue(total).articles]


def check_gold(questions: list[Question], documents: list[Document]) -> None:
    """Every gold article must be stored; one that is not means the parser and the questions disagree."""
    held = {d.key for d in documents}
    lost = [q for q in questions if q.answerable and q.gold not in held]
    if lost:
        more = f" (and {len(lost) - 1} more)" if len(lost) > 1 else ""
        raise EvalDataError(
            f"{lost[0].qid}: gold article 总第{lost[0].gold_total}期 《{lost[0].gold_title}》 is not among "
            f"the ingested articles{more}"
        )


def run_questions(archive: Archive, questions: list[Question], limit: int = DEPTH) -> list[QuestionResult]:
    """Ask each question through the archive's answer path; where did the gold article come?"""
    results = []
    for question in questions:
        answer = archive.ask(question.question, limit=limit)
        hits = answer.hits
        keys = [(hit.issue.total, normalize_title(hit.title)) for hit in hits]
        rank = _rank(keys, question.gold)
        shown = (rank == 1, hits[0].excerpt if hits else None, (question.answer,) if question.answer else ())
        results.append(QuestionResult(question.qid, question.kind, rank, len(hits), answer.match.value, shown))
    return results


def peer_ranks(documents: list[Document], questions: list[Question], limit: int = DEPTH) -> dict[str, list]:
    """Each peer's rank of the gold article, per answerable question."""
    texts = [f"{d.title} {d.text}" for d in documents]
    asked = [q for q in questions if q.answerable]
    ranks = {}
    for name, ranker in PEERS.items():
        rankings = ranker(texts, [q.question for q in asked], limit)
        ranks[name] = [_rank([documents[i].key for i in r], q.gold) for r, q in zip(rankings, asked)]
    return ranks


def _rank(keys: list[tuple[int, str]], gold: tuple[int, str] | None) -> int | None:
    return next((i for i, key in enumerate(keys, start=1) if key == gold), None) if gold else None


# --- scoring --------------------------------------------------------------------------------


def scores(ranks: list[int | None], limit: int = DEPTH) -> dict[str, float | int]:
    """R@1, R@3 and MRR@limit over answerable questions' gold ranks (None: not found)."""
    n = len(ranks)
    found = [r for r in ranks if r is not None and r <= limit]
    return {
        "R@1": round(sum(r == 1 for r in found) / n, 4) if n else 0.0,
        "R@3": round(sum(r <= 3 for r in found) / n, 4) if n else 0.0,
        f"MRR@{limit}": round(sum(1 / r for r in found) / n, 4) if n else 0.0,
        "n": n,
    }


def silence(results: list[QuestionResult], qids: set[str] | frozenset[str]) -> dict:
    """How many of these questions got no hits (the right outcome for unanswerable ones)."""
    chosen = [r for r in results if r.qid in qids]
    return {
        "silent": sum(r.hits == 0 for r in chosen),
        "total": len(chosen),
        "with_hits": [r.qid for r in chosen if r.hits],
    }


def project_report(results: list[QuestionResult], offtopic: frozenset[str], limit: int = DEPTH) -> dict:
    answerable = [r for r in results if r.kind != NO_ANSWER]
    unanswerable = {r.qid for r in results if r.kind == NO_ANSWER}
    no_hits = [r.qid for r in answerable if r.hits == 0]
    shown = answer_shown(r.shown for r in answerable) if any(r.shown[2] for r in answerable) else {}
    return (
        scores([r.rank for r in answerable], limit)
        | shown
        | {
            "tiers": {
                group: {tier: sum(r.match == tier for r in chosen) for tier in ("answer", "related", "none")}
                for group, chosen in (
                    ("answerable", answerable),
                    ("offtopic", [r for r in results if r.qid in unanswerable & offtopic]),
                    ("ondomain", [r for r in results if r.qid in unanswerable - offtopic]),
                )
            },
            "kinds": {kind: scores([r.rank for r in answerable if r.kind == kind], limit) for kind in KINDS},
            "no_hits": {"count": len(no_hits), "qids": no_hits},
            "no_answer": {
                "offtopic": silence(results, unanswerable & offtopic),
                "ondomain": silence(results, unanswerable - offtopic),
            },
        }
    )


def evaluate_archive(
    folder: Path, split: str = "all", archive_factory: Callable[[Path], Archive] = Archive, limit: int = DEPTH
) -> dict:
    """Ingest the folder's bulletins into a temporary archive and measure the split's questions."""
    if not folder.is_dir():
        raise EvalDataError(f"{folder}: no such folder")
    questions = read_questions(folder / "questions.jsonl")
    offtopic = read_offtopic(folder / "offtopic.txt", questions)
    chosen = [q for q in questions if in_split(q.split_key, split)]
    with tempfile.TemporaryDirectory() as tmp:
        archive = archive_factory(Path(tmp) / "eval.db")
        try:
            documents = ingest(archive, folder / "bulletins")
            check_gold(questions, documents)
            started = time.perf_counter()
            results = run_questions(archive, chosen, limit)
            seconds = time.perf_counter() - started
        finally:
            archive.close()
    return {
        "split": split,
        "questions": len(chosen),
        "gold_articles": {
            "asked": len({q.gold for q in chosen if q.answerable}),
            "held": len({d.key for d in documents} & {q.gold for q in chosen if q.answerable}),
        },
        "articles": len(documents),
        "project": project_report(results, offtopic, limit) | {"seconds": round(seconds, 2)},
        "peers": {name: scores(ranks, limit) for name, ranks in peer_ranks(documents, chosen, limit).items()},
    }


# --- command line ---------------------------------------------------------------------------


def table(report: dict) -> str:
    project = report["project"]
    mrr = next(k for k in project if k.startswith("MRR@"))
    rows = [("project", project)] + [(f"  {kind}", s) for kind, s in project["kinds"].items()]
    rows += list(report["peers"].items())
    lines = [f"{'pipeline':<40} {'R@1':>7} {'R@3':>7} {mrr:>7} {'n':>6}"]
    lines += [f"{name:<40} {s['R@1']:>7.4f} {s['R@3']:>7.4f} {s[mrr]:>7.4f} {s['n']:>6}" for name, s in rows]
    no_hits = project["no_hits"]
    lines.append(
        f"project: {no_hits['count']} of {project['n']} answerable questions got no hits"
        + (f": {', '.join(no_hits['qids'])}" if no_hits["qids"] else "")
    )
    off, on = project["no_answer"]["offtopic"], project["no_answer"]["ondomain"]
    lines.append(
        f"project no answer: off-topic {off['silent']} of {off['total']} silent, "
        f"on-domain {on['silent']} of {on['total']} silent"
    )
    if "answer_shown" in project:
        lines.append(answer_line(project))
    tiers = project["tiers"]
    lines.append(
        "project tiers (answer/related/none): "
        + "; ".join(f"{group} {t['answer']}/{t['related']}/{t['none']}" for group, t in tiers.items())
    )
    lines.append(
        f"split {report['split']}: {report['questions']} questions, {report['gold_articles']['asked']} of "
        f"{report['articles']} articles asked about; project answers in {project['seconds']} s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_archive", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--archive", type=Path, default=DEFAULT_ARCHIVE, help="bulletins/, questions.jsonl, offtopic.txt"
    )
    parser.add_argument("--split", choices=CHOICES, default="all", help="tune on dev, report test")
    parser.add_argument("--limit", type=int, default=DEPTH, help="hits asked for per question")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.limit < 3:
        parser.error("--limit must be at least 3 (R@3)")
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not part of the report
    try:
        report = evaluate_archive(args.archive, args.split, limit=args.limit)
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

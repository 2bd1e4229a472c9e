"""The domain set: questions users ask about the sample archive, each with the article that answers
it, and questions it cannot answer. A regression floor for retrieval, through the archive's own
answer path and through the evaluator."""

from __future__ import annotations

import json

import pytest

from benchmarks.eval_retrieval import Passage, evaluate, read_passages, read_queries
from retrieval.archive import Archive
from tests.helpers import ROOT

DOMAIN = ROOT / "data" / "eval" / "domain"
PASSAGES = read_passages(DOMAIN / "passages.jsonl")
QUERIES = read_queries(DOMAIN / "queries.jsonl", {p.id for p in PASSAGES})
FLOOR = 0.95


def test_the_set_is_large_enough_and_varied() -> None:
    answerable = [q for q in QUERIES if q.gold]
    assert len(answerable) >= 60 and len(QUERIES) - len(answerable) >= 10
    assert len({q.gold[0] for q in answerable}) == len(PASSAGES), "every article is asked about"
    text = " ".join(q.question for q in answerable)
    assert "总第" in text and "2020年" in text and "丰台" in text and "關於" in text


def test_domain_passages_are_the_sample_archive_articles(shared_sample_archive: Archive) -> None:
    held = [
        Passage(f"{total}-{a.position + 1}", a.title, a.text)
        for total in (2202, 2126)
        for a in shared_sample_archive.issue(total).articles
    ]
    assert held == PASSAGES


def test_questions_find_their_article_first_through_the_archive(shared_sample_archive: Archive) -> None:
    positions = {
        a.id: f"{total}-{a.position + 1}" for total in (2202, 2126) for a in shared_sample_archive.issue(total).articles
    }
    misses = []
    for query in (q for q in QUERIES if q.gold):
        hits = shared_sample_archive.ask(query.question).hits
        if not hits or positions[hits[0].article_id] not in query.gold:
            misses.append(query.question)
    answerable = sum(1 for q in QUERIES if q.gold)
    assert 1 - len(misses) / answerable >= FLOOR, misses


@pytest.mark.parametrize("query", [q for q in QUERIES if not q.gold], ids=lambda q: q.question)
def test_small_talk_and_off_topic_questions_get_no_hits(shared_sample_archive: Archive, query) -> None:
    assert shared_sample_archive.ask(query.question).hits == ()


def test_the_evaluator_scores_the_project_above_the_floor_and_the_naive_peer(tokenizer) -> None:
    report = evaluate(PASSAGES, QUERIES, tokenizer)
    project = report["project"]
    naive = report["peers"]["jieba+BM25Okapi (rank-bm25)"]
    assert project["R@1"] >= FLOOR and project["R@1"] >= naive["R@1"] and project["MRR@10"] >= naive["MRR@10"]
    assert project["no_answer"]["silent"] == project["no_answer"]["unanswerable"]
    assert project["no_answer"]["answerable_but_silent"] == 0


def test_the_evaluator_command_prints_json(run_python) -> None:
    result = run_python(
        "-m",
        "benchmarks.eval_retrieval",
        "--json",
        "--passages",
        str(DOMAIN / "passages.jsonl"),
        "--queries",
        str(DOMAIN / "queries.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["project"]) >= {"R@1", "R@5", "MRR@10", "n"} and report["project"]["n"] == 74
    assert set(report["peers"]) == {"jieba+BM25Okapi (rank-bm25)", "project tokens+bm25s lucene"}

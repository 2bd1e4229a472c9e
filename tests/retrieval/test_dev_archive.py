"""The CI floor on the development archive: its test half through the archive evaluator, the
project's full answer path. Constants are tuned on the dev half only; these figures are the test
half's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.eval_archive import (
    NO_ANSWER,
    EvalDataError,
    QuestionResult,
    evaluate_archive,
    main,
    normalize_title,
    project_report,
    read_offtopic,
    read_questions,
    scores,
)
from benchmarks.splits import in_split
from retrieval.archive import Archive
from tests.helpers import ROOT

DEV_ARCHIVE = ROOT / "data" / "eval" / "dev-archive"
# Measured 0.9756 (80 of 82) on the test half with ranking v3 (2026-12-07), as with the
# words-and-characters ranking; 0.8780 before it.
FLOOR = 0.95
# The first hit is gold and its excerpt shows the answer: measured 0.9390 (77 of 82) on the test
# half (2026-12-07).
ANSWER_SHOWN_FLOOR = 0.9


@pytest.fixture(scope="module")
def report(tokenizer) -> dict:
    """The test half, ingested and asked once for the module."""
    return evaluate_archive(DEV_ARCHIVE, "test", archive_factory=lambda path: Archive(path, tokenizer))


def test_every_gold_article_of_the_test_half_is_in_the_ingested_archive(report: dict) -> None:
    # evaluate_archive refuses a gold title no stored article has, for all 160 questions.
    assert report["gold_articles"]["held"] == report["gold_articles"]["asked"] > 30
    assert report["articles"] == 71


def test_the_projects_first_hit_on_the_test_half_is_the_gold_article_often_enough(report: dict) -> None:
    assert report["project"]["R@1"] >= FLOOR, report["project"]["kinds"]


def test_the_first_excerpt_shows_the_answer_often_enough(report: dict) -> None:
    assert report["project"]["answer_shown"] >= ANSWER_SHOWN_FLOOR, report["project"]["answer_counts"]


@pytest.mark.xfail(
    strict=True,
    reason="1 of the test half's 10 off-topic questions gets a related-tier hit: the tier bounds, read off"
    " the dev halves, let them through (docs/quality.md)",
)
def test_off_topic_questions_get_no_hits(report: dict) -> None:
    offtopic = report["project"]["no_answer"]["offtopic"]
    assert offtopic["total"] > 0 and offtopic["with_hits"] == []


@pytest.mark.xfail(
    strict=True,
    reason="1 of 82 answerable test questions (d028) falls under the no-answer bounds read off the dev halves"
    " (docs/quality.md): the bounds that keep every off-topic dev question silent cost it",
)
def test_answerable_questions_almost_always_get_hits(report: dict) -> None:
    no_hits = report["project"]["no_hits"]
    assert no_hits["count"] <= 0.01 * report["project"]["n"], no_hits["qids"]


# --- the halves and the off-topic list -------------------------------------------------------------


def test_an_articles_questions_share_a_half_and_the_halves_are_balanced() -> None:
    questions = read_questions(DEV_ARCHIVE / "questions.jsonl")
    halves: dict[object, set[bool]] = {}
    for q in questions:
        halves.setdefault(q.gold or q.qid, set()).add(in_split(q.split_key, "dev"))
    assert all(len(h) == 1 for h in halves.values())
    dev = sum(in_split(q.split_key, "dev") for q in questions)
    assert 0.4 <= dev / len(questions) <= 0.6
    assert sum(in_split(q.split_key, "test") for q in questions) == len(questions) - dev


def test_half_the_unanswerable_questions_are_off_topic() -> None:
    questions = read_questions(DEV_ARCHIVE / "questions.jsonl")
    offtopic = read_offtopic(DEV_ARCHIVE / "offtopic.txt", questions)
    assert len(offtopic) == 15 and sum(q.kind == NO_ANSWER for q in questions) == 30


# --- arithmetic ------------------------------------------------------------------------------------


def test_recall_and_mrr_count_the_gold_rank_within_the_limit() -> None:
    result = scores([1, 3, None, 11, 2], limit=10)
    assert result == {"R@1": 0.2, "R@3": 0.6, "MRR@10": round((1 + 1 / 3 + 1 / 2) / 5, 4), "n": 5}


def test_the_project_report_separates_kinds_and_off_topic_from_on_domain_silence() -> None:
    results = [
        QuestionResult("a", "detail", 1, 3),
        QuestionResult("b", "keyword", None, 0),
        QuestionResult("c", NO_ANSWER, None, 0),
        QuestionResult("d", NO_ANSWER, None, 2),
    ]
    report = project_report(results, frozenset({"c"}))
    assert report["n"] == 2 and report["R@1"] == 0.5 and report["kinds"]["detail"]["R@1"] == 1.0
    assert report["no_hits"] == {"count": 1, "qids": ["b"]}
    assert report["no_answer"]["offtopic"] == {"silent": 1, "total": 1, "with_hits": []}
    assert report["no_answer"]["ondomain"] == {"silent": 0, "total": 1, "with_hits": ["d"]}


@pytest.mark.parametrize(
    "title, normal",
    [("**石景山区 开展创城**", "石景山区开展创城"), ("全市１６区完成测评。", "全市16区完成测评"), ("a。b", "a。b")],
)
def test_titles_compare_without_markers_spaces_or_a_closing_full_stop(title: str, normal: str) -> None:
    assert normalize_title(title) == normal


# --- bad input: one clear line -------------------------------------------------------------------


@pytest.fixture
def small_archive(tmp_path: Path) -> Path:
    """Two bulletins of the dev archive, their questions and every unanswerable one."""
    folder = tmp_path / "small"
    (folder / "bulletins").mkdir(parents=True)
    for total in (2103, 2108):
        shutil.copy(DEV_ARCHIVE / "bulletins" / f"dev_{total}.txt", folder / "bulletins")
    lines = (DEV_ARCHIVE / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if json.loads(line)["gold_total"] in (2103, 2108, None)]
    (folder / "questions.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(DEV_ARCHIVE / "offtopic.txt", folder)
    return folder


def test_the_command_reports_a_small_archive_as_json(small_archive: Path, capsys) -> None:
    assert main(["--archive", str(small_archive), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 7 and report["project"]["n"] == 15
    assert set(report["peers"]) == {
        "jieba+BM25Okapi (rank-bm25)",
        "char 1+2-grams+BM25Okapi (k1=1.2, b=0.9)",
        "jieba+bm25s lucene",
    }
    assert all(peer["R@3"] > 0.5 for peer in report["peers"].values()), report["peers"]


def _break_a_gold_title(folder: Path) -> None:
    path = folder / "questions.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("“小巷管家”守护胡同环境", "小巷管家"), encoding="utf-8")


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda folder: shutil.rmtree(folder), "no such folder"),
        (lambda folder: (folder / "bulletins" / "notes.txt").write_text("会议纪要", encoding="utf-8"), "notes.txt"),
        (_break_a_gold_title, "d006: gold article 总第2103期 《东城区小巷管家》 is not among the ingested articles"),
        (lambda folder: (folder / "offtopic.txt").write_text("d001\n", encoding="utf-8"), "not noanswer"),
    ],
    ids=["missing folder", "refused bulletin", "gold title not found", "answerable question as off-topic"],
)
def test_bad_input_is_one_clear_line(small_archive: Path, damage, message: str, capsys) -> None:
    damage(small_archive)
    with pytest.raises(EvalDataError, match=message):
        evaluate_archive(small_archive)
    assert main(["--archive", str(small_archive)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err, captured.err

"""The evaluator's arithmetic and its handling of bad data files."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval_retrieval import EvalDataError, Query, abstention, main, read_passages, read_queries, score


def test_recall_and_mrr_count_the_first_gold_passage_within_ten() -> None:
    queries = [Query("a", "?", ("p1",)), Query("b", "?", ("p2",)), Query("c", "?", ("p3",)), Query("d", "?", ())]
    rankings = [["p1", "x"], ["x", "y", "p2"], [f"x{i}" for i in range(10)] + ["p3"], []]
    result = score(rankings, queries)
    assert result.n == 3
    assert result.r1 == pytest.approx(1 / 3) and result.r5 == pytest.approx(2 / 3)
    assert result.mrr10 == pytest.approx((1 + 1 / 3) / 3), "a hit at rank 11 counts nothing"


def test_abstention_separates_right_silence_from_wrong_silence() -> None:
    queries = [Query("a", "?", ()), Query("b", "?", ()), Query("c", "?", ("p1",))]
    quiet = abstention([[], ["p1"], []], queries)
    assert (quiet.unanswerable, quiet.silent, quiet.answerable_silent) == (2, 1, 1)


@pytest.mark.parametrize(
    "passages, queries, message",
    [
        ('{"id": "p1", "title": "t", "text": "x"}\nnot json\n', "", "passages.jsonl:2: not JSON"),
        ('{"id": "p1", "title": "t"}\n', "", "passages.jsonl:1: missing text"),
        ('{"id": "p1", "title": "t", "text": "x"}\n' * 2, "", "passage ids repeat"),
        ('{"id": "p1", "title": "t", "text": "x"}\n', '{"qid": "q", "question": "?", "gold": ["p9"]}\n', "p9"),
        ("\n", "", "no rows"),
    ],
)
def test_bad_files_are_one_clear_line(tmp_path: Path, passages: str, queries: str, message: str, capsys) -> None:
    (tmp_path / "passages.jsonl").write_text(passages, encoding="utf-8")
    (tmp_path / "queries.jsonl").write_text(queries or '{"qid": "q", "question": "?", "gold": []}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match=message):
        read_queries(tmp_path / "queries.jsonl", {p.id for p in read_passages(tmp_path / "passages.jsonl")})
    code = main(["--passages", str(tmp_path / "passages.jsonl"), "--queries", str(tmp_path / "queries.jsonl")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and message in err


def test_a_missing_file_is_named(tmp_path: Path, capsys) -> None:
    assert main(["--passages", str(tmp_path / "none.jsonl"), "--queries", str(tmp_path / "q.jsonl")]) == 1
    assert "none.jsonl: no such file" in capsys.readouterr().err

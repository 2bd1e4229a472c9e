"""The evaluator's arithmetic, its peers, its halves, and its handling of bad data files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks import bm25_peers
from benchmarks.eval_retrieval import (
    DEFAULT_PEERS,
    EvalDataError,
    Passage,
    Query,
    abstention,
    char_rankings,
    main,
    read_passages,
    read_queries,
    score,
    split_queries,
)
from benchmarks.splits import in_split, split_of
from tests.helpers import ROOT

DOMAIN = ROOT / "data" / "eval" / "domain"


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


# --- the character-gram peer -----------------------------------------------------------------


def test_character_grams_are_unigrams_and_bigrams_within_runs_of_casefolded_text() -> None:
    assert bm25_peers.char_grams("文明，城市 ＡB") == ["文", "明", "文明", "城", "市", "城市", "a", "b", "ab"]


def test_question_words_go_before_the_question_is_cut_into_grams() -> None:
    assert bm25_peers.question_char_grams("为什么要文明？") == ["要", "文", "明", "要文", "文明"]
    assert bm25_peers.question_char_grams("请问文明吗") == ["文", "明", "文明"]


def _hand_bm25(documents: list[list[str]], terms: list[str], k1: float, b: float) -> list[float]:
    """Okapi BM25 as rank_bm25 writes it (every idf here is positive, so no epsilon floor)."""
    n = len(documents)
    average = sum(map(len, documents)) / n
    scores = []
    for doc in documents:
        total = 0.0
        for term in terms:
            having = sum(term in d for d in documents)
            tf = doc.count(term)
            total += (
                math.log((n - having + 0.5) / (having + 0.5))
                * tf
                * (k1 + 1)
                / (tf + k1 * (1 - b + b * len(doc) / average))
            )
        scores.append(total)
    return scores


def test_the_character_peer_ranks_by_bm25_with_its_own_k1_and_b() -> None:
    # A short article naming 文明 once against a long one naming it twice: b=0.9 favours the
    # short one, rank_bm25's defaults (k1=1.5, b=0.75) the long one.
    documents = ["文明" + "甲" * 4, "文明乙文明" + "丙" * 8, "丁戊己", "庚辛壬", "癸子丑", "寅卯辰"]
    grams = [bm25_peers.char_grams(d) for d in documents]
    terms = bm25_peers.question_char_grams("什么是文明？")
    ours = _hand_bm25(grams, terms, bm25_peers.CHAR_K1, bm25_peers.CHAR_B)
    defaults = _hand_bm25(grams, terms, 1.5, 0.75)
    assert ours[0] > ours[1] > 0 and defaults[1] > defaults[0], "the case must tell the parameters apart"
    assert bm25_peers.char_bigrams(documents, ["什么是文明？"]) == [[0, 1]], "no shared gram, no rank"
    passages = [Passage(f"p{i}", "", text) for i, text in enumerate(documents)]
    assert char_rankings(passages, [Query("q", "什么是文明？", ("p0",))]) == [["p0", "p1"]]


# --- the split option ------------------------------------------------------------------------


def test_split_of_is_a_stable_hash() -> None:
    # Pinned: a change here would move questions between the tuning and the reporting half.
    assert [split_of(k) for k in ("DEV_0", "DEV_1", "DEV_2", "DEV_3")] == ["dev", "test", "test", "test"]
    with pytest.raises(ValueError, match="split must be one of"):
        in_split("DEV_0", "train")


def test_the_halves_partition_the_queries_and_keep_a_passages_questions_together() -> None:
    passages = read_passages(DOMAIN / "passages.jsonl")
    queries = read_queries(DOMAIN / "queries.jsonl", {p.id for p in passages})
    dev, test = split_queries(queries, "dev"), split_queries(queries, "test")
    assert split_queries(queries, "all") == queries
    assert sorted(q.qid for q in dev + test) == sorted(q.qid for q in queries) and dev and test
    assert not {q.gold for q in dev if q.gold} & {q.gold for q in test if q.gold}


def test_the_command_scores_only_the_chosen_half(tmp_path: Path, capsys) -> None:
    passages = [
        {"id": f"DEV_{i}", "title": "", "text": text}
        for i, text in zip((0, 1, 2, 5), ("文明城市", "垃圾分类", "志愿服务", "礼让斑马线"))
    ]
    queries = [{"qid": f"q{i}", "question": p["text"], "gold": [p["id"]]} for i, p in enumerate(passages)]
    (tmp_path / "p.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages), encoding="utf-8"
    )
    (tmp_path / "q.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8"
    )
    args = ["--passages", str(tmp_path / "p.jsonl"), "--queries", str(tmp_path / "q.jsonl"), "--json"]
    sizes = {}
    for split in ("dev", "test", "all"):
        assert main([*args, "--split", split]) == 0
        report = json.loads(capsys.readouterr().out)
        sizes[split] = report["project"]["n"]
        assert set(report["peers"]) == set(DEFAULT_PEERS)
    assert sizes == {"dev": 2, "test": 2, "all": 4}, "DEV_0 and DEV_5 are dev"
    assert main([*args, "--all-peers"]) == 0
    assert json.loads(capsys.readouterr().out)["peers"][bm25_peers.CHAR_PEER]["R@1"] == 1.0

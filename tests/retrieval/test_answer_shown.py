"""answer_shown counts what a reader sees: the first hit is gold and its excerpt holds an answer."""

from __future__ import annotations

from benchmarks.answer_shown import answer_shown, shows_answer


def test_an_answer_is_found_after_nfkc_and_without_spaces() -> None:
    assert shows_answer("共有１２ ０名志愿者参加。", ["120名"])
    assert shows_answer("…满意度达到98.7%。…", ["98.7 %"])
    assert not shows_answer("共有130名志愿者参加。", ["120名"])
    assert not shows_answer(None, ["120名"])
    assert not shows_answer("任何文字", [""])


def test_shown_needs_the_gold_first_and_its_excerpt_holding_the_answer() -> None:
    results = [
        (True, "形成了6个方面18项具体任务。", ("18项",)),  # shown
        (True, "形成了工作专班。", ("18项",)),  # right article, answer hidden
        (False, "形成了6个方面18项具体任务。", ("18项",)),  # answer shown, wrong article first
        (True, "没有答案可比。", ()),  # no answers: not counted
    ]
    report = answer_shown(results)
    assert report["answer_shown"] == round(1 / 3, 4)
    assert report["answer_counts"] == {"shown": 1, "right_first": 2, "with_answers": 3}

"""No question can break the search: query-language operators, SQL, markup, control characters,
filter phrases out of range, huge input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.archive import Archive
from retrieval.models import NoAnswer
from tests.helpers.properties import examples

HOSTILE = [
    "NEAR(",
    'NEAR("丰台" "创城", 5)',
    '"',
    '"""',
    '丰台"区',
    "AND OR NOT",
    "丰台 AND",
    "NOT 创城",
    "*",
    "创*",
    "^丰台",
    "title:丰台",
    "总第99999期",
    "总第0期 丰台区",
    "2099年13月45日 创城",
    "1900年 背街小巷",
    "总第2202期 总第2126期 第3期 2022年4月",
    "第期 年 月",
    "'; DROP TABLE passages; --",
    "1' OR '1'='1",
    "<script>alert(1)</script> 丰台区",
    "<b>背街小巷</b>&amp;",
    "丰台\x00区\x07创城\x1b[31m",
    "\u202e丰台区\u200b创城",
    "😀🎉 背街小巷 🏮",
    "😀😀😀",
    "\n\n\t ",
    "",
    "（）【】《》。，、",
    "丰台" * 2500,
    "背街小巷整治" + "啊" * 4990,
]


@pytest.mark.parametrize("question", HOSTILE, ids=[repr(q)[:40] for q in HOSTILE])
def test_hostile_questions_answer_normally_or_with_no_hits(shared_sample_archive: Archive, question: str) -> None:
    answer = shared_sample_archive.ask(question)
    assert bool(answer.hits) != bool(answer.no_answer)
    assert len(answer.question) <= 1000
    for hit in answer.hits:
        assert hit.issue.total in (2126, 2202)
        assert hit.excerpt


def test_operators_and_quotes_are_searched_as_plain_words(shared_sample_archive: Archive) -> None:
    plain = shared_sample_archive.ask("丰台区 创城 工作机制")
    dressed = shared_sample_archive.ask('NEAR("丰台区" "创城") AND 工作机制')
    assert dressed.hits[0].title.startswith("丰台区")
    assert dressed.hits[0].article_id == plain.hits[0].article_id


def test_sql_injection_leaves_the_archive_intact(shared_sample_archive: Archive) -> None:
    shared_sample_archive.ask("'); DELETE FROM passages; --")
    assert shared_sample_archive.stats().passages > 0


@pytest.mark.parametrize(
    "question", ["你好", "今天天气怎么样", "北京烤鸭哪家好吃", "推荐一部电影", "中国足球", "量子计算机的原理"]
)
def test_off_topic_questions_get_no_hits_not_random_passages(shared_sample_archive: Archive, question: str) -> None:
    answer = shared_sample_archive.ask(question)
    assert answer.hits == ()
    assert answer.no_answer in (NoAnswer.NO_MATCH, NoAnswer.EMPTY_QUESTION)


@pytest.mark.parametrize("question", ["什么", "哪些？", "怎么样呢", "请问", "!!!"])
def test_questions_with_no_meaningful_term_get_a_hint(shared_sample_archive: Archive, question: str) -> None:
    assert shared_sample_archive.ask(question).no_answer is NoAnswer.EMPTY_QUESTION


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_gets_an_answer_or_a_reason(shared_sample_archive: Archive, question: str) -> None:
    answer = shared_sample_archive.ask(question)
    assert bool(answer.hits) != bool(answer.no_answer)

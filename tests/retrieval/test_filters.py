"""Questions that name a year, a month, a date or an issue are searched in those issues."""

from __future__ import annotations

import pytest

from retrieval.answering.filters import extract_filters
from retrieval.archive import Archive
from retrieval.models import NoAnswer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2020年背街小巷", {"year_from": 2020, "year_to": 2020}),
        ("2022年4月的简报", {"year_from": 2022, "year_to": 2022, "month": 4}),
        ("2022年4月29日", {"year_from": 2022, "year_to": 2022, "month": 4, "day": 29}),
        ("总第2202期", {"total": 2202}),
        ("总第２２０２期丰台", {"total": 2202}),
        ("第2202期讲了什么", {"total": 2202}),
        ("2022年第10期", {"year_from": 2022, "year_to": 2022, "number": 10}),
        ("2020至2022年的创城", {"year_from": 2020, "year_to": 2022}),
        ("2020-2021年", {"year_from": 2020, "year_to": 2021}),
        # A year's results (年度) are reported that year or the next.
        ("2020年度创城测评成绩", {"year_from": 2020, "year_to": 2021}),
        ("丰台区创城", {}),
        ("前10名", {}),
        ("2022年13月", {"year_from": 2022, "year_to": 2022}),
    ],
)
def test_filters_named_in_a_question(question: str, expected: dict) -> None:
    filters, _ = extract_filters(question)
    named = {k: v for k, v in vars(filters).items() if v is not None and k != "label"}
    assert named == expected


def test_the_filter_phrase_is_taken_out_of_the_search_text() -> None:
    _, rest = extract_filters("总第2202期里丰台区的做法")
    assert "2202" not in rest and "丰台区" in rest
    # 2024年度 also says what the question is about (the year's results, 2024年度测评情况), so it
    # stays in the text it is searched by.
    filters, rest = extract_filters("全市2024年度创城测评排名")
    assert (filters.year_from, filters.year_to) == (2024, 2025) and "2024年度" in rest


def test_a_year_filter_keeps_other_years_out(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("2020年创建文明城市")
    assert answer.hits and {h.issue.year for h in answer.hits} == {2020}


def test_an_issue_filter_keeps_other_issues_out(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("总第2126期 文明 创建")
    assert answer.hits and {h.issue.total for h in answer.hits} == {2126}


def test_an_issue_not_held_says_so_with_the_range_held(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("总第1999期 背街小巷")
    assert (answer.hits, answer.no_answer) == ((), NoAnswer.OUTSIDE_ARCHIVE)
    assert [d.isoformat() for d in answer.held] == ["2020-04-24", "2022-04-29"]


def test_a_year_with_nothing_relevant_falls_back_to_the_whole_archive(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("2021年全国文明城市测评结果怎么样")
    assert answer.relaxed
    assert answer.hits[0].title.startswith("全市认真贯彻落实")

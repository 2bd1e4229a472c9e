"""The two real bulletins of the sample archive, field by field."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.ingest.decode import decode_bulletin
from retrieval.ingest.parse import parse_bulletin
from retrieval.models import Issue
from tests.helpers import ISSUE_2126, ISSUE_2202


@pytest.fixture(scope="module")
def issue_2202() -> Issue:
    return parse_bulletin(decode_bulletin(ISSUE_2202.read_bytes()))


@pytest.fixture(scope="module")
def issue_2126() -> Issue:
    return parse_bulletin(decode_bulletin(ISSUE_2126.read_bytes()))


def test_2202_header(issue_2202: Issue) -> None:
    ref = issue_2202.ref
    assert (ref.total, ref.number, ref.year, ref.date, ref.issuer) == (
        2202,
        10,
        2022,
        dt.date(2022, 4, 29),
        "首都精神文明办",
    )


def test_2202_has_three_run_in_articles_with_their_sources(issue_2202: Issue) -> None:
    assert [(a.title, a.source) for a in issue_2202.articles] == [
        ("驻京部队官兵积极参加首都地区文明城区创建工作", "中央军委政治工作部群众工作局"),
        (
            "全市认真贯彻落实中央文明办《关于2021年全国文明城市年度测评结果通报》精神",
            "精神文明综合协调处、精神文明创建活动指导处",
        ),
        ("丰台区凝心聚力全力以赴打好创建全国文明城市主动仗", "丰台区文明办"),
    ]


def test_2202_page_breaks_inside_words_are_joined(issue_2202: Issue) -> None:
    first, second, third = (a.text for a in issue_2202.articles)
    assert "维护健康生活环境”等工作重点" in first
    assert "文明行为习惯养成" in second
    assert "点对点上门督导" in third
    assert "\n\n" not in first + second + third


def test_2202_bold_markers_are_stripped(issue_2202: Issue) -> None:
    text = issue_2202.articles[2].text
    assert "**" not in text
    assert "一是加强领导,层层压实创建工作责任。坚持高位推动。区委主要领导" in text


def test_2202_headline_sentence_is_the_title_not_body(issue_2202: Issue) -> None:
    assert issue_2202.articles[0].text.startswith("为深入贯彻习近平总书记")


def test_2202_footer_is_metadata_not_article_text(issue_2202: Issue) -> None:
    footer = issue_2202.footer
    assert (footer.editor, footer.reviewer, footer.phone, footer.fax, footer.email) == (
        "梅雪峰",
        "吕俊超",
        "55569506",
        "55569505",
        "jswmzhxtc@163.com",
    )
    assert footer.report_to.startswith("中央文明办")
    assert footer.send_to.startswith("首都文明委委员")
    assert footer.distribute_to.startswith("各区委书记")
    body = "".join(a.text for a in issue_2202.articles)
    for word in ("责编", "核稿", "55569506", "jswmzhxtc", "各区委书记、区长"):
        assert word not in body


def test_2126_header(issue_2126: Issue) -> None:
    ref = issue_2126.ref
    assert (ref.total, ref.number, ref.year, ref.date) == (2126, 17, 2020, dt.date(2020, 4, 24))
    assert issue_2126.footer.reviewer == "田文松"


def test_2126_articles_are_titled_by_their_heading_lines(issue_2126: Issue) -> None:
    assert [(a.title, a.source) for a in issue_2126.articles] == [
        ("首都精神文明建设工作暨背街小巷环境精细化整治提升动员部署大会召开", "本刊"),
        ("2020年首都精神文明建设工作聚焦四个方面23项重点任务", "本刊"),
    ]


def test_2126_attribution_at_paragraph_end_is_cut_from_the_text(issue_2126: Issue) -> None:
    first = issue_2126.articles[0]
    assert first.paragraphs[-1].endswith("打造示范背街小巷。")
    assert len(first.paragraphs) == 4
    assert first.paragraphs[0].startswith("4月17日上午,北京市召开")


def test_2126_page_break_between_words_is_joined(issue_2126: Issue) -> None:
    assert "围绕城市治理难点痛点,持续开展" in issue_2126.articles[1].text
    assert len(issue_2126.articles[1].paragraphs) == 5

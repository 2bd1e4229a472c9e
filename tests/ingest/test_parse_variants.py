"""The shapes real files in this archive take, each parsed into the right fields."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from retrieval.errors import NotABulletin, UnreadableFile
from retrieval.ingest.decode import decode_bulletin
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document
from tests.helpers.bulletin_text import ARTICLE_RUN_IN, ARTICLE_WITH_HEADING, FOOTER, HEADER, bulletin


def parse(text: str):
    return parse_bulletin(text)


def test_page_break_inside_a_sentence_and_a_word_is_joined() -> None:
    body = (
        "丰台区推进文明创建。通知要求,要把握“注重思想道德引领、维护健康生活\n\n"
        "环境”等工作重点。每周选取出现问题较多街镇,点对\n\n点上门督导,提出任务清单。\n\n(丰台区文明办)"
    )
    article = parse(bulletin(body)).articles[0]
    assert article.paragraphs == (
        "通知要求,要把握“注重思想道德引领、维护健康生活环境”等工作重点。每周选取出现问题较多街镇,点对点上门督导,提出任务清单。",
    )


def test_line_wrap_spaces_inside_a_heading_are_removed() -> None:
    issue = parse(bulletin(ARTICLE_WITH_HEADING))
    assert issue.articles[0].title == "朝阳区推进垃圾分类入户宣传"


def test_markdown_bold_markers_are_stripped() -> None:
    body = "西城区深化创建。一是**加强领导。**区委**每周**调度。\n\n(西城区文明办)"
    article = parse(bulletin(body)).articles[0]
    assert article.text == "一是加强领导。区委每周调度。"


def test_heading_line_articles_and_run_in_headline_articles_in_one_issue() -> None:
    issue = parse(bulletin())
    assert [(a.title, a.source) for a in issue.articles] == [
        ("朝阳区推进垃圾分类入户宣传", "朝阳区文明办"),
        ("海淀区开展文明交通劝导活动", "海淀区文明办"),
    ]
    assert issue.articles[1].text.startswith("海淀区组织三百名志愿者")


@pytest.mark.parametrize("attribution", ["(东城区文明办)", "（东城区文明办）"])
def test_attribution_on_its_own_line_in_either_width(attribution: str) -> None:
    body = f"东城区开展志愿服务。东城区组织志愿者服务社区居民。\n\n{attribution}"
    assert parse(bulletin(body)).articles[0].source == "东城区文明办"


@pytest.mark.parametrize("attribution", ["(本刊)", "（本刊）"])
def test_attribution_at_the_end_of_the_last_paragraph(attribution: str) -> None:
    body = f"全市部署背街小巷整治\n\n会议要求打造示范背街小巷。{attribution}"
    article = parse(bulletin(body)).articles[0]
    assert (article.source, article.text) == ("本刊", "会议要求打造示范背街小巷。")


def test_last_article_without_attribution_has_no_source() -> None:
    body = ARTICLE_WITH_HEADING + "\n\n通州区推进文明实践\n\n通州区建成新时代文明实践站三百个。"
    issue = parse(bulletin(body))
    assert [(a.title, a.source) for a in issue.articles] == [
        ("朝阳区推进垃圾分类入户宣传", "朝阳区文明办"),
        ("通州区推进文明实践", None),
    ]


def test_editor_note_after_a_heading_belongs_to_its_article() -> None:
    body = "顺义区创建经验\n\n编者按:顺义区的做法值得借鉴。\n\n顺义区建立创建工作专班。\n\n(顺义区文明办)"
    article = parse(bulletin(body)).articles[0]
    assert article.title == "顺义区创建经验"
    assert article.paragraphs == ("编者按:顺义区的做法值得借鉴。", "顺义区建立创建工作专班。")


def test_editor_note_before_a_run_in_headline_belongs_to_the_article_that_follows() -> None:
    body = (
        ARTICLE_RUN_IN
        + "\n\n编者按:现将延庆区经验刊发。\n\n延庆区打造示范街巷。延庆区整治街巷五十条。\n\n(延庆区文明办)"
    )
    issue = parse(bulletin(body))
    assert [a.title for a in issue.articles] == ["海淀区开展文明交通劝导活动", "延庆区打造示范街巷"]
    assert issue.articles[1].paragraphs == ("编者按:现将延庆区经验刊发。", "延庆区整治街巷五十条。")


@pytest.mark.parametrize(
    ("number_line", "total_line", "number", "total"),
    [
        ("第 10 期", "(总第 2202 期)", 10, 2202),
        ("第10期", "(总第2202期)", 10, 2202),
        ("第６期", "（总第２１６５期）", 6, 2165),
        ("第 6 期", "（总第 2165 期）", 6, 2165),
    ],
)
def test_issue_numbers_in_every_width_and_spacing(number_line: str, total_line: str, number: int, total: int) -> None:
    header = f"首都精神文明建设情况简报\n\n{number_line}\n\n{total_line}\n\n首都精神文明办\n\n2021年3月12日\n\n"
    ref = parse(bulletin(header=header)).ref
    assert (ref.number, ref.total) == (number, total)


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("2022 年 4 月 29 日", dt.date(2022, 4, 29)),
        ("2021年3月12日", dt.date(2021, 3, 12)),
        ("二〇二三年二月十日", dt.date(2023, 2, 10)),
        ("二〇一九年十二月三十一日", dt.date(2019, 12, 31)),
        ("２０２０年１２月２日", dt.date(2020, 12, 2)),
    ],
)
def test_dates_in_arabic_and_chinese_numerals(date_line: str, expected: dt.date) -> None:
    header = HEADER.replace("2021 年 3 月 12 日", date_line)
    ref = parse(bulletin(header=header)).ref
    assert (ref.date, ref.year) == (expected, expected.year)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="CRLF"),
        pytest.param(lambda t: t.encode("gb18030"), id="GB18030"),
        pytest.param(lambda t: t.replace("\n", "\r\n").encode("gbk"), id="GBK with CRLF"),
        pytest.param(lambda t: ("\n\n\n  \n" + t).encode("utf-8"), id="leading blank lines"),
        pytest.param(lambda t: t.encode("utf-16"), id="UTF-16 with BOM"),
    ],
)
def test_encodings_and_line_ends_parse_to_the_same_issue(encode) -> None:
    text = bulletin()
    assert parse_bulletin(decode_bulletin(encode(text))) == parse(text)


def test_the_footer_is_issue_metadata() -> None:
    issue = parse(bulletin())
    assert issue.footer.editor == "梅雪峰"
    assert issue.footer.distribute_to == "各区文明办,有关新闻单位。"
    assert "责编" not in "".join(a.text for a in issue.articles)


def test_a_file_without_footer_that_ends_cleanly_is_accepted() -> None:
    issue = parse(bulletin(footer=""))
    assert len(issue.articles) == 2


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("今天天气很好。\n\n我们去公园散步。\n", "报头"),
        (HEADER.replace("第 6 期", "") + ARTICLE_RUN_IN + FOOTER, "期号"),
        (HEADER.replace("(总第 2165 期)", "") + ARTICLE_RUN_IN + FOOTER, "总期号"),
        (HEADER.replace("2021 年 3 月 12 日", "") + ARTICLE_RUN_IN + FOOTER, "日期"),
        (HEADER.replace("3 月 12", "13 月 12"), "日期"),
        (HEADER + FOOTER, "没有正文"),
        (HEADER, "没有正文"),
        (HEADER + "海淀区开展文明交通劝导活动。海淀区组织三百名志愿者在重点路口开", "中断"),
        (HEADER + "海淀区开展文明交通劝导活动\n\n", "只有标题"),
    ],
    ids=[
        "not a bulletin",
        "no number",
        "no total",
        "no date",
        "invalid date",
        "no articles",
        "header only",
        "cut mid-sentence",
        "heading only",
    ],
)
def test_what_is_not_a_whole_bulletin_is_refused_naming_what_is_missing(text: str, missing: str) -> None:
    with pytest.raises(NotABulletin, match=missing):
        parse(text)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "空"),
        (b"  \n\r\n ", "空"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe\x00", "二进制"),
        (bytes(range(256)) * 4, "二进制"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(UnreadableFile, match=says):
        decode_bulletin(data)
    with pytest.raises(UnreadableFile, match=says):
        read_document(data)


def test_an_issuer_on_the_date_line_is_kept() -> None:
    header = "首都精神文明建设情况简报\n\n第 6 期\n\n(总第 2165 期)\n\n朝阳区文明办    2021 年 3 月 12 日\n\n"
    issue = parse(bulletin(header=header))
    assert (issue.ref.issuer, issue.ref.date) == ("朝阳区文明办", dt.date(2021, 3, 12))


def test_a_masthead_set_over_two_lines_is_read() -> None:
    header = HEADER.replace("首都精神文明建设情况简报", "首都精神文明建设\n\n情况简报")
    assert parse(bulletin(header=header)).ref.total == 2165

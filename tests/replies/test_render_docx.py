"""Word exports read back with python-docx: the title, the question, every excerpt or article,
every citation in both styles, the export date, and fonts that show Chinese."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.oxml.ns import qn

from replies import messages
from replies.citations import gbt7714
from replies.render_docx import answer_document, answer_filename, issue_document, issue_filename
from retrieval.archive import Archive
from retrieval.models import Match

EXPORTED = dt.date(2026, 12, 7)
QUESTION = "丰台区创城建立了哪些工作机制？"


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_an_answer_holds_title_question_excerpts_both_citations_and_date(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask(QUESTION, limit=5)
    assert len(answer.hits) >= 2
    lines = paragraphs(answer_document(answer, EXPORTED))
    assert lines[0] == "首都精神文明建设情况简报摘录"
    assert "问题：" + QUESTION in lines
    assert "导出日期：2026年12月7日" in lines
    text = "\n".join(lines)
    for number, hit in enumerate(answer.hits, 1):
        assert f"{number}. {hit.title}" in lines
        for line in hit.excerpt.splitlines():
            assert line.strip() in text
        assert "引用（简报格式）：" + messages.citation(hit.issue, hit.source, hit.page) in lines
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(hit.issue, hit.title, hit.source, hit.page) in lines
    # The first hit is the 丰台区 article, cited as the standard asks.
    assert (
        "参考文献（GB/T 7714—2015）：丰台区文明办. 丰台区凝心聚力全力以赴打好创建全国文明城市主动仗[J]. "
        "首都精神文明建设情况简报, 2022(10)." in lines
    )


def test_an_answer_with_no_hits_says_so(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("今天天气怎么样", limit=3)
    lines = paragraphs(answer_document(answer, EXPORTED))
    assert "问题：今天天气怎么样" in lines and "档案中没有找到回答这个问题的内容。" in lines
    assert not any(line.startswith("参考文献") for line in lines)


def test_a_weak_match_is_labelled_as_on_the_surfaces(shared_sample_archive: Archive) -> None:
    answer = shared_sample_archive.ask("学雷锋志愿服务", limit=3)
    assert answer.match is Match.RELATED, "the test wants a weak match"
    assert messages.RELATED_ONLY in paragraphs(answer_document(answer, EXPORTED))
    confident = shared_sample_archive.ask(QUESTION, limit=3)
    assert messages.RELATED_ONLY not in paragraphs(answer_document(confident, EXPORTED))


def test_an_issue_holds_every_article_whole_with_both_citations(shared_sample_archive: Archive) -> None:
    issue = shared_sample_archive.issue(2202)
    lines = paragraphs(issue_document(issue, EXPORTED))
    assert lines[0] == messages.issue_label(issue.ref)
    assert "导出日期：2026年12月7日" in lines
    for article in issue.articles:
        assert article.title in lines
        for line in article.text.splitlines():
            if line.strip():
                assert line.strip() in lines
        assert "引用（简报格式）：" + messages.citation(issue.ref, article.source, article.page) in lines
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(issue.ref, article.title, article.source, article.page) in lines


def test_styles_set_a_chinese_east_asian_font_no_theme_overrides(shared_sample_archive: Archive) -> None:
    document = docx.Document(io.BytesIO(issue_document(shared_sample_archive.issue(2202), EXPORTED)))
    for name, font in (("Normal", "宋体"), ("Title", "黑体"), ("Heading 1", "黑体")):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name
    assert document.core_properties.language == "zh-CN"


def test_exports_print_on_a4_as_documents_in_china_do(shared_sample_archive: Archive) -> None:
    for data in (
        issue_document(shared_sample_archive.issue(2202), EXPORTED),
        answer_document(shared_sample_archive.ask(QUESTION), EXPORTED),
    ):
        for section in docx.Document(io.BytesIO(data)).sections:
            assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
            assert round(section.left_margin.cm, 2) == 3.17 and round(section.top_margin.cm, 2) == 2.54


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("垃圾分类", "简报摘录-垃圾分类-20261207.docx"),
        (QUESTION, "简报摘录-丰台区创城建立了哪些工作机制-20261207.docx"),
        ('../../etc/passwd"; x=<b>', "简报摘录-etcpasswdxb-20261207.docx"),
        ("？？？", "简报摘录-20261207.docx"),
        ("文明" * 30, f"简报摘录-{'文明' * 10}-20261207.docx"),
    ],
)
def test_filenames_are_chinese_and_safe(question: str, expected: str) -> None:
    assert answer_filename(question, EXPORTED) == expected


def test_an_issue_filename_names_the_issue() -> None:
    assert issue_filename(2202, EXPORTED) == "简报-总第2202期-20261207.docx"

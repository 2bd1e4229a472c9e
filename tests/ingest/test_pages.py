"""Pages travel from a reader's page starts to each passage, its hits and its citation."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.archive import Archive
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document
from tests.helpers.bulletin_text import FOOTER, HEADER

FILLER = "各街道组织志愿者开展文明引导，推动形成良好社会风尚。" * 12
ARTICLE_ONE = (
    "朝阳区推进垃圾分类入户宣传\n\n"
    f"{FILLER}\n\n"
    "朝阳区组织桶前值守志愿者八百名，覆盖居民十二万户，厨余垃圾分出率\f"
    "提高到百分之二十五。\n\n(朝阳区文明办)\n\n"
)
ARTICLE_TWO = (
    "海淀区开展文明交通劝导\n\n"
    "海淀区组织三百名志愿者在重点路口开展文明交通劝导，倡导礼让斑马线。\n\n"
    "\f劝导活动持续到年底，每周六在中关村大街集中开展。\n\n(海淀区文明办)"
)


def paged_text() -> str:
    """A bulletin export with form feeds between pages, as pdftotext writes it."""
    return HEADER + ARTICLE_ONE + ARTICLE_TWO + FOOTER


def test_a_sentence_cut_by_a_page_break_is_whole_and_knows_both_pages() -> None:
    document = read_document(paged_text().encode("utf-8"))
    assert document.pages == 3
    issue = parse_bulletin(document.text, document.page_starts)
    first = issue.articles[0]
    sentence = "厨余垃圾分出率提高到百分之二十五。"
    assert sentence in first.text
    assert first.page_at(0) == 1
    assert first.page_at(first.text.index("提高到")) == 2
    second = issue.articles[1]
    assert second.page_at(second.text.index("劝导活动持续")) == 3
    assert second.page_at(0) == 2


def test_a_text_export_without_pages_has_none() -> None:
    text = paged_text().replace("\f", "")
    document = read_document(text.encode("utf-8"))
    assert document.pages is None
    issue = parse_bulletin(document.text, document.page_starts)
    assert all(a.page_marks == () and a.page_at(0) is None for a in issue.articles)


def test_hits_carry_the_page_their_excerpt_starts_on(tmp_path: Path, tokenizer) -> None:
    source = tmp_path / "paged.txt"
    source.write_text(paged_text(), encoding="utf-8")
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([source]))
        assert report.ok and report.pages == 3
        hit = archive.ask("中关村大街劝导活动每周几开展").hits[0]
        assert hit.title == "海淀区开展文明交通劝导"
        assert hit.page in (2, 3)
        assert archive.issue(2165).articles[0].page == 1


def test_ask_json_and_issue_json_carry_page_and_file(tmp_path: Path, run_bot) -> None:
    source = tmp_path / "paged.txt"
    source.write_text(paged_text(), encoding="utf-8")
    db = tmp_path / "a.db"
    assert run_bot("ingest", "--db", str(db), str(source)).returncode == 0
    asked = json.loads(run_bot("ask", "--db", str(db), "--json", "朝阳区桶前值守志愿者有多少").stdout)
    assert asked["hits"][0]["page"] in (1, 2)
    issue = json.loads(run_bot("issue", "--db", str(db), "--json", "2165").stdout)
    assert issue["file"] == {"name": "paged.txt", "format": "txt", "pages": 3, "ocr": False}


def test_an_excerpt_is_placed_in_its_passage_across_the_line_breaks_it_joins() -> None:
    from retrieval.answering.answer import _excerpt_start

    passage = "第一段到此为止。\n第二段的开头，继续写下去。\n第三段的开头。"
    assert passage[_excerpt_start(passage, "…为止。第二段的开头，继续写下去。…") :].startswith("为止。")
    assert passage[_excerpt_start(passage, "…继续写下去。第三段的开头。") :].startswith("继续写下去")
    assert _excerpt_start(passage, "不在其中的文字") == 0

"""Scanned pages fed sideways or upside down are read the right way up; a page OCR cannot read
any way up is never stored as text. Every file is a real scan built by code (tests/fixtures/pdfs.py):
the typeset issue rendered, degraded like a scanner's output, its page images turned."""

from __future__ import annotations

from pathlib import Path

import pytest

from replies.messages import ingest_line
from retrieval.archive import Archive
from retrieval.errors import UnreadableFile
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document
from retrieval.models import Issue
from tests.helpers import ISSUE_2126, ISSUE_2202
from tests.helpers.issues import nfkc, same_issue
from tests.helpers.pdfs import (
    article_text,
    character_error_rate,
    mixed_pdf,
    noise_scan_pdf,
    scan_with_noise_page,
    trimmed,
    turned_scan_pdf,
)


@pytest.fixture(autouse=True)
def reads_scans(ocr) -> None:
    """Every test here reads scanned pages by OCR."""


@pytest.fixture(scope="module")
def issue() -> Issue:
    """One article of 总第2202期: two scanned pages."""
    return trimmed(parse_bulletin(ISSUE_2202.read_text(encoding="utf-8")), 1)


# --- whole files and single pages turned ----------------------------------------------------

TURNED = {
    "every page turned 90": (90, 90),
    "every page upside down": (180, 180),
    "every page turned 270": (270, 270),
    "page 2 upside down": (0, 180),
    "page 1 on its side": (90, 0),
}


@pytest.fixture(scope="module", params=list(TURNED), ids=list(TURNED))
def turned(request, issue: Issue):
    pdf = turned_scan_pdf(issue, TURNED[request.param])
    return TURNED[request.param], pdf, read_document(pdf.data)


def test_a_turned_scan_reads_as_the_upright_issue(turned, issue: Issue) -> None:
    turns, pdf, doc = turned
    assert doc.pages == doc.ocr_pages == pdf.pages == len(turns)
    assert doc.turned_pages == sum(1 for turn in turns if turn)
    assert doc.unreadable_pages == ()
    read = parse_bulletin(doc.text, doc.page_starts)
    same_issue(read, issue)
    assert len(read.articles[0].paragraphs) == len(issue.articles[0].paragraphs)
    assert character_error_rate(article_text(read), article_text(issue)) <= 0.02


@pytest.fixture(scope="module")
def untuned():
    """总第2126期's first article (three pages) scanned at 150 dpi with another seed, its middle
    page upside down: nothing here was tuned on it."""
    other = trimmed(parse_bulletin(ISSUE_2126.read_text(encoding="utf-8")), 1)
    return other, turned_scan_pdf(other, (0, 180, 0), seed=11, dpi=150)


def test_an_upside_down_page_of_an_untuned_issue_reads_upright(untuned) -> None:
    other, pdf = untuned
    doc = read_document(pdf.data)
    assert doc.ocr_pages == pdf.pages == 3 and doc.turned_pages == 1
    read = parse_bulletin(doc.text, doc.page_starts)
    same_issue(read, other)
    assert character_error_rate(article_text(read), article_text(other)) <= 0.03


def test_a_question_about_the_upside_down_page_is_answered_from_it(tmp_path: Path, tokenizer, untuned) -> None:
    other, pdf = untuned
    [spot, *_] = sorted(pdf.on_page(2), key=lambda s: -len(s.text))  # the longest sentence set on page 2
    source = tmp_path / "2126-turned.pdf"
    source.write_bytes(pdf.data)
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([source]))
        assert report.ok, report.error
        assert report.turned_pages == 1
        assert "转正 1 页" in ingest_line(report)
        hit = archive.ask(spot.text.rstrip("。！？")).hits[0]
    assert nfkc(hit.title) == nfkc(other.articles[spot.article].title)
    assert hit.page == 2


def test_text_pages_with_a_scanned_page_still_read_with_nothing_turned(issue: Issue) -> None:
    pdf = mixed_pdf(issue, (2,))
    doc = read_document(pdf.data)
    assert doc.ocr_pages == 1 and doc.turned_pages == 0
    same_issue(parse_bulletin(doc.text, doc.page_starts), issue)


# --- pages that read as nothing any way up --------------------------------------------------


def test_a_page_of_smeared_text_is_refused_naming_the_page(issue: Issue) -> None:
    pdf = scan_with_noise_page(issue, 2)
    with pytest.raises(UnreadableFile) as error:
        read_document(pdf.data)
    message = str(error.value)
    assert "第 2 页无法识别" in message and "\n" not in message
    assert "重新扫描" in message


def test_an_archive_refuses_the_smeared_scan_in_one_line_and_stores_nothing(
    tmp_path: Path, tokenizer, issue: Issue
) -> None:
    source = tmp_path / "smeared.pdf"
    source.write_bytes(scan_with_noise_page(issue, 2).data)
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([source]))
        assert not report.ok
        assert "第 2 页无法识别" in ingest_line(report) and "\n" not in ingest_line(report)
        assert archive.stats().issues == 0


def test_a_file_of_noise_pages_is_refused_and_nothing_is_stored(tmp_path: Path, tokenizer) -> None:
    source = tmp_path / "noise.pdf"
    source.write_bytes(noise_scan_pdf(pages=2))
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([source]))
        line = ingest_line(report)
        assert not report.ok and "未导入" in line and "\n" not in line
        assert "第 1 页无法识别" in line
        assert archive.stats().issues == 0


def test_a_few_scribbled_lines_are_left_out_and_reported_never_quoted(tmp_path: Path, tokenizer, issue: Issue) -> None:
    pdf = scan_with_noise_page(issue, 2, rows=3)
    doc = read_document(pdf.data)
    assert doc.unreadable_pages == (2,)
    assert doc.pages == pdf.pages == 3
    read = parse_bulletin(doc.text, doc.page_starts)
    same_issue(read, issue)
    assert doc.page_starts[1] == doc.page_starts[2]  # page 2 gives no text at all
    assert character_error_rate(article_text(read), article_text(issue)) <= 0.02
    source = tmp_path / "scribbled.pdf"
    source.write_bytes(pdf.data)
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([source]))
        assert report.ok and report.unreadable_pages == (2,)
        assert "第 2 页无法识别、未收录" in ingest_line(report)

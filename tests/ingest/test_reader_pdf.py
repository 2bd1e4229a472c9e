"""The PDF reader on bulletins typeset by code: the text layer, scans read by OCR, garbled text
layers, and the files it must refuse. Every PDF is real (reportlab, pdfium, Pillow); nothing
of the PDF libraries is mocked."""

from __future__ import annotations

import re
import sys

import pytest

from retrieval.errors import DamagedFile, EncryptedPdf, NotABulletin, OcrUnavailable, TooManyPages
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document
from retrieval.ingest.readers.document import Document
from retrieval.ingest.readers.pdf import text_layer_usable
from retrieval.models import BULLETIN_TITLE, Issue
from retrieval.text import CJK
from tests.helpers import ISSUE_2202
from tests.helpers.bulletin_text import bulletin
from tests.helpers.issues import nfkc, same_issue
from tests.helpers.pdfs import (
    NOTICE_TITLE,
    article_text,
    character_error_rate,
    corrupt_pdf,
    encrypted_pdf,
    fullwidth,
    garbled_text_layer_pdf,
    image_only_pdf,
    mixed_pdf,
    not_a_bulletin_pdf,
    over_page_cap_pdf,
    trimmed,
    truncated_pdf,
    two_column_pdf,
    typeset_bulletin,
)

HANZI = re.compile(r"[\u4e00-\u9fff]")
PAGE_NUMBER_LINE = re.compile(r"^\s*[-—–－]\s*\d+\s*[-—–－]\s*$|第\s*\d+\s*页", re.M)


@pytest.fixture(scope="session")
def issue() -> Issue:
    return parse_bulletin(ISSUE_2202.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def short_issue(issue: Issue) -> Issue:
    """One article: two pages, so each OCR'd fixture costs a few seconds."""
    return trimmed(issue, 1)


@pytest.fixture(scope="session")
def one_page_issue() -> Issue:
    """Two short articles, one with a heading and one whose headline opens its paragraph."""
    return parse_bulletin(bulletin())


@pytest.fixture(scope="session")
def typeset(issue: Issue):
    return typeset_bulletin(issue, min_pages=3)


@pytest.fixture(scope="session")
def typeset_doc(typeset) -> Document:
    return read_document(typeset.data)


@pytest.fixture(scope="session")
def scanned(short_issue: Issue, ocr):
    pdf = image_only_pdf(short_issue)
    return pdf, read_document(pdf.data)


@pytest.fixture
def without_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr now raises ImportError


# --- the text layer -------------------------------------------------------------------------


def test_typeset_bulletin_reads_back_to_its_issue_numbers_date_titles_and_sources(typeset, typeset_doc, issue) -> None:
    assert typeset.pages >= 3
    assert typeset_doc.format == "pdf"
    assert typeset_doc.pages == typeset.pages
    assert typeset_doc.ocr_pages == 0 and typeset_doc.ocr_confidence is None
    read = parse_bulletin(typeset_doc.text)
    same_issue(read, issue)
    assert read.footer.editor == issue.footer.editor and read.footer.phone == issue.footer.phone
    assert nfkc(read.footer.distribute_to or "") == nfkc(issue.footer.distribute_to or "")


def test_every_paragraph_comes_out_whole_on_one_line(typeset_doc, issue) -> None:
    lines = set(typeset_doc.text.split("\n"))
    for article in issue.articles:
        for paragraph in article.paragraphs:
            assert fullwidth(paragraph) in lines


def test_page_numbers_and_running_headers_stay_out_of_the_text(typeset_doc) -> None:
    assert not PAGE_NUMBER_LINE.search(typeset_doc.text)
    assert typeset_doc.text.count(BULLETIN_TITLE) == 1  # the masthead, not the header of pages 2+
    articles = parse_bulletin(typeset_doc.text).articles
    assert not any("—" in p and re.search(r"—\s*\d+\s*—", p) for a in articles for p in a.paragraphs)


def test_no_space_is_left_between_chinese_characters(typeset_doc) -> None:
    assert not re.search(rf"[{CJK}，。、；：“”（）][ \t\u3000\u00a0]+[{CJK}]", typeset_doc.text)


def test_a_sentence_cut_by_a_page_break_comes_out_whole_in_one_paragraph(typeset, typeset_doc) -> None:
    assert typeset.split_sentences
    paragraphs = [p for a in parse_bulletin(typeset_doc.text).articles for p in a.paragraphs]
    for spot in typeset.split_sentences:
        assert any(spot.text in p for p in paragraphs), spot.text


def test_page_at_cites_the_page_a_sentence_starts_on(typeset, typeset_doc) -> None:
    chosen = [typeset.on_page(n)[0] for n in range(1, typeset.pages + 1) if typeset.on_page(n)]
    chosen += list(typeset.split_sentences)
    assert len({s.first_page for s in chosen}) >= 3
    for spot in chosen:
        assert typeset_doc.page_at(typeset_doc.text.index(spot.text)) == spot.first_page, spot.text


def test_page_starts_point_at_the_first_text_of_each_page(typeset, typeset_doc) -> None:
    starts = typeset_doc.page_starts
    assert starts[0] == 0 and list(starts) == sorted(set(starts))
    for spot in typeset.split_sentences:  # page N+1 begins inside the sentence N cut
        inside = typeset_doc.text.index(spot.text)
        assert inside < starts[spot.last_page - 1] < inside + len(spot.text)


def test_a_two_column_layout_is_read_down_each_column(issue) -> None:
    pdf = two_column_pdf(issue)
    doc = read_document(pdf.data)
    same_issue(parse_bulletin(doc.text), issue)
    lines = set(doc.text.split("\n"))
    assert all(fullwidth(p) in lines for a in issue.articles for p in a.paragraphs)
    for spot in pdf.sentences:
        assert doc.page_at(doc.text.index(spot.text)) == spot.first_page, spot.text


def test_progress_is_reported_once_per_page(typeset) -> None:
    calls: list[tuple[int, int, bool]] = []
    read_document(typeset.data, lambda done, total, ocr: calls.append((done, total, ocr)))
    assert calls == [(n, typeset.pages, False) for n in range(1, typeset.pages + 1)]


def test_progress_says_which_pages_are_read_by_ocr(scanned) -> None:
    pdf, _ = scanned
    calls: list[tuple[int, int, bool]] = []
    read_document(pdf.data, lambda done, total, ocr: calls.append((done, total, ocr)))
    assert calls == [(n, pdf.pages, True) for n in range(1, pdf.pages + 1)]


def test_a_text_pdf_needs_no_ocr(typeset, without_ocr) -> None:
    assert read_document(typeset.data).ocr_pages == 0


def test_glyphs_mapped_to_kangxi_radicals_read_as_ordinary_hanzi(issue, typeset_doc) -> None:
    pdf = garbled_text_layer_pdf(issue, "kangxi")
    assert b"<2F42>" in pdf.data  # the layer says ⽂ (U+2F42) where the page shows 文
    doc = read_document(pdf.data)
    assert doc.ocr_pages == 0
    assert doc.text == typeset_doc.text


def test_a_notice_without_masthead_reads_but_is_not_a_bulletin() -> None:
    doc = read_document(not_a_bulletin_pdf())
    assert doc.text.split("\n")[0] == NOTICE_TITLE
    with pytest.raises(NotABulletin):
        parse_bulletin(doc.text)


@pytest.mark.parametrize(
    ("text", "usable"),
    [
        ("首都精神文明建设情况简报（总第2202期）", True),
        ("驻京部队官兵积极参加首都地区文明城区创建工作。" * 3, True),
        ("(cid:12)(cid:845)(cid:3)(cid:77)", False),
        ("\ue001\ue002\ue003\ue004首都", False),
        ("\x01\x04\x05\x06\x07\x08\x0e8\x0f", False),
        ("\ufffd\ufffd\ufffd精神", False),
        ("Ê×¶¼¾«ÉñÎÄÃ÷½¨Éè" * 4, False),
        ("HGJKLMNBVCXZASDFQWERTYUIOPLKJHGFDSAZXCVBNMQWERTYU", False),
        ("", False),
    ],
)
def test_text_layers_that_do_not_say_what_the_page_shows_are_refused(text: str, usable: bool) -> None:
    assert text_layer_usable(text) is usable


# --- OCR ------------------------------------------------------------------------------------


def test_a_scanned_pdf_is_read_by_ocr_to_its_issue(scanned, short_issue) -> None:
    pdf, doc = scanned
    assert pdf.pages >= 2
    assert doc.ocr_pages == doc.pages == pdf.pages
    assert doc.ocr_confidence is not None and 0.9 <= doc.ocr_confidence <= 1.0
    same_issue(parse_bulletin(doc.text), short_issue)


def test_ocr_misreads_at_most_two_percent_of_the_characters(scanned, short_issue) -> None:
    _, doc = scanned
    assert character_error_rate(article_text(parse_bulletin(doc.text)), article_text(short_issue)) <= 0.02


def test_ocr_pages_keep_page_numbers_and_running_headers_out(scanned) -> None:
    _, doc = scanned
    assert not PAGE_NUMBER_LINE.search(doc.text)
    assert doc.text.count(BULLETIN_TITLE) == 1


def test_a_garbled_text_layer_is_replaced_by_ocr(one_page_issue, ocr) -> None:
    pdf = garbled_text_layer_pdf(one_page_issue, "private-use")
    doc = read_document(pdf.data)
    assert doc.ocr_pages == doc.pages == pdf.pages == 1
    same_issue(parse_bulletin(doc.text), one_page_issue)


def test_one_scanned_page_among_text_pages_is_read_by_ocr_and_joined(short_issue, ocr) -> None:
    pdf = mixed_pdf(short_issue, (1,))
    doc = read_document(pdf.data)
    assert doc.ocr_pages == 1 and doc.pages == pdf.pages
    read = parse_bulletin(doc.text)
    same_issue(read, short_issue)
    assert len(read.articles[0].paragraphs) == len(short_issue.articles[0].paragraphs)
    assert character_error_rate(article_text(read), article_text(short_issue)) <= 0.02


def test_a_scan_without_ocr_installed_says_to_install_it(scanned, without_ocr) -> None:
    pdf, _ = scanned
    with pytest.raises(OcrUnavailable, match="扫描件") as error:
        read_document(pdf.data)
    assert 'pip install -e ".[ocr]"' in str(error.value)


def test_a_garbled_page_without_ocr_installed_is_refused_not_returned_as_garbage(short_issue, without_ocr) -> None:
    pdf = garbled_text_layer_pdf(short_issue, "no-unicode")
    with pytest.raises(OcrUnavailable, match="OCR") as error:
        read_document(pdf.data)
    assert HANZI.search(str(error.value))


# --- files the reader refuses ---------------------------------------------------------------


def test_an_encrypted_pdf_is_refused_asking_for_the_password_to_be_removed(short_issue) -> None:
    with pytest.raises(EncryptedPdf, match="加密"):
        read_document(encrypted_pdf(short_issue))


def test_a_truncated_pdf_is_reported_incomplete(issue) -> None:
    with pytest.raises(DamagedFile, match="不完整"):
        read_document(truncated_pdf(issue))


def test_a_corrupt_pdf_is_reported_damaged() -> None:
    with pytest.raises(DamagedFile, match="损坏"):
        read_document(corrupt_pdf())


def test_a_pdf_over_the_page_cap_is_refused() -> None:
    with pytest.raises(TooManyPages, match="200") as error:
        read_document(over_page_cap_pdf())
    assert HANZI.search(str(error.value))

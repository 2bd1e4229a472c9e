"""Files built to exhaust a reader: each is refused (or read) within a small budget of time and
memory, with one line in Chinese naming what was too large and the cap. The files are small
(deflate bombs, floods of tags) and are built by tests/fixtures/hostile.py; what they would
inflate to is never held by the test. Time and memory themselves are measured by
`python -m benchmarks.hostile_files`."""

from __future__ import annotations

import re

import pytest

from retrieval.errors import ContentTooLarge, DamagedFile, TooManyOcrPages, UnreadableFile
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import docx as docx_reader
from retrieval.ingest.readers import html_tree as html_reader
from retrieval.ingest.readers import pdf as pdf_reader
from retrieval.ingest.readers import pdf_budget, read_document
from retrieval.ingest.readers.html_tree import decode_html
from retrieval.models import BULLETIN_TITLE
from retrieval.text import CJK
from tests.helpers import hostile


def refusal(data: bytes, error: type[UnreadableFile] = ContentTooLarge) -> str:
    with pytest.raises(error) as caught:
        read_document(data)
    message = str(caught.value)
    assert re.search(f"[{CJK}]", message) and "\n" not in message, message
    return message


def mb(size: int) -> str:
    return f"{size // hostile.MB} MB"


# --- PDF ------------------------------------------------------------------------------------


def test_a_pdf_listing_a_256_mb_deflate_stream_four_times_is_refused_at_the_page_content_cap() -> None:
    data = hostile.deflate_bomb_pdf(256, references=4)
    assert len(data) < 300 * 1024
    message = refusal(data)
    assert "第 1 页" in message and mb(pdf_budget.MAX_PAGE_CONTENT_BYTES) in message


def test_a_pdf_with_a_2_gb_deflate_stream_is_refused_at_the_page_content_cap() -> None:
    message = refusal(hostile.deflate_bomb_pdf(2048))
    assert "第 1 页" in message and mb(pdf_budget.MAX_PAGE_CONTENT_BYTES) in message


def test_a_stream_under_the_cap_counts_each_time_the_page_lists_it() -> None:
    assert read_document(hostile.deflate_bomb_pdf(2, references=3)).pages == 1  # 6 MB: read
    message = refusal(hostile.deflate_bomb_pdf(3, references=4))  # 12 MB, 3 MB at a time
    assert "第 1 页" in message and "至少 9 MB" in message


def test_a_form_counts_each_time_it_is_drawn() -> None:
    message = refusal(hostile.form_bomb_pdf(1, pages=1, draws=20))  # a 4 KB file
    assert "第 1 页" in message and "至少" in message


def test_content_spread_over_pages_is_capped_for_the_whole_document() -> None:
    per_page = pdf_budget.MAX_PAGE_CONTENT_BYTES // hostile.MB - 2
    pages = pdf_budget.MAX_CONTENT_BYTES // (per_page * hostile.MB) + 1
    message = refusal(hostile.form_bomb_pdf(per_page, pages=pages))
    assert f"前 {pages} 页" in message and mb(pdf_budget.MAX_CONTENT_BYTES) in message


def test_an_image_declaring_more_pixels_than_a_600_dpi_scan_is_refused() -> None:
    message = refusal(hostile.image_only_pages_pdf(1, declared_side=10_000))
    assert "10000×10000" in message and f"{pdf_budget.MAX_IMAGE_PIXELS // 1_000_000} 百万像素" in message


def test_a_200_page_scan_is_refused_before_any_page_is_recognised(monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.ingest.readers import ocr

    monkeypatch.setattr(ocr, "read_page", lambda *args, **kwargs: pytest.fail("a page was sent to OCR"))
    data = hostile.image_only_pages_pdf(200)
    message = refusal(data, TooManyOcrPages)
    assert "200 页需要 OCR" in message and f"{pdf_reader.MAX_OCR_PAGES} 页上限" in message


# --- Word -----------------------------------------------------------------------------------


def test_word_xml_parts_each_under_the_ratio_floor_are_refused_by_their_sum() -> None:
    data = hostile.xml_parts_docx()
    assert len(data) < 200 * 1024
    message = refusal(data)
    assert "40 MB" in message and mb(docx_reader.MAX_XML_BYTES) in message


def test_a_word_part_inflating_past_its_declared_size_is_damage_not_a_bomb() -> None:
    message = refusal(hostile.lying_size_docx(64), DamagedFile)
    assert "损坏" in message


# --- web pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["base64", "zlib", "rot13", "hex", "bz2", "undefined", "idna", "no-such-name"])
def test_a_page_declaring_a_charset_that_is_no_text_encoding_is_read_as_if_it_declared_none(charset: str) -> None:
    page = hostile.charset_page(charset)
    assert BULLETIN_TITLE in decode_html(page)
    parsed = parse_bulletin(read_document(page).text)
    assert (parsed.ref.total, parsed.ref.number, len(parsed.articles)) == (2202, 10, 3)


@pytest.mark.parametrize(("tag", "megabytes"), [("br", 14), ("p", 15)])
def test_a_page_flooded_with_tags_is_refused_at_the_element_cap(tag: str, megabytes: int) -> None:
    message = refusal(hostile.tag_flood_page(tag, megabytes))
    assert f"{html_reader.MAX_ELEMENTS:,}" in message and f"{megabytes}.0 MB" in message


def test_a_page_with_more_text_than_any_issue_is_refused_at_the_text_cap() -> None:
    message = refusal(hostile.text_flood_page(html_reader.MAX_TEXT_CHARS + 4))
    assert f"{html_reader.MAX_TEXT_CHARS // 10_000} 万字" in message

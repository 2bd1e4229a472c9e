"""A typeset bulletin whose masthead is a picture: the red title alone, or the whole block with
第N期, 总第N期, the issuer and the date. Only the picture is read by OCR; the rest comes from the
text layer, and a PDF whose text holds its masthead never starts the OCR engine."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from retrieval.errors import NotABulletin, OcrUnavailable
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import ocr, read_document
from retrieval.ingest.readers.document import Document
from retrieval.models import Issue
from tests.helpers import ISSUE_2126, ISSUE_2202
from tests.helpers.pdfs import HEADING_FONT, PageStyle, image_masthead_pdf, not_a_bulletin_pdf, typeset_bulletin

# Not the fixtures' defaults: another issue, page geometry and type sizes, the masthead drawn in
# the heading font at a lower resolution. Nothing in the reader was tuned on these.
OTHER_STYLE = PageStyle(body_size=15.0, heading_size=17.0, masthead_size=34.0, margin_top=90.0, line_spacing=1.7)
BLURRED = 8.0
"""Points of blur that leave even the 30 pt title a smudge."""


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def articles(issue: Issue) -> list[tuple[str, tuple[str, ...], str | None]]:
    """Each article's title, paragraphs and source, as a reader of the archive sees them."""
    return [(nfkc(a.title), tuple(map(nfkc, a.paragraphs)), a.source) for a in issue.articles]


def parse(doc: Document) -> Issue:
    return parse_bulletin(doc.text, doc.page_starts)


@pytest.fixture(scope="module")
def issue() -> Issue:
    return parse_bulletin(ISSUE_2202.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def other_issue() -> Issue:
    return parse_bulletin(ISSUE_2126.read_text(encoding="utf-8"))


@pytest.fixture
def engine_builds(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every time the reader asks for the OCR engine (built on first use, then cached)."""
    calls: list[object] = []
    real = ocr._engine

    def counted(params):
        calls.append(params)
        return real(params)

    monkeypatch.setattr(ocr, "_engine", counted)
    return calls


@pytest.fixture
def without_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # import rapidocr now raises ImportError


@pytest.mark.parametrize("part", ["block", "title"])
def test_a_masthead_printed_as_a_picture_reads_as_the_typeset_issue(issue, part, engine_builds, ocr) -> None:
    pdf = image_masthead_pdf(issue, part)
    doc = read_document(pdf.data)
    assert engine_builds, "the masthead picture was not read by OCR"
    read = parse(doc)
    original = parse(read_document(typeset_bulletin(issue).data))
    assert read.ref == issue.ref == original.ref
    assert articles(read) == articles(original) == articles(issue)
    assert read.footer == original.footer
    for spot in pdf.sentences:  # citations still name the right pages
        assert doc.page_at(doc.text.index(spot.text)) == spot.first_page, spot.text


@pytest.mark.parametrize("part", ["block", "title"])
def test_a_masthead_picture_in_another_issue_font_and_scale_is_read(other_issue, part, ocr) -> None:
    pdf = image_masthead_pdf(other_issue, part, OTHER_STYLE, HEADING_FONT[1], 150)
    read = parse(read_document(pdf.data))
    original = parse(read_document(typeset_bulletin(other_issue, OTHER_STYLE).data))
    assert read.ref == other_issue.ref
    assert articles(read) == articles(original) == articles(other_issue)


def test_a_masthead_in_the_text_layer_never_starts_the_ocr_engine(issue, other_issue, engine_builds) -> None:
    typeset = (typeset_bulletin(issue), typeset_bulletin(other_issue, OTHER_STYLE))
    artwork_over_text = image_masthead_pdf(issue, "block", keep_text=True)
    for pdf, source in zip((*typeset, artwork_over_text), (issue, other_issue, issue)):
        assert parse(read_document(pdf.data)).ref == source.ref
    assert engine_builds == []


def test_a_document_without_masthead_or_picture_is_refused_by_the_parser_without_ocr(engine_builds) -> None:
    doc = read_document(not_a_bulletin_pdf())
    with pytest.raises(NotABulletin, match="缺少报头") as error:
        parse(doc)
    assert "图片" not in str(error.value)
    assert engine_builds == []


def test_a_masthead_picture_without_ocr_installed_says_to_install_it(issue, without_ocr) -> None:
    with pytest.raises(OcrUnavailable, match="报头似乎是图片") as error:
        read_document(image_masthead_pdf(issue, "block").data)
    assert 'pip install -e ".[ocr]"' in str(error.value)


@pytest.mark.parametrize("part", ["block", "title"])
def test_a_masthead_picture_too_blurred_to_read_is_refused_saying_so(issue, part, ocr) -> None:
    pdf = image_masthead_pdf(issue, part, blur=BLURRED)
    with pytest.raises(NotABulletin, match="缺少报头") as error:
        parse(read_document(pdf.data))
    message = str(error.value)
    assert "图片" in message and "\n" not in message
    if part == "title":  # the numbers are text: only the title is said to be missing
        assert "期号" not in message


def test_ingest_stores_the_issue_of_a_picture_masthead_and_reports_an_unreadable_one(
    issue, empty_archive, tmp_path, ocr
) -> None:
    (tmp_path / "2202.pdf").write_bytes(image_masthead_pdf(issue, "block").data)
    (tmp_path / "blurred.pdf").write_bytes(image_masthead_pdf(issue, "block", blur=BLURRED).data)
    reports = {r.name.rsplit("/", 1)[-1]: r for r in empty_archive.ingest([tmp_path])}
    assert reports["2202.pdf"].error is None and reports["2202.pdf"].ref == issue.ref
    error = reports["blurred.pdf"].error or ""
    assert "缺少报头" in error and "图片" in error and "\n" not in error and "Traceback" not in error

"""Recognised boxes become lines and paragraphs as a text layer's do; what OCR measures badly
(a short line's type size) does not break a paragraph."""

from __future__ import annotations

from retrieval.ingest.readers.layout import build_document
from retrieval.ingest.readers.lines import PageText
from retrieval.ingest.readers.ocr import _Box, lines_from_boxes
from retrieval.ingest.readers.orientation import plausible

LEFT, RIGHT, EM, PITCH = 85.0, 517.0, 11.0, 15.0
PARAGRAPH = "集团还在新入职驾驶员培训中增加了礼让行人情景模拟课程，今年已培训新驾驶员"


def box(text: str, x0: float, row: int, width: float | None = None) -> _Box:
    top = 100 + row * PITCH
    return _Box(text, x0, x0 + (width if width is not None else len(text) * EM), top, top + 17.0, 0.98)


def page_of(boxes: list[_Box]) -> PageText:
    return PageText(1, 595.0, 842.0, lines_from_boxes(boxes), ocr=True, confidence=0.98)


def test_a_short_last_line_of_digits_stays_with_its_paragraph() -> None:
    full = (RIGHT - LEFT) / EM  # characters to a full line
    text = "各街道组织志愿者深入社区楼院开展文明引导推动形成崇德向善的良好社会风尚"
    boxes = [box(text[: int(full)], LEFT, row) for row in range(6)]  # enough body for a frame
    boxes[0] = box("。" + text[: int(full) - 3] + "。", LEFT + 2 * EM, 0)
    boxes += [box(PARAGRAPH[:36], LEFT + 2 * EM, 7, RIGHT - LEFT - 2 * EM), box("1200人。", LEFT, 8, 56.0)]
    # "1200人。" measured by width: 56 pt over 4 units is a 14 pt type, bigger than the body's 11.
    assert lines_from_boxes([box("1200人。", LEFT, 0, 56.0)])[0].size > 13
    document = build_document([page_of(boxes)])
    assert PARAGRAPH[:36] + "1200人。" in document.text.split("\n")
    assert document.ocr_pages == 1 and document.ocr_confidence > 0.9


def test_recognised_junk_is_not_taken_for_text_and_a_blank_page_is_no_junk() -> None:
    assert plausible(PARAGRAPH, 0.97)
    assert plausible("", 0.0)  # nothing detected: a blank page
    assert not plausible(PARAGRAPH, 0.6)  # an upside-down page reads at about this score
    assert not plausible("ニレフッさッリにーとケチキメ人ハどイA", 0.9)  # scribble read as kana
    assert not plausible("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0.95)  # a page of this bulletin is Chinese
    assert plausible("— 3 —", 0.95)  # a page number alone is too short to ask for Hanzi

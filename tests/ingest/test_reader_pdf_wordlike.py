"""PDFs as word processors write them, unlike the fixtures' own typesetting: ragged-right lines,
quotes drawn in a Western font apart from the Chinese they enclose, and a data table that runs
over a page break. Each page is drawn line by line, so the test says exactly what is on it."""

from __future__ import annotations

import io

from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document
from tests.helpers import pdfs

SIZE = 16.0
LEFT, RIGHT = 80.0, 515.0
TOP, PITCH = 100.0, 28.0
PAGE_HEIGHT = 841.89
BODY = pdfs.BODY_FONT[0]
PER_LINE = int((RIGHT - LEFT) // SIZE)  # 27 characters to a full line

FILLER = "各街道组织志愿者深入社区楼院开展文明引导，推动形成崇德向善的良好社会风尚。"
QUOTED = "区里推行“门前三包”责任制，沿街商户签订承诺书一千二百份。"
RAGGED_END = "截至10月中旬累计发现各类问题一万四千余件，整改完成率达到"
RAGGED_NEXT = "96.3%。针对老旧小区楼道堆物等顽疾，建立问题销号台账。"
DEEP_INDENT = "全市一千二百个志愿服务站点在重点时段全部开放运行，累计服务市民四十万人次。"


class Canvas:
    """Draws lines of text at given places; runs marked as quotes are drawn last, in Helvetica,
    as Word and LibreOffice draw a Western-font run after the Chinese around it."""

    def __init__(self) -> None:
        from reportlab.pdfgen import canvas

        pdfs._register_fonts()
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=(595.28, PAGE_HEIGHT))
        self.y = TOP
        self.page = 1

    def line(self, text: str, x: float = LEFT, size: float = SIZE, centred: bool = False) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canvas
        if centred:
            x = (595.28 - stringWidth(text, BODY, size)) / 2
        baseline = PAGE_HEIGHT - self.y
        quotes = []
        for ch in text:
            if ch in "“”":
                quotes.append((x, ch))
                x += stringWidth(ch, "Helvetica", size)
            else:
                c.setFont(BODY, size)
                c.drawString(x, baseline, ch)
                x += stringWidth(ch, BODY, size)
        c.setFont("Helvetica", size)
        for qx, ch in quotes:
            c.drawString(qx, baseline, ch)
        self.y += PITCH

    def paragraph(self, text: str, widths: list[int] | None = None, indent: float = 2.0) -> None:
        """Lines of `widths` characters (full lines by default), the first indented `indent` em."""
        first = True
        while text:
            count = (widths.pop(0) if widths else PER_LINE) - (round(indent) if first else 0)
            self.line(text[:count], LEFT + (indent * SIZE if first else 0))
            text, first = text[count:], False

    def cells(self, *cells: str) -> None:
        for index, cell in enumerate(cells):
            self.line(cell, LEFT + index * 150)
            self.y -= PITCH
        self.y += PITCH

    def next_page(self) -> None:
        assert self.y < PAGE_HEIGHT - 90, "the page's text runs into its page number"
        self.canvas.setFont(BODY, 14)
        self.canvas.drawCentredString(297.6, 50, f"— {self.page} —")
        self.canvas.showPage()
        self.page += 1
        self.y = TOP

    def pdf(self) -> bytes:
        self.next_page()
        self.canvas.save()
        return self.buffer.getvalue()


def word_like_bulletin() -> bytes:
    c = Canvas()
    c.line("首都精神文明建设情况简报", size=26, centred=True)
    c.line("第 8 期", centred=True)
    c.line("（总第 2150 期）", centred=True)
    c.line("首都精神文明办    2020 年 11 月 20 日", centred=True)
    c.line("石景山区推行门前三包责任制", centred=True)
    c.paragraph(QUOTED + FILLER * 2)
    c.paragraph(RAGGED_END + RAGGED_NEXT + FILLER, widths=[len(RAGGED_END) + 2])
    c.paragraph(FILLER * 2)
    c.line("（石景山区文明办）", x=RIGHT - 9 * SIZE)
    c.line("全市志愿服务站点运行情况", centred=True)
    c.paragraph(DEEP_INDENT + FILLER, indent=3.0)
    c.cells("区", "志愿者人数", "活动场次")
    c.next_page()
    c.cells("东城区", "1200", "35")
    c.cells("西城区", "980", "28")
    c.paragraph(FILLER * 3)
    c.line("（本刊）", x=RIGHT - 4 * SIZE)
    c.line("责编：梅雪峰")
    c.line("报：中央文明办。")
    return c.pdf()


def parsed():
    document = read_document(word_like_bulletin())
    return document, parse_bulletin(document.text, document.page_starts)


def test_quotes_drawn_apart_from_their_chinese_come_back_in_place() -> None:
    _, issue = parsed()
    assert issue.articles[0].paragraphs[0].startswith(QUOTED)


def test_a_ragged_line_cut_before_a_number_that_did_not_fit_runs_on() -> None:
    _, issue = parsed()
    assert any((RAGGED_END + RAGGED_NEXT) in p for p in issue.articles[0].paragraphs)


def test_a_first_line_under_a_deep_indent_is_not_taken_for_an_attribution() -> None:
    _, issue = parsed()
    assert issue.articles[1].paragraphs[0].startswith(DEEP_INDENT)


def test_a_table_across_a_page_break_is_a_row_a_line_and_not_a_heading() -> None:
    document, issue = parsed()
    assert [(a.title, a.source) for a in issue.articles] == [
        ("石景山区推行门前三包责任制", "石景山区文明办"),
        ("全市志愿服务站点运行情况", "本刊"),
    ]
    rows = ["区，志愿者人数，活动场次。", "东城区，1200，35。", "西城区，980，28。"]
    assert [p for p in issue.articles[1].paragraphs if p in rows] == rows
    assert issue.articles[1].page_at(issue.articles[1].text.index("东城区")) == 2
    assert "— 1 —" not in document.text

"""Word exports: an answer's excerpts, or a whole issue, as a .docx a reader can quote from, each
passage with its citation in the bulletin's own form and in GB/T 7714-2015, and the date it was
exported. Surface-neutral: the web, the command line and the bot send the same bytes.

Chinese text is set in 宋体 (headings in 黑体) through each style's East Asian font, with the theme
fonts that would override it removed, so Word and LibreOffice show it as a Chinese document."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.styles.style import BaseStyle

from retrieval.models import BULLETIN_TITLE, Answer, Match, StoredIssue

from .citations import gbt7714
from .messages import GBT7714_LABEL, RELATED_ONLY, answer_heading, citation, cn_date, issue_label

BODY_FONT = "宋体"
BODY_FONT_LATIN = "SimSun"
HEADING_FONT = "黑体"
HEADING_FONT_LATIN = "SimHei"
ANSWER_TITLE = f"{BULLETIN_TITLE}摘录"
QUESTION_LABEL = "问题："
EXPORTED_LABEL = "导出日期："
BULLETIN_CITATION_LABEL = "引用（简报格式）："
NO_HITS = "档案中没有找到回答这个问题的内容。"
FILENAME_PREFIX = "简报摘录"
ISSUE_FILENAME_PREFIX = "简报"
MAX_FILENAME_SUBJECT = 20
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A4 with the margins of Word's Chinese default (普通): python-docx's template is US Letter, which a
# reader in China would have to change before printing.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS_TOP_BOTTOM, MARGINS_LEFT_RIGHT = Cm(2.54), Cm(3.17)


@dataclass(frozen=True)
class Passage:
    """One excerpt or article as exported: its heading, its text and both citations."""

    title: str
    text: str
    citation: str
    reference: str


def answer_passages(answer: Answer) -> list[Passage]:
    return [
        Passage(
            hit.title,
            hit.excerpt,
            citation(hit.issue, hit.source, hit.page),
            gbt7714(hit.issue, hit.title, hit.source, hit.page),
        )
        for hit in answer.hits
    ]


def issue_passages(issue: StoredIssue) -> list[Passage]:
    ref = issue.ref
    return [
        Passage(a.title, a.text, citation(ref, a.source, a.page), gbt7714(ref, a.title, a.source, a.page))
        for a in issue.articles
    ]


def answer_document(answer: Answer, exported: dt.date) -> bytes:
    """The title, the question, each hit's excerpt with both citations, the export date."""
    document = new_document(ANSWER_TITLE)
    document.add_heading(ANSWER_TITLE, level=0)
    document.add_paragraph(QUESTION_LABEL + answer.question)
    document.add_paragraph(EXPORTED_LABEL + cn_date(exported))
    passages = answer_passages(answer)
    if not passages:
        document.add_paragraph(NO_HITS)
    elif answer.relaxed:  # the named year or month held nothing: say where the hits come from
        document.add_paragraph(answer_heading(answer, 1))
    if answer.match is Match.RELATED:
        document.add_paragraph(RELATED_ONLY)
    add_passages(document, passages, numbered=True)
    return saved(document)


def issue_document(issue: StoredIssue, exported: dt.date) -> bytes:
    """The issue's label and date, every article's title, whole text and both citations."""
    title = issue_label(issue.ref)
    document = new_document(title)
    document.add_heading(title, level=0)
    document.add_paragraph(f"{cn_date(issue.ref.date)} · {issue.ref.issuer}")
    document.add_paragraph(EXPORTED_LABEL + cn_date(exported))
    add_passages(document, issue_passages(issue), numbered=False)
    return saved(document)


def add_passages(document: DocumentObject, passages: list[Passage], *, numbered: bool) -> None:
    for number, passage in enumerate(passages, 1):
        document.add_heading(f"{number}. {passage.title}" if numbered else passage.title, level=1)
        for line in passage.text.splitlines():
            if line.strip():
                document.add_paragraph(line.strip())
        cited = document.add_paragraph()
        cited.add_run(BULLETIN_CITATION_LABEL).bold = True
        cited.add_run(passage.citation)
        referenced = document.add_paragraph()
        referenced.add_run(GBT7714_LABEL).bold = True
        referenced.add_run(passage.reference)


def new_document(title: str) -> DocumentObject:
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin = section.bottom_margin = MARGINS_TOP_BOTTOM
        section.left_margin = section.right_margin = MARGINS_LEFT_RIGHT
    styles = document.styles
    set_font(styles["Normal"], BODY_FONT, BODY_FONT_LATIN)
    styles["Normal"].font.size = Pt(11)
    for name in ("Title", "Heading 1"):
        set_font(styles[name], HEADING_FONT, HEADING_FONT_LATIN)
    return document


def set_font(style: BaseStyle, east_asian: str, latin: str) -> None:
    """The style's fonts, East Asian included, with no theme font left to override them."""
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = r_pr.makeelement(qn("w:lang"), {})
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def saved(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def filename_part(text: str) -> str:
    """Letters and digits of text (Chinese included), up to MAX_FILENAME_SUBJECT: safe in a file
    name on any system, and in a Content-Disposition."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return kept[:MAX_FILENAME_SUBJECT]


def answer_filename(question: str, exported: dt.date) -> str:
    """简报摘录-垃圾分类-20261207.docx"""
    subject = filename_part(question)
    return "-".join(part for part in (FILENAME_PREFIX, subject, f"{exported:%Y%m%d}") if part) + ".docx"


def issue_filename(total: int, exported: dt.date) -> str:
    """简报-总第2202期-20261207.docx"""
    return f"{ISSUE_FILENAME_PREFIX}-总第{total}期-{exported:%Y%m%d}.docx"

"""A Word export opens in an office suite: LibreOffice converts it to PDF, and the PDF has pages
holding the title, the question, the excerpts and both citations."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pypdf
import pytest

from benchmarks.feature_pictures import to_pdf
from replies import messages
from replies.citations import gbt7714
from replies.render_docx import answer_document
from retrieval.archive import Archive

QUESTION = "丰台区创城建立了哪些工作机制？"


def compact(text: str) -> str:
    """Text without whitespace: a PDF breaks lines wherever the page is full."""
    return "".join(text.split())


def test_an_export_converts_to_a_pdf_holding_its_text(
    libreoffice: str, shared_sample_archive: Archive, tmp_path: Path
) -> None:
    answer = shared_sample_archive.ask(QUESTION, limit=3)
    exported = tmp_path / "简报摘录.docx"
    exported.write_bytes(answer_document(answer, dt.date(2026, 12, 7)))
    try:
        pdf = to_pdf(libreoffice, exported, tmp_path)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"LibreOffice failed: {exc.stdout}{exc.stderr}")
    assert pdf.exists()
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) >= 1
    text = compact("".join(page.extract_text() for page in reader.pages))
    assert compact("首都精神文明建设情况简报摘录") in text
    assert compact(QUESTION) in text
    assert "导出日期：2026年12月7日" in text
    for hit in answer.hits:
        assert compact(hit.title) in text
        assert compact(hit.excerpt.strip("…"))[:60] in text
        assert compact(messages.citation(hit.issue, hit.source, hit.page)) in text
        assert compact(gbt7714(hit.issue, hit.title, hit.source, hit.page)) in text

"""One command ingests a folder of real-format bulletins (typeset PDF, scan, Word, web page) and
bad files: every issue is whole and findable, with its page, and no bad file changes anything."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import unicodedata
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.ingest.parse import parse_bulletin
from retrieval.models import IngestStatus
from retrieval.text import CJK
from tests.helpers import ISSUE_2126, ISSUE_2202, office, pdfs
from tests.helpers.bulletin_text import bulletin

# A short issue of its own for the scan, so OCR stays one page.
SCANNED_TEXT = bulletin(
    header="首都精神文明建设情况简报\n\n第 7 期\n\n(总第 2166 期)\n\n首都精神文明办\n\n2021 年 3 月 19 日\n\n"
)
PAGE_NUMBER = re.compile(r"[—–-]\s*\d+\s*[—–-]")
WRAP_SPACE = re.compile(rf"[{CJK}] +[{CJK}]")


def issue_of(text: str):
    return parse_bulletin(text)


ISSUES = {
    "pdf": issue_of(ISSUE_2202.read_text(encoding="utf-8")),
    "docx": issue_of(ISSUE_2126.read_text(encoding="utf-8")),
    "html": issue_of(bulletin()),
    "scan": issue_of(SCANNED_TEXT),
}


@pytest.fixture(scope="module")
def typeset() -> pdfs.TypesetPdf:
    return pdfs.typeset_bulletin(ISSUES["pdf"], min_pages=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, typeset: pdfs.TypesetPdf) -> Path:
    """Good files under names that do not say their format, and one of each bad kind."""
    folder = tmp_path_factory.mktemp("bulletins")
    files = {
        "2202-typeset.pdf": typeset.data,
        "2166-scan.pdf": pdfs.image_only_pdf(ISSUES["scan"]).data,
        "2126.docx": office.bulletin_docx(ISSUES["docx"]),
        "2165-page.dat": office.bulletin_html(ISSUES["html"]),
        "bad-encrypted.pdf": pdfs.encrypted_pdf(ISSUES["pdf"]),
        "bad-truncated.pdf": pdfs.truncated_pdf(ISSUES["pdf"]),
        "bad-notice.pdf": pdfs.not_a_bulletin_pdf(),
        "bad-over-cap.pdf": pdfs.over_page_cap_pdf(),
        "bad-empty.docx": office.empty_docx(),
        "bad-bomb.docx": office.zip_bomb_docx("ratio"),
        "bad-truncated.docx": office.truncated_docx(),
        "bad-notice.docx": office.meeting_notice_docx(),
        "bad-news.html": office.news_html(),
        "bad-unknown.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "bad-image.png": b"\x89PNG\r\n\x1a\n" + bytes(100),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def ingested(
    folder: Path, tmp_path_factory: pytest.TempPathFactory, run_bot, ocr
) -> tuple[Path, subprocess.CompletedProcess]:
    """The folder of every format, scans among them, ingested by one `run_bot.py ingest`."""
    db = tmp_path_factory.mktemp("db") / "archive.db"
    return db, run_bot("ingest", str(folder), "--db", str(db))


def test_one_command_ingests_every_format_and_refuses_each_bad_file_in_one_line(ingested, folder: Path) -> None:
    db, result = ingested
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    assert len(lines) == len(list(folder.iterdir()))
    for name, line in lines.items():
        if Path(name).name.startswith("bad-"):
            assert line.startswith("未导入——") and "\n" not in line, line
            assert re.search("[\u4e00-\u9fff]", line)
        else:
            assert line.startswith("已导入"), (name, line)
    assert "需要 OCR" not in result.stdout
    scan = next(line for name, line in lines.items() if name.endswith("2166-scan.pdf"))
    assert re.search(r"（PDF，1 页，其中 OCR 1 页，识别置信度 \d+%）", scan), scan
    summary = result.stderr.strip().splitlines()[-1]
    assert "新增 4" in summary and "未导入 11" in summary and "OCR" in summary


def test_each_bad_file_says_what_is_wrong(ingested) -> None:
    _, result = ingested
    lines = {Path(k).name: v for k, v in (line.split(": ", 1) for line in result.stdout.strip().splitlines())}
    assert "加密" in lines["bad-encrypted.pdf"]
    assert "损坏" in lines["bad-truncated.pdf"] or "不完整" in lines["bad-truncated.pdf"]
    assert "不是简报" in lines["bad-notice.pdf"] and "不是简报" in lines["bad-notice.docx"]
    assert "不是简报" in lines["bad-news.html"]
    assert "200" in lines["bad-over-cap.pdf"]
    assert "没有文字" in lines["bad-empty.docx"]
    assert "过大" in lines["bad-bomb.docx"] or "异常" in lines["bad-bomb.docx"]
    assert ".docx" in lines["bad-unknown.doc"]
    assert "图片" in lines["bad-image.png"]


def test_the_database_holds_the_good_issues_and_nothing_of_the_bad_files(ingested) -> None:
    db, _ = ingested
    with sqlite3.connect(db) as conn:
        totals = sorted(r[0] for r in conn.execute("SELECT total FROM issues"))
        files = sorted(r[0] for r in conn.execute("SELECT name FROM files"))
        blobs = conn.execute("SELECT count(*) FROM file_blobs").fetchone()[0]
    assert totals == [2126, 2165, 2166, 2202]
    assert files == ["2126.docx", "2165-page.dat", "2166-scan.pdf", "2202-typeset.pdf"]
    assert blobs == 4


@pytest.mark.parametrize("kind", ["pdf", "docx", "html", "scan"])
def test_each_issue_has_its_numbers_titles_and_sources_and_clean_text(ingested, tokenizer, kind: str) -> None:
    db, _ = ingested
    expected = ISSUES[kind]
    with Archive(db, tokenizer) as archive:
        stored = archive.issue(expected.ref.total)
    assert stored.ref == expected.ref
    assert [(a.title, a.source) for a in stored.articles] == [(a.title, a.source) for a in expected.articles]
    for article in stored.articles:
        assert not PAGE_NUMBER.search(article.text), article.text
        assert BULLETIN_RUNNING_HEADER not in article.text
        assert not WRAP_SPACE.search(article.text), WRAP_SPACE.search(article.text)
        for boilerplate in ("ICP", "首页", "分享到", "相关链接", "版权所有", "您当前的位置"):
            assert boilerplate not in article.text
    if kind in ("pdf", "docx", "html"):  # the same text; the scan is held to a character error rate
        for got, want in zip(stored.articles, expected.articles):
            for paragraph in want.paragraphs:  # the Word file and the page add a table to one article
                assert same(paragraph) in same(got.text)


def same(text: str) -> str:
    """Text as compared across formats: the PDF is typeset with full-width punctuation."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


BULLETIN_RUNNING_HEADER = "首都精神文明建设情况简报"


def test_sentences_cut_by_a_page_break_are_whole(ingested, tokenizer, typeset: pdfs.TypesetPdf) -> None:
    db, _ = ingested
    assert typeset.split_sentences
    with Archive(db, tokenizer) as archive:
        text = "\n".join(a.text for a in archive.issue(2202).articles)
    for spot in typeset.split_sentences:
        assert spot.text in text


def test_questions_find_their_issue_first_with_the_page_for_pdfs(ingested, tokenizer, typeset) -> None:
    db, _ = ingested
    with Archive(db, tokenizer) as archive:
        assert archive.ask("丰台区创城建立了哪些工作机制").hits[0].issue.total == 2202
        assert archive.ask("背街小巷环境精细化整治提升动员部署大会").hits[0].issue.total == 2126
        assert archive.ask("海淀区文明交通劝导志愿者").hits[0].issue.total in (2165, 2166)
        assert archive.ask("2021年3月19日 海淀区文明交通劝导").hits[0].issue.total == 2166
        assert archive.ask("背街小巷环境精细化整治提升动员部署大会").hits[0].page is None  # Word has no pages
        scan_hit = archive.ask("总第2166期 朝阳区垃圾分类入户宣传").hits[0]
        assert (scan_hit.issue.total, scan_hit.page) == (2166, 1)
        checked = 0
        for spot in typeset.sentences:
            if spot.first_page < 2 or len(spot.text) < 30:
                continue
            hit = archive.ask(spot.text).hits[0]
            assert hit.issue.total == 2202
            # The page cited is the one the excerpt starts on.
            start = next(s for s in typeset.sentences if same(hit.excerpt.lstrip("…")).startswith(same(s.text)[:12]))
            assert hit.page == start.first_page, (start, hit.excerpt)
            checked += 1
        assert checked >= 5


def test_issue_json_names_the_stored_file_and_the_original_bytes_come_back(
    ingested, folder, tokenizer, run_bot
) -> None:
    db, _ = ingested
    data = json.loads(run_bot("issue", "2166", "--json", "--db", str(db)).stdout)
    assert data["file"] == {"name": "2166-scan.pdf", "format": "pdf", "pages": 1, "ocr": True}
    data = json.loads(run_bot("issue", "2126", "--json", "--db", str(db)).stdout)
    assert data["file"] == {"name": "2126.docx", "format": "docx", "pages": None, "ocr": False}
    shown = run_bot("issue", "2166", "--db", str(db)).stdout
    assert "原文：2166-scan.pdf（PDF，1 页，其中 OCR 1 页）" in shown and "· 第1页" in shown
    with Archive(db, tokenizer) as archive:
        meta, original = archive.source_file(2202)
    assert original == (folder / "2202-typeset.pdf").read_bytes()
    assert (meta.format, meta.pages, meta.ocr) == ("pdf", 3, False) or meta.pages >= 3


def test_reingesting_the_same_bytes_is_a_no_op_that_reads_nothing(ingested, folder, run_bot) -> None:
    db, _ = ingested
    before = db.read_bytes()
    again = run_bot("ingest", str(folder / "2166-scan.pdf"), str(folder / "2202-typeset.pdf"), "--db", str(db))
    assert again.returncode == 0
    assert [line.split(": ", 1)[1].split(" ")[0] for line in again.stdout.strip().splitlines()] == ["未变化"] * 2
    assert "OCR" not in again.stderr.strip().splitlines()[-1]
    assert db.read_bytes() == before


def test_a_pdf_replaces_its_text_export_and_a_later_export_does_not_replace_the_pdf(
    tmp_path: Path, tokenizer, typeset
) -> None:
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        assert archive.ingest_bytes(ISSUE_2202.read_bytes(), "2202.txt").status is IngestStatus.ADDED
        assert archive.ask("丰台区创城建立了哪些工作机制").hits[0].page is None
        report = archive.ingest_bytes(typeset.data, "2202.pdf")
        assert (report.status, report.previous_format, report.format) == (IngestStatus.REPLACED, "txt", "pdf")
        assert archive.ask("丰台区创城建立了哪些工作机制").hits[0].page is not None
        later = archive.ingest_bytes(ISSUE_2202.read_bytes(), "2202-again.txt")
        assert (later.status, later.previous_format) == (IngestStatus.KEPT, "pdf")
        assert archive.issue(2202).file.format == "pdf"
        assert archive.source_file(2202)[1] == typeset.data
        assert archive.stats().issues == 1

"""Hostile files into ingest, fuzzed: random bytes under every format's magic and every name,
real bulletins with bytes flipped, cut or inserted, their headers' numbers and dates forged.
Whatever comes in, the answer is a report (a refusal is one line of Chinese), never an
exception; and a refused file leaves the archive exactly as it was, its index whole."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.archive import Archive
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import ocr
from retrieval.models import IngestReport
from retrieval.tokenize import Tokenizer
from tests.helpers import ISSUE_2126, ISSUE_2202, office, pdfs
from tests.helpers.bulletin_text import bulletin
from tests.helpers.index_checks import assert_index_matches_passages
from tests.helpers.properties import examples


def fuzz(count: int) -> settings:
    return settings(
        max_examples=examples(count),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
# Names a file may come under: the format is read from the bytes, so every extension, none, and odd ones.
NAMES = (
    "简报.pdf", "简报.PDF", "简报.docx", "简报.doc", "简报.wps", "简报.html", "简报.htm", "简报.txt",
    "简报", "简报.dat", "扫描/总第2202期.pdf", "..\\..\\a.txt", "a\x00b.txt", "🎉.html", "x" * 300 + ".txt",
)  # fmt: skip
# Leading bytes that send a file to each reader, or to a refusal of its own (old Word, images, archives).
MAGICS = (
    b"", b"%PDF-1.7\n", b"junk%PDF-1.4\n", b"PK\x03\x04", b"<!DOCTYPE html><html><body>", b"<html>",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8",
    b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"{\\rtf",
)  # fmt: skip


def short_real_text(path: Path) -> str:
    """A real bulletin cut to its header, first article and footer: the real layout, cheap to index."""
    text = path.read_text(encoding="utf-8")
    issue = parse_bulletin(text)
    first_source = f"({issue.articles[0].source})"
    head = text[: text.index(first_source) + len(first_source)] if first_source in text else text[:2000]
    return head + text[text.index("\n责编") :]


@pytest.fixture(scope="module", autouse=True)
def no_ocr() -> Iterator[None]:
    """A mutated PDF may lose its text layer; OCR takes seconds a page and has tests of its own, so
    here it is unavailable and such a file is refused as it would be without the OCR extra."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr, "available", lambda: False)
        yield


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    """Real bulletins in every format the archive reads."""
    issue = parse_bulletin(ISSUE_2202.read_text(encoding="utf-8"))
    return {
        "2202.txt": ISSUE_2202.read_bytes(),
        "2126.txt": ISSUE_2126.read_bytes(),
        "2126-gb18030.txt": ISSUE_2126.read_text(encoding="utf-8").encode("gb18030"),
        "2202-short.txt": short_real_text(ISSUE_2202).encode("utf-8"),
        "2202-short-utf16.txt": short_real_text(ISSUE_2202).encode("utf-16"),
        "2126.docx": office.bulletin_docx(),
        "2165.html": office.bulletin_html(),
        "2202.pdf": pdfs.typeset_bulletin(pdfs.trimmed(issue, 1)).data,
    }


class Archives:
    """A fresh copy of one template archive for each example, so examples do not depend on each other."""

    def __init__(self, folder: Path, tokenizer: Tokenizer):
        self.folder, self.tokenizer = folder, tokenizer
        self.template = folder / "template.db"
        with Archive(self.template, tokenizer) as archive:
            # Two short issues: mutations of issue 2202 and 2165 replace them, others are added.
            for data in (short_real_text(ISSUE_2202).encode(), bulletin().encode()):
                assert archive.ingest_bytes(data, "seed.txt").error is None
            assert_index_matches_passages(archive.store, tokenizer.passage_grams)
            self.before = snapshot(archive)
        self.count = itertools.count()

    def fresh(self) -> Archive:
        path = self.folder / f"example-{next(self.count)}.db"
        with sqlite3.connect(self.template) as source, sqlite3.connect(path) as target:
            source.backup(target)
        source.close()
        target.close()
        return Archive(path, self.tokenizer)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Archives:
    return Archives(tmp_path_factory.mktemp("fuzz-ingest"), tokenizer)


def snapshot(archive: Archive) -> dict[str, str]:
    """Every table but the saved questions, each as a hash of its rows (some tables have no rowid)."""
    db = archive.store.db.conn
    tables = [
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if row[0] != "saved_questions"
    ]
    return {
        table: hashlib.sha256(repr(sorted(map(repr, db.execute(f'SELECT * FROM "{table}"')))).encode()).hexdigest()
        for table in tables
    }


def check(archives: Archives, archive: Archive, report: IngestReport) -> None:
    """A refusal is one Chinese line and changes nothing; an accepted file leaves the index whole."""
    assert isinstance(report, IngestReport)
    if report.error is not None:
        assert report.status is None
        assert "\n" not in report.error and len(report.error) <= 300, report.error
        assert CJK_CHAR.search(report.error), report.error
        assert "Traceback" not in report.error
        assert snapshot(archive) == archives.before
    else:
        assert report.status is not None and report.ref is not None
        assert_index_matches_passages(archive.store, archives.tokenizer.passage_grams)
    assert archive.store.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert archive.store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def ingest_once(archives: Archives, data: bytes, name: str) -> IngestReport:
    with archives.fresh() as archive:
        report = archive.ingest_bytes(data, name)
        check(archives, archive, report)
    return report


# --- random bytes -----------------------------------------------------------------------------


@fuzz(150)
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=3000), name=st.sampled_from(NAMES))
def test_random_bytes_under_every_format_and_name_are_refused_cleanly(
    archives: Archives, magic: bytes, body: bytes, name: str
) -> None:
    report = ingest_once(archives, magic + body, name)
    assert report.error is not None  # no bulletin hides in noise


@fuzz(40)
@given(
    text=st.text(max_size=2000), encoding=st.sampled_from(["utf-8", "utf-16", "gb18030"]), name=st.sampled_from(NAMES)
)
def test_random_text_in_every_encoding_is_refused_cleanly(
    archives: Archives, text: str, encoding: str, name: str
) -> None:
    data = text.encode(encoding, errors="replace")
    ingest_once(archives, data, name)


# --- real bulletins, mutated ------------------------------------------------------------------

# One edit of a file's bytes: (kind, position as a share of the length, length, bytes to put in).
EDIT = st.tuples(
    st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]),
    st.floats(0, 1),
    st.integers(1, 64),
    st.binary(min_size=1, max_size=16),
)


def mutate(data: bytes, edits: list[tuple[str, float, int, bytes]]) -> bytes:
    for kind, where, length, noise in edits:
        at = min(int(where * len(data)), max(len(data) - 1, 0))
        if kind == "flip" and data:
            data = data[:at] + bytes([data[at] ^ (noise[0] or 0xFF)]) + data[at + 1 :]
        elif kind == "delete":
            data = data[:at] + data[at + length :]
        elif kind == "insert":
            data = data[:at] + noise + data[at:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "duplicate":
            data = data[:at] + data[at : at + length] * 2 + data[at + length :]
    return data


@fuzz(60)
@given(seed=st.sampled_from(["2202-short.txt", "2202-short-utf16.txt", "2126-gb18030.txt", "2165.html", "2202.pdf", "2126.docx"]), edits=st.lists(EDIT, min_size=1, max_size=4), name=st.sampled_from(NAMES))  # fmt: skip
def test_real_bulletins_with_bytes_flipped_cut_or_inserted_are_stored_whole_or_refused(
    archives: Archives, seeds: dict[str, bytes], seed: str, edits, name: str
) -> None:
    ingest_once(archives, mutate(seeds[seed], edits), name)


@fuzz(8)
@given(seed=st.sampled_from(["2202.txt", "2126.txt"]), edits=st.lists(EDIT, min_size=1, max_size=3))
def test_whole_real_text_bulletins_mutated_are_stored_whole_or_refused(
    archives: Archives, seeds: dict[str, bytes], seed: str, edits
) -> None:
    ingest_once(archives, mutate(seeds[seed], edits), seed)


@fuzz(40)
@given(
    member=st.sampled_from(["word/document.xml", "[Content_Types].xml", "word/_rels/document.xml.rels"]),
    edits=st.lists(EDIT, min_size=1, max_size=4),
)
def test_word_files_with_their_xml_mutated_are_stored_whole_or_refused(
    archives: Archives, seeds: dict[str, bytes], member: str, edits
) -> None:
    """Inside the ZIP, so the reader gets past the archive's checksums to the XML itself."""
    source = zipfile.ZipFile(io.BytesIO(seeds["2126.docx"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, mutate(data, edits) if info.filename == member else data)
    ingest_once(archives, out.getvalue(), "简报.docx")


# Numbers and dates as a hostile or careless masthead might write them.
NUMBER = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.integers(10**6, 10**40).map(str),
    st.just("9" * 5000),
    st.text("0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩〇一二三四五六七八九十 ", min_size=1, max_size=8),
    st.text(max_size=6),
)
CN_NUMERAL = st.text("〇零○一二三四五六七八九十", min_size=1, max_size=4)
DATE = st.one_of(
    st.tuples(NUMBER, NUMBER, NUMBER).map(lambda t: f"{t[0]} 年 {t[1]} 月 {t[2]} 日"),
    st.tuples(CN_NUMERAL, CN_NUMERAL, CN_NUMERAL).map(lambda t: f"{t[0]}年{t[1]}月{t[2]}日"),
    st.dates().map(lambda d: f"{d.year} 年 {d.month} 月 {d.day} 日"),
)


@fuzz(150)
@given(
    seed=st.sampled_from(["2202-short.txt", "2165"]),
    number=NUMBER,
    total=NUMBER,
    date=DATE,
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_forged_header_numbers_and_dates_are_stored_whole_or_refused(
    archives: Archives, seeds: dict[str, bytes], seed: str, number: str, total: str, date: str, encoding: str
) -> None:
    text = seeds[seed].decode("utf-8") if seed in seeds else bulletin()
    # Replacements as functions: a forged number may hold backslashes, which re would read as groups.
    text = re.sub(r"第 \d+ 期", lambda _: f"第 {number} 期", text, count=1)
    text = re.sub(r"总第 \d+ 期", lambda _: f"总第 {total} 期", text, count=1)
    text = re.sub(r"\d{4} 年 \d+ 月 \d+ 日", lambda _: date, text, count=1)
    report = ingest_once(archives, text.encode(encoding, errors="replace"), "简报.txt")
    if report.error is None:
        assert 1 <= report.ref.total <= 99_999 and 1 <= report.ref.number <= 999


# --- folders ----------------------------------------------------------------------------------

FILE_NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\:"), min_size=1, max_size=20
)


@fuzz(15)
@given(
    files=st.lists(
        st.tuples(FILE_NAME, st.sampled_from(MAGICS), st.binary(max_size=500)), max_size=5, unique_by=lambda f: f[0]
    ),
    missing=st.booleans(),
)
def test_a_folder_of_junk_gives_one_report_per_file_and_changes_nothing(
    archives: Archives, files, missing: bool
) -> None:
    folder = archives.folder / f"folder-{next(archives.count)}"
    folder.mkdir()
    written = []
    for name, magic, body in files:
        path = folder / name
        try:
            path.write_bytes(magic + body)
        except OSError:  # a name the file system will not take ('.', '..', too long in bytes)
            continue
        written.append(path)
    paths = [folder] + ([folder / "不存在.pdf"] if missing else [])
    with archives.fresh() as archive:
        reports = list(archive.ingest(paths))
        assert all(r.error is not None for r in reports)
        assert len(reports) >= 1 + missing
        for report in reports:
            check(archives, archive, report)


def test_a_file_name_that_is_not_valid_unicode_is_stored_or_refused_cleanly(archives: Archives) -> None:
    ingest_once(archives, bulletin().replace("2165", "2167").encode(), "\udc80简报.txt")

"""Ingest into the SQLite file: idempotent, atomic per issue, refusals leave nothing behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.errors import ArchiveError, DatabaseUnusable
from retrieval.ingest.chunk import MAX_CHARS
from retrieval.models import IngestStatus
from tests.helpers import ISSUE_2202, SAMPLE_ARCHIVE
from tests.helpers.bulletin_text import bulletin


def table_counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("issues", "articles", "passages")}


def test_sample_archive_is_stored_with_articles_and_passages(sample_archive: Archive) -> None:
    stats = sample_archive.stats()
    assert (stats.issues, stats.articles) == (2, 5)
    assert stats.passages >= 5  # articles of up to 1,500 characters are one passage
    assert (stats.first.isoformat(), stats.latest.isoformat()) == ("2020-04-24", "2022-04-29")


def test_reingest_same_issue_is_a_no_op(sample_archive: Archive) -> None:
    db = sample_archive.store.path
    before = table_counts(db)
    reports = list(sample_archive.ingest([SAMPLE_ARCHIVE]))
    assert [r.status for r in reports] == [IngestStatus.UNCHANGED] * 2
    assert table_counts(db) == before
    ids = sample_archive.store.db.execute("SELECT min(id), max(id) FROM passages").fetchone()
    assert ids[1] - ids[0] + 1 == before["passages"]  # no row was deleted and re-added


def test_same_content_in_another_encoding_is_unchanged(sample_archive: Archive) -> None:
    gb = ISSUE_2202.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030")
    assert sample_archive.ingest_bytes(gb, "2202-gbk.txt").status is IngestStatus.UNCHANGED


def test_changed_content_replaces_the_old_version(sample_archive: Archive) -> None:
    text = ISSUE_2202.read_text(encoding="utf-8").replace("丰台区凝心聚力", "丰台区齐心协力")
    report = sample_archive.ingest_bytes(text.encode(), "2202-v2.txt")
    assert report.status is IngestStatus.REPLACED
    titles = [a.title for a in sample_archive.issue(2202).articles]
    assert titles[2] == "丰台区齐心协力全力以赴打好创建全国文明城市主动仗"
    assert sample_archive.stats().articles == 5
    assert sample_archive.ask("齐心协力 创城").hits[0].title.startswith("丰台区齐心协力")
    assert all("凝心聚力" not in h.title for h in sample_archive.ask("凝心聚力 全力以赴").hits)


def test_a_failure_midway_leaves_the_old_version_intact(sample_archive: Archive, monkeypatch) -> None:
    """One transaction per issue: if storing breaks after the old rows were deleted, they come back."""
    store = sample_archive.store
    before = [a.title for a in sample_archive.issue(2202).articles]

    def broken_insert_all(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(type(store.db.table("passages")), "insert_all", broken_insert_all)
    text = ISSUE_2202.read_text(encoding="utf-8").replace("丰台区凝心聚力", "丰台区齐心协力")
    with pytest.raises(DatabaseUnusable, match="disk I/O error"):
        sample_archive.ingest_bytes(text.encode(), "2202-v2.txt")
    monkeypatch.undo()
    assert [a.title for a in sample_archive.issue(2202).articles] == before
    assert sample_archive.ask("凝心聚力").hits[0].issue.total == 2202


def test_bad_files_are_refused_and_the_rest_of_the_run_is_ingested(empty_archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "a_not_a_bulletin.txt").write_text("会议纪要\n\n今天开会。\n", encoding="utf-8")
    (folder / "b_binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (folder / "c_empty.txt").write_bytes(b"")
    (folder / "d_good.txt").write_text(bulletin(), encoding="gb18030")
    (folder / "e_broken.pdf").write_bytes(b"%PDF-1.7")
    (folder / ".hidden.txt").write_text(bulletin(), encoding="utf-8")
    reports = list(empty_archive.ingest([folder, tmp_path / "missing.txt"]))
    assert [Path(r.name).name for r in reports] == [
        "a_not_a_bulletin.txt",
        "b_binary.txt",
        "c_empty.txt",
        "d_good.txt",
        "e_broken.pdf",
        "missing.txt",
    ]
    assert [r.ok for r in reports] == [False, False, False, True, False, False]
    assert "报头" in reports[0].error and "二进制" in reports[1].error and "空" in reports[2].error
    assert "PDF" in reports[4].error
    assert "不存在" in reports[5].error
    assert table_counts(empty_archive.store.path) == {"issues": 1, "articles": 2, "passages": 2}


def test_passages_stay_inside_one_article_and_within_bounds(sample_archive: Archive) -> None:
    rows = sample_archive.store.db.execute(
        "SELECT a.text, p.text FROM passages p JOIN articles a ON a.id = p.article_id"
    ).fetchall()
    for article_text, passage_text in rows:
        assert passage_text.replace("\n", "") in article_text.replace("\n", "")
        assert len(passage_text.replace("\n", "")) <= MAX_CHARS


def test_database_uses_wal_and_foreign_keys(sample_archive: Archive) -> None:
    db = sample_archive.store.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO articles (issue_total, position, title, text) VALUES (9999, 0, 't', 'x')")


def test_an_unopenable_database_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "archive.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ArchiveError, match="已损坏或不是本程序的档案"):
        Archive(bad)

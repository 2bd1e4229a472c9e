"""An index built by another analysis is named stale, refused, and rebuilt from the stored text to
exactly what a fresh ingest gives; dictionaries shape only questions, so changing them needs no
rebuild; a file from a newer version is refused untouched."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.errors import ArchiveError, StaleIndex
from retrieval.index import bm25, lists, params
from retrieval.index.fingerprint import PIPELINE_VERSION
from retrieval.ingest import chunk
from retrieval.ingest.parse import parse_bulletin
from retrieval.store.schema import SCHEMA_VERSION
from retrieval.tokenize import Tokenizer
from tests.helpers import ISSUE_2202, ROOT, SAMPLE_ARCHIVE, pdfs
from tests.helpers.index_checks import assert_index_matches_passages, stored_index

QUESTIONS = ("背街小巷环境精细化整治提升", "丰台区创城建立了哪些工作机制", "志愿服务", "2020年精神文明建设重点任务")
# A word of the sample bulletins that the shipped dictionary does not hold whole.
NEW_WORD = "精细化整治提升"


@pytest.fixture
def data_files(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "data"
    folder.mkdir()
    user_dict = shutil.copy(ROOT / "data" / "userdict.txt", folder / "userdict.txt")
    stopwords = shutil.copy(ROOT / "data" / "stopwords.txt", folder / "stopwords.txt")
    return Path(user_dict), Path(stopwords)


def answers(archive: Archive) -> list[list[tuple]]:
    return [
        [(h.issue.total, h.article_id, h.title, h.excerpt, h.score, h.marks) for h in archive.ask(q).hits]
        for q in QUESTIONS
    ]


def index_by_place(store) -> tuple[dict, dict[int, int]]:
    """stored_index with each passage named by where it stands (issue, article, passage), not by
    its id: reindex cuts passages anew, and new passages get new ids."""
    place = {
        pid: (total, article, position)
        for pid, total, article, position in store.db.execute(
            "SELECT p.id, a.issue_total, a.position, p.position FROM passages p JOIN articles a ON a.id = p.article_id"
        )
    }
    lists, tokens = stored_index(store)
    return {
        key: (df, sorted((place[pid], tf, length) for pid, tf, length in postings))
        for key, (df, postings) in lists.items()
    }, tokens


def build(path: Path, files: tuple[Path, Path]) -> None:
    with Archive(path, Tokenizer(*files)) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE]))
        assert all(r.ok for r in reports)
        assert archive.stale is None


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(f"\n{line}\n")


def built_by_an_older_analysis(path: Path) -> None:
    """Record in the file that its index was built by the analysis before this one."""
    with sqlite3.connect(path) as db:
        (held,) = db.execute("SELECT value FROM index_meta WHERE key = 'fingerprint'").fetchone()
        older = json.loads(held) | {"pipeline": PIPELINE_VERSION - 1}
        db.execute("UPDATE index_meta SET value = ? WHERE key = 'fingerprint'", [json.dumps(older, sort_keys=True)])
    db.close()


def test_an_index_of_an_older_analysis_is_stale_until_reindexed(tmp_path: Path, data_files: tuple[Path, Path]) -> None:
    path = tmp_path / "archive.db"
    build(path, data_files)
    built_by_an_older_analysis(path)
    named = "分析流程版本"
    tokenizer = Tokenizer(*data_files)

    with Archive(path, tokenizer) as archive:
        assert archive.stale == [named]
        with pytest.raises(StaleIndex) as refused:
            archive.ask(QUESTIONS[0])
        message = str(refused.value)
        assert "python run_bot.py reindex" in message and named in message and "\n" not in message
        with pytest.raises(StaleIndex):
            archive.ingest_bytes(ISSUE_2202.read_bytes(), "again.txt")
        # Looking issues up needs no index: it still works.
        assert archive.issue(2202).articles

    # Still stale on the next open: nothing was rebuilt behind the user's back.
    with Archive(path, tokenizer) as archive:
        assert archive.stale == [named]
        progress: list[tuple[int, int]] = []
        done = archive.reindex(lambda n, total: progress.append((n, total)))
        passages = archive.stats().passages
        assert done == passages and progress[-1] == (passages, passages)
        assert archive.stale is None
        assert_index_matches_passages(archive.store, tokenizer.passage_grams)
        rebuilt = index_by_place(archive.store)
        rebuilt_answers = answers(archive)

    with Archive(tmp_path / "fresh.db", tokenizer) as fresh:
        list(fresh.ingest([SAMPLE_ARCHIVE]))
        assert index_by_place(fresh.store) == rebuilt
        assert answers(fresh) == rebuilt_answers
    assert all(rebuilt_answers[:3])

    with Archive(path, tokenizer) as archive:
        assert archive.stale is None
        assert answers(archive) == rebuilt_answers


@pytest.mark.parametrize(
    ("name", "value"),
    [("B", 0.75), ("K1", 1.5), ("CHUNK", 7), ("INLINE", 2), ("MAX_SMALL_RUNS", 1)],
)
def test_a_changed_index_parameter_refuses_the_index_until_reindexed(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch, name: str, value: float
) -> None:
    """The fingerprint covers every parameter: an index built with others is refused with the
    command that rebuilds it, never scored with mixed values; reindex builds it anew."""
    path = tmp_path / "archive.db"
    with Archive(path, tokenizer) as archive:
        assert all(r.ok for r in archive.ingest([SAMPLE_ARCHIVE]))
        before = [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in QUESTIONS]
    # As a new version with another value would: read where each module took it.
    for module in (params, bm25, lists):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, value)
    with Archive(path, tokenizer) as archive:
        assert archive.stale == ["索引参数"]
        with pytest.raises(StaleIndex, match="python run_bot.py reindex") as refused:
            archive.ask(QUESTIONS[0])
        assert "索引参数" in str(refused.value)
        assert archive.reindex() == archive.stats().passages
        assert archive.stale is None
        assert_index_matches_passages(archive.store, tokenizer.passage_grams)
        after = [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in QUESTIONS]
    with Archive(path, tokenizer) as archive:
        assert archive.stale is None
        assert [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in QUESTIONS] == after
    if name in ("B", "K1"):
        assert after != before  # scored with the new value
    else:
        assert after == before  # only the layout changed
    monkeypatch.undo()
    with Archive(path, tokenizer) as archive:
        assert archive.stale == ["索引参数"]  # and back again


@pytest.mark.parametrize("changed", [0, 1], ids=["user-dictionary", "stopwords"])
def test_a_changed_dictionary_needs_no_reindex(tmp_path: Path, data_files: tuple[Path, Path], changed: int) -> None:
    """The index holds characters: a new dictionary word or stop word changes how questions are
    read (their words, for emphasis), never what is stored."""
    path = tmp_path / "archive.db"
    build(path, data_files)
    append(data_files[changed], f"{NEW_WORD} 1000 n" if changed == 0 else "整治")
    with Archive(path, Tokenizer(*data_files)) as archive:
        assert archive.stale is None
        hits = archive.ask(NEW_WORD).hits
        assert hits
        if changed == 0:
            assert NEW_WORD in hits[0].terms


def test_a_file_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "newer.db"
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ArchiveError) as refused:
        Archive(path, tokenizer)
    message = str(refused.value)
    assert "\n" not in message
    assert "更新版本" in message and "升级" in message and str(SCHEMA_VERSION + 1) in message
    assert path.read_bytes() == before


def test_a_bare_database_from_a_newer_version_is_left_untouched(tmp_path: Path, tokenizer: Tokenizer) -> None:
    """Not in WAL mode and without this version's tables: opening it must neither switch its journal
    mode nor create a table before refusing it."""
    path = tmp_path / "bare.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE issues (total INTEGER PRIMARY KEY, layout TEXT)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(ArchiveError, match="升级"):
        Archive(path, tokenizer)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.db"]


def passages_of(archive: Archive) -> list[tuple]:
    return archive.store.db.execute(
        "SELECT a.issue_total, a.position, p.position, p.text, p.page, p.page_breaks"
        " FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY a.issue_total, a.position, p.position"
    ).fetchall()


def test_reindex_cuts_an_older_archives_articles_as_ingest_now_does_and_keeps_pages(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive whose passages were cut small (as before ranking v3), from a three-page PDF and
    the sample's text exports: after reindex its passages, pages and index are a fresh ingest's."""
    typeset = pdfs.typeset_bulletin(parse_bulletin(ISSUE_2202.read_text(encoding="utf-8")), min_pages=3)
    source = tmp_path / "2202.pdf"
    source.write_bytes(typeset.data)
    older = tmp_path / "older.db"
    with monkeypatch.context() as older_version:
        older_version.setattr(chunk, "MIN_CHARS", 150)
        older_version.setattr(chunk, "MAX_CHARS", 400)
        older_version.setattr(chunk, "PARAGRAPH_CUT_CHARS", 250)
        with Archive(older, tokenizer) as archive:
            assert all(r.ok for r in archive.ingest([source, SAMPLE_ARCHIVE / "001_a4f5a830c984352f.txt"]))
            small = passages_of(archive)
    built_by_an_older_analysis(older)
    with Archive(tmp_path / "fresh.db", tokenizer) as fresh:
        assert all(r.ok for r in fresh.ingest([source, SAMPLE_ARCHIVE / "001_a4f5a830c984352f.txt"]))
        expected, expected_index = passages_of(fresh), index_by_place(fresh.store)
    assert len(small) > len(expected), "the test wants an archive cut into more passages"
    assert any(page and page > 1 for *_, page, _ in expected), "the test wants passages past page 1"
    with Archive(older, tokenizer) as archive:
        progress: list[tuple[int, int]] = []
        assert archive.reindex(lambda done, total: progress.append((done, total))) == len(expected)
        assert progress[-1] == (5, 5)  # articles
        assert passages_of(archive) == expected
        assert index_by_place(archive.store) == expected_index
        assert_index_matches_passages(archive.store, tokenizer.passage_grams)

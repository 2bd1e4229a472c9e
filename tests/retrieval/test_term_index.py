"""The term index holds exactly what analysing the stored passages gives, after every kind of write,
and a file from before it is migrated and rebuilt from the stored text."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from retrieval.archive import Archive
from retrieval.errors import StaleIndex, UnknownArticle
from retrieval.index import lists
from retrieval.models import IngestStatus
from retrieval.store.schema import SCHEMA_VERSION
from retrieval.tokenize import Tokenizer
from tests.helpers import ISSUE_2126, ISSUE_2202, SAMPLE_ARCHIVE
from tests.helpers.index_checks import assert_index_matches_passages, layout_counts, small_layout, stored_index


def test_index_matches_the_passages_after_ingest(sample_archive: Archive) -> None:
    store = sample_archive.store
    assert_index_matches_passages(store)
    held, _ = stored_index(store)
    # Characters and their pairs are there.
    assert "文明" in held and "城" in held
    # Two issues: every list fits in its term's row.
    assert layout_counts(store)["inline"] == len(held)


def test_index_matches_with_small_runs_after_ingest_replace_and_merges(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lists in rows, in many runs and in merged runs, then replaces that empty runs, shrink
    others and move a list out of its row."""
    small_layout(monkeypatch)
    merges: list[str] = []
    merge = lists.PostingLists._merge_small_runs

    def counted(self: lists.PostingLists, term: str, row: lists.Term) -> None:
        merges.append(term)
        merge(self, term, row)

    monkeypatch.setattr(lists.PostingLists, "_merge_small_runs", counted)
    with Archive(tmp_path / "small.db", tokenizer) as archive:
        for issue in (ISSUE_2202, ISSUE_2126):
            assert archive.ingest_bytes(issue.read_bytes(), issue.name).ok
        assert_index_matches_passages(archive.store)
        original = ISSUE_2202.read_text(encoding="utf-8")
        for version, text in enumerate(
            [
                original.replace("凝心聚力", "踔厉奋发"),
                original.replace("凝心聚力", "凝心聚力凝心聚力"),
                original.replace("丰台区", "丰台"),
                original,
            ]
        ):
            assert archive.ingest_bytes(text.encode(), f"2202-v{version}.txt").status is IngestStatus.REPLACED
            assert_index_matches_passages(archive.store)
        counts = layout_counts(archive.store)
        assert counts["inline"] > 0 and counts["runs"] > 0, counts
        assert merges, "the test wants small runs merged"
        most_runs = archive.store.db.execute(
            f"SELECT max(n) FROM (SELECT count(*) AS n FROM index_runs GROUP BY key >> {lists._RUN_BITS})"
        ).fetchone()[0]
        assert most_runs > lists.MAX_SMALL_RUNS + 1, "the test wants lists of several runs"
        # Cut down to its first article's opening: most of its postings leave their runs.
        from retrieval.ingest.prepare import prepare_file

        record = prepare_file(tokenizer, ISSUE_2202).record
        first = record.articles[0]
        cut = dataclasses.replace(
            record,
            articles=(dataclasses.replace(first, passages=first.passages[:1]),),
            content_hash="cut",
        )
        (saved,) = archive.store.save_issues([cut], tokenizer.passage_grams, archive.fingerprint)
        assert saved.status is IngestStatus.REPLACED
        assert_index_matches_passages(archive.store)
        assert archive.ask("丰台区 创城 工作机制").hits


def test_replacing_an_issue_leaves_no_trace_of_the_old_version(sample_archive: Archive) -> None:
    store = sample_archive.store
    old_ids = {r[0] for r in store.db.execute("SELECT id FROM passages WHERE issue_total = 2202")}
    text = ISSUE_2202.read_text(encoding="utf-8").replace("凝心聚力", "踔厉奋发")
    assert sample_archive.ingest_bytes(text.encode(), "2202-v2.txt").ok
    assert_index_matches_passages(store)
    held, _ = stored_index(store)
    indexed = {pid for _, postings in held.values() for pid, _, _ in postings}
    assert not indexed & old_ids, "postings of the replaced version are left"
    # Terms only the old version held are gone with it; a character it shared (凝 of 凝聚) stays.
    assert "凝心" not in held
    assert held["凝"][0] == 1
    article = sample_archive.issue(2202).articles[2]
    assert article.title.startswith("丰台区踔厉奋发")
    # The title's characters count in each of the article's passages.
    passages = {r[0] for r in store.db.execute("SELECT id FROM passages WHERE article_id = ?", [article.id])}
    assert {pid for pid, _, _ in held["踔厉"][1]} == passages
    assert all("凝心聚力" not in h.title for h in sample_archive.ask("凝心聚力 全力以赴").hits)
    assert sample_archive.ask("踔厉奋发 创城").hits[0].title.startswith("丰台区踔厉奋发")


@pytest.mark.parametrize(
    "replaced",
    [
        pytest.param(ISSUE_2202, id="first-ingested"),
        pytest.param(ISSUE_2126, id="last-ingested"),
    ],
)
def test_ids_only_grow_across_a_replace(sample_archive: Archive, replaced: Path) -> None:
    """A replaced issue's passages and articles get new ids above every id held before: an article
    link or saved hit made before the replace never lands on another article."""
    store = sample_archive.store
    total = 2202 if replaced == ISSUE_2202 else 2126
    max_passage = store.db.execute("SELECT max(id) FROM passages").fetchone()[0]
    max_article = store.db.execute("SELECT max(id) FROM articles").fetchone()[0]
    old_articles = [a.id for a in sample_archive.issue(total).articles]
    text = replaced.read_text(encoding="utf-8").replace("首都精神文明建设工作", "首都精神文明建设工作会")
    text = text.replace("凝心聚力", "踔厉奋发")
    assert sample_archive.ingest_bytes(text.encode(), "v2.txt").status is IngestStatus.REPLACED
    new_passages = [r[0] for r in store.db.execute("SELECT id FROM passages WHERE issue_total = ?", [total])]
    new_articles = [a.id for a in sample_archive.issue(total).articles]
    assert min(new_passages) > max_passage
    assert min(new_articles) > max_article
    for article_id in old_articles:
        with pytest.raises(UnknownArticle):
            sample_archive.article(article_id)
    assert_index_matches_passages(store)


def make_schema_3(path: Path) -> None:
    """Turn a current archive file into the layout of schema 3: the capped `terms` lists and
    `index_totals`, the `tokens`/`title_tokens` columns on passages, no block index and no
    passage lengths."""
    db = sqlite3.connect(path)
    with db:
        for table in lists.TABLES:
            db.execute(f"DROP TABLE {table}")
        columns = {row[1] for row in db.execute("PRAGMA table_info(passages)")}
        for column in ("word_len", "char_len"):
            if column in columns:
                db.execute(f"ALTER TABLE passages DROP COLUMN {column}")
        db.execute(
            "CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL, floor REAL NOT NULL,"
            " postings BLOB NOT NULL) WITHOUT ROWID"
        )
        db.execute("CREATE TABLE index_totals (id INTEGER PRIMARY KEY CHECK (id = 0), tokens INTEGER NOT NULL)")
        db.execute("INSERT INTO index_totals VALUES (0, 1234)")
        db.execute("INSERT INTO terms VALUES ('文明', 3, 0.0, x'0100000000000000')")
        db.execute("ALTER TABLE passages ADD COLUMN title_tokens TEXT")
        db.execute("ALTER TABLE passages ADD COLUMN tokens TEXT NOT NULL DEFAULT ''")
        db.execute("UPDATE passages SET tokens = text, title_tokens = 'old tokens'")
        db.execute("PRAGMA user_version = 3")
    db.close()


QUESTIONS = ("丰台区创城建立了哪些工作机制", "背街小巷环境精细化整治", "志愿服务")


def test_a_schema_3_file_is_migrated_and_answers_after_reindex(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "old.db"
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        before = [[(h.issue.total, h.title, h.excerpt) for h in archive.ask(q).hits] for q in QUESTIONS]
        stats = archive.stats()
    assert all(before)
    make_schema_3(path)

    with Archive(path, tokenizer) as archive:
        db = archive.store.db
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert not {"terms", "index_totals"} & set(db.table_names())
        assert not {"tokens", "title_tokens"} & set(db["passages"].columns_dict)
        # The issues are all still there, readable; only the index is to be rebuilt.
        assert archive.stats() == stats
        assert archive.issue(2202).articles
        assert archive.stale == ["索引格式"]
        with pytest.raises(StaleIndex, match="python run_bot.py reindex"):
            archive.ask(QUESTIONS[0])
        with pytest.raises(StaleIndex):
            archive.ingest_bytes(ISSUE_2202.read_bytes(), "again.txt")

    # Reopening without a reindex is still stale: the migration did not pass off an empty index.
    with Archive(path, tokenizer) as archive:
        assert archive.stale == ["索引格式"]
        assert archive.reindex() == stats.passages
        assert archive.stale is None
        assert_index_matches_passages(archive.store)
        assert [[(h.issue.total, h.title, h.excerpt) for h in archive.ask(q).hits] for q in QUESTIONS] == before

    with Archive(path, tokenizer) as archive:
        assert archive.stale is None
        assert [[(h.issue.total, h.title, h.excerpt) for h in archive.ask(q).hits] for q in QUESTIONS] == before


def test_two_versions_of_an_issue_in_one_save_leave_only_the_second_in_the_index(
    tmp_path: Path, tokenizer: Tokenizer
) -> None:
    """Store.save_issues may be handed both versions at once; the first never reaches the index."""
    from retrieval.ingest.prepare import prepare_file

    first = prepare_file(tokenizer, ISSUE_2202).record
    text = ISSUE_2202.read_text(encoding="utf-8").replace("丰台区", "丰台")
    (tmp_path / "second.txt").write_text(text, encoding="utf-8")
    second = prepare_file(tokenizer, tmp_path / "second.txt").record
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        statuses = archive.store.save_issues([first, second], tokenizer.passage_grams, archive.fingerprint)
        assert [r.status for r in statuses] == [IngestStatus.ADDED, IngestStatus.REPLACED]
        assert_index_matches_passages(archive.store)
        assert "丰台区" not in "".join(h.excerpt for h in archive.ask("丰台 创城 工作机制", limit=5).hits)


@pytest.mark.parametrize("failing", ["add", "set_fingerprint"])
def test_a_write_that_fails_after_indexing_leaves_questions_answered_as_before(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A replace rolled back after the index read the passages' new lengths (a full disk at the
    last statement, say) must not leave this process scoring with them: the same questions get
    the same answers as from a fresh process on the same file."""
    from retrieval.ingest.prepare import prepare_file

    path = tmp_path / "a.db"
    questions = ["丰台区 创城 工作机制", "凝心聚力 全力以赴", "文明城市 创建"]
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        before = [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in questions]
        index_before = stored_index(archive.store)
        text = ISSUE_2202.read_text(encoding="utf-8").replace("丰台区", "丰台区丰台区丰台区")
        (tmp_path / "v2.txt").write_text(text, encoding="utf-8")
        record = prepare_file(tokenizer, tmp_path / "v2.txt").record
        store = archive.store

        def fail(*args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        if failing == "add":
            add = store.index.add
            monkeypatch.setattr(store.index, "add", lambda passages: (add(passages), fail()))
        else:
            monkeypatch.setattr(store, "fingerprint", lambda: None)
            monkeypatch.setattr(store, "_set_fingerprint", fail)
        with pytest.raises(sqlite3.OperationalError):
            store.save_issues([record], tokenizer.passage_grams, archive.fingerprint)
        monkeypatch.undo()
        after = [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in questions]
        # The index is exactly as it was: no posting, length or token of the rolled-back write.
        assert stored_index(store) == index_before
        assert_index_matches_passages(store)
    with Archive(path, tokenizer) as fresh:
        assert [[(h.article_id, h.score) for h in fresh.ask(q).hits] for q in questions] == before
        assert_index_matches_passages(fresh.store)
    assert after == before


def test_a_committed_issue_is_searchable_and_its_replacement_too(tmp_path: Path, tokenizer: Tokenizer) -> None:
    """Add, replace, and a replace that fails: a fresh process sees each committed state, its
    index matches the passages, and the answers are those of the process that wrote."""
    path = tmp_path / "a.db"
    question = "踔厉奋发 创城"
    with Archive(path, tokenizer) as archive:
        assert archive.ingest_bytes(ISSUE_2126.read_bytes(), "2126.txt").ok
        assert not [h for h in archive.ask(question).hits if h.issue.total == 2202]
        text = ISSUE_2202.read_text(encoding="utf-8").replace("凝心聚力", "踔厉奋发")
        assert archive.ingest_bytes(text.encode(), "2202.txt").status is IngestStatus.ADDED
        added = [(h.article_id, h.score) for h in archive.ask(question).hits]
        assert archive.ask(question).hits[0].title.startswith("丰台区踔厉奋发")
    with Archive(path, tokenizer) as fresh:
        assert [(h.article_id, h.score) for h in fresh.ask(question).hits] == added
        assert_index_matches_passages(fresh.store)
        assert fresh.ingest_bytes(ISSUE_2202.read_bytes(), "2202-v2.txt").status is IngestStatus.REPLACED
        replaced = [(h.article_id, h.score) for h in fresh.ask("凝心聚力 创城").hits]
        assert fresh.ask("凝心聚力 创城").hits[0].title.startswith("丰台区凝心聚力")
        assert all("踔厉" not in h.title for h in fresh.ask(question).hits)
    with Archive(path, tokenizer) as fresh:
        assert [(h.article_id, h.score) for h in fresh.ask("凝心聚力 创城").hits] == replaced
        assert_index_matches_passages(fresh.store)

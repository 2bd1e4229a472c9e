"""The term index holds exactly what analysing the stored passages gives, after every kind of write,
and a file from before it is migrated and rebuilt from the stored text."""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import ISSUE_2126, ISSUE_2202, SAMPLE_ARCHIVE

from retrieval import term_index
from retrieval.archive import Archive
from retrieval.errors import StaleIndex, UnknownArticle
from retrieval.models import IngestStatus
from retrieval.scoring import CHARS, FIELDS, TITLE_WEIGHT, contribution
from retrieval.store import SCHEMA_VERSION, Store
from retrieval.tokenize import Tokenizer

Analyzer = Callable[[str], tuple[list[str], list[str]]]
# (field, term) -> (df, postings as (passage id, tf, field length) in id order)
IndexDump = dict[tuple[int, str], tuple[int, list[tuple[int, int, int]]]]


@functools.cache
def _default_analyzer() -> Analyzer:
    return Tokenizer().passage_grams


def expected_index(store: Store, analyze: Analyzer) -> tuple[IndexDump, dict[int, int]]:
    """What the index should hold: every stored passage analysed again (its article's title,
    TITLE_WEIGHT times over as BM25F weighs it, then its own text), and each field's token total."""
    lists: dict[tuple[int, str], list[tuple[int, int, int]]] = {}
    tokens = dict.fromkeys(FIELDS, 0)
    rows = store.db.execute(
        "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
    ).fetchall()
    for pid, title, text in rows:
        for field, terms in ((CHARS, analyze(title) * TITLE_WEIGHT + analyze(text)),):
            tokens[field] += len(terms)
            for term, tf in Counter(terms).items():
                lists.setdefault((field, term), []).append((pid, tf, len(terms)))
    return {key: (len(postings), postings) for key, postings in lists.items()}, tokens


def stored_index(store: Store) -> tuple[IndexDump, dict[int, int]]:
    """The index as a question reads it (TermIndex.query_terms over every stored term), checking
    the blocks on the way: last ids rising, each block non-empty and at most BLOCK long, and no
    posting's contribution above its block's bound, nor any block's above the term's."""
    keys = [(field, term) for field, term in store.db.execute("SELECT field, term FROM index_terms")]
    stats = store.index.field_stats(store.passage_count())
    terms, source = store.index.query_terms(dict.fromkeys(keys, 1.0), stats)
    dump: IndexDump = {}
    for term in terms:
        postings = source.full(term)
        ids = postings["id"]
        blocks = source.blocks(term)
        assert (np.diff(ids) > 0).all(), term.key
        assert (np.diff(blocks.last_ids) > 0).all() and ids[-1] == blocks.last_ids[-1], term.key
        block_of = np.searchsorted(blocks.last_ids, ids)
        assert (np.bincount(block_of, minlength=len(blocks.last_ids)) > 0).all(), term.key
        assert np.bincount(block_of).max() <= term_index.BLOCK, term.key
        assert (contribution(term, postings, stats) <= blocks.bounds[block_of]).all(), term.key
        assert blocks.bounds.max() <= term.bound, term.key
        dump[term.key] = (term.df, [(int(p), int(t), int(n)) for p, t, n in postings[["id", "tf", "len"]].tolist()])
    tokens = dict(store.db.execute("SELECT field, tokens FROM index_fields"))
    return dump, tokens


def assert_index_matches_passages(store: Store, analyze: Analyzer | None = None) -> None:
    """For both fields: the terms, each term's df and postings (id, tf, length), and the token
    totals are exactly what re-analysing every stored passage gives (default: the default
    tokenizer's analysis)."""
    expected, expected_tokens = expected_index(store, analyze or _default_analyzer())
    held, tokens = stored_index(store)
    assert set(held) == set(expected), (
        f"missing: {sorted(set(expected) - set(held))[:10]}, extra: {sorted(set(held) - set(expected))[:10]}"
    )
    wrong = [key for key in expected if held[key] != expected[key]]
    assert not wrong, f"{len(wrong)} terms differ, e.g. {wrong[0]}: {held[wrong[0]]} != {expected[wrong[0]]}"
    assert tokens == expected_tokens


def test_index_matches_the_passages_after_ingest(sample_archive: Archive) -> None:
    store = sample_archive.store
    assert_index_matches_passages(store)
    held, _ = stored_index(store)
    # Characters and their pairs are there.
    assert (CHARS, "文明") in held and (CHARS, "城") in held


def test_index_matches_with_small_blocks_after_ingest_and_replace(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lists of many blocks, and a replace that empties some blocks and shrinks others."""
    monkeypatch.setattr(term_index, "BLOCK", 1)
    with Archive(tmp_path / "small.db", tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        assert_index_matches_passages(archive.store)
        text = ISSUE_2202.read_text(encoding="utf-8").replace("凝心聚力", "踔厉奋发")
        assert archive.ingest_bytes(text.encode(), "2202-v2.txt").ok
        assert_index_matches_passages(archive.store)
        held, _ = stored_index(archive.store)
        assert len(held[(CHARS, "文")][1]) > 3, "the test wants lists of several blocks"


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
    assert (CHARS, "凝心") not in held
    assert held[(CHARS, "凝")][0] == 1
    article = sample_archive.issue(2202).articles[2]
    assert article.title.startswith("丰台区踔厉奋发")
    # The title's characters count in each of the article's passages.
    passages = {r[0] for r in store.db.execute("SELECT id FROM passages WHERE article_id = ?", [article.id])}
    assert {pid for pid, _, _ in held[(CHARS, "踔厉")][1]} == passages
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
        term_index.drop_tables(db)
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
    from retrieval.ingest import prepare_file

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
    from retrieval.ingest import prepare_file

    path = tmp_path / "a.db"
    questions = ["丰台区 创城 工作机制", "凝心聚力 全力以赴", "文明城市 创建"]
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        before = [[(h.article_id, h.score) for h in archive.ask(q).hits] for q in questions]
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
    with Archive(path, tokenizer) as fresh:
        assert [[(h.article_id, h.score) for h in fresh.ask(q).hits] for q in questions] == before
    assert after == before

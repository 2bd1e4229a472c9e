"""The term index agrees with the stored passages after every kind of write, and caps its lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import ISSUE_2202, SAMPLE_ARCHIVE

from retrieval import postings
from retrieval.archive import Archive
from retrieval.store import SCHEMA_VERSION, Store
from retrieval.tokenize import Tokenizer


def passage_terms(store: Store) -> dict[int, list[str]]:
    rows = store.db.execute("SELECT id, title_tokens, tokens FROM passages").fetchall()
    return {pid: (title or "").split() + body.split() for pid, title, body in rows}


def assert_index_matches_passages(store: Store) -> None:
    """Every term's df counts the passages holding it; its list holds only those passages, all of
    them while they fit, best impact first; the token total is the passages' total."""
    passages = passage_terms(store)
    holding: dict[str, set[int]] = {}
    for pid, terms in passages.items():
        for term in set(terms):
            holding.setdefault(term, set()).add(pid)
    rows = store.db.execute("SELECT term, df, floor, postings FROM terms").fetchall()
    assert {term for term, *_ in rows} == set(holding)
    for term, df, floor, blob in rows:
        listed = postings.unpack(blob)
        assert df == len(holding[term]), term
        assert set(listed["id"].tolist()) <= holding[term], term
        assert len(listed) == min(df, postings.TOP_POSTINGS), term
        assert list(listed["impact"]) == sorted(listed["impact"], reverse=True), term
        assert floor == (listed["impact"][-1] if len(listed) == postings.TOP_POSTINGS else 0.0)
    total = store.db.execute("SELECT tokens FROM index_totals").fetchone()[0]
    assert total == sum(len(t) for t in passages.values())


def test_index_matches_the_passages_after_ingest(sample_archive: Archive) -> None:
    assert_index_matches_passages(sample_archive.store)


def test_replacing_an_issue_leaves_no_trace_of_the_old_version(sample_archive: Archive) -> None:
    text = ISSUE_2202.read_text(encoding="utf-8").replace("凝心聚力", "踔厉奋发")
    sample_archive.ingest_bytes(text.encode(), "2202-v2.txt")
    assert_index_matches_passages(sample_archive.store)
    df = dict(sample_archive.store.db.execute("SELECT term, df FROM terms WHERE term IN ('凝心聚力', '踔厉奋发')"))
    article = sample_archive.issue(2202).articles[2]
    assert article.title.startswith("丰台区踔厉奋发")
    # The title's words count in each of the article's passages.
    (passages,) = sample_archive.store.db.execute("SELECT count(*) FROM passages WHERE article_id = ?", [article.id])
    assert df == {"踔厉奋发": passages[0]}


def test_a_capped_list_keeps_the_passages_where_the_term_weighs_most(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postings, "TOP_POSTINGS", 2)
    with Archive(tmp_path / "capped.db", tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        assert_index_matches_passages(archive.store)
        store = archive.store
        passages = passage_terms(store)
        average = sum(map(len, passages.values())) / len(passages)
        df, blob = store.db.execute("SELECT df, postings FROM terms WHERE term = '文明'").fetchone()
        assert df > 2
        impacts = sorted(
            (postings.impact(Counter(t)["文明"], len(t), average) for t in passages.values() if "文明" in t),
            reverse=True,
        )
        assert postings.unpack(blob)["impact"].tolist() == pytest.approx(impacts[:2], rel=1e-5)
        # A question made only of common words is still answered from the strongest passages.
        assert archive.ask("首都精神文明建设").hits


def test_a_file_from_before_the_term_index_is_migrated_on_open(tmp_path: Path, tokenizer: Tokenizer) -> None:
    path = tmp_path / "old.db"
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
        before = [(h.issue.total, h.title) for h in archive.ask("丰台区创城建立了哪些工作机制").hits]
        db = archive.store.db
        # The layout of schema 1: an FTS5 index with its triggers, no term tables.
        db.execute("DROP TABLE terms")
        db.execute("DROP TABLE index_totals")
        db["passages"].enable_fts(["title_tokens", "tokens"], create_triggers=True)
        db.execute("PRAGMA user_version = 0")
    with Archive(path, tokenizer) as archive:
        db = archive.store.db
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert not [t for t in db.table_names() if t.startswith("passages_fts")]
        triggers = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        assert sorted(triggers) == ["passages_counts_delete", "passages_counts_insert"]
        assert_index_matches_passages(archive.store)
        assert [(h.issue.total, h.title) for h in archive.ask("丰台区创城建立了哪些工作机制").hits] == before

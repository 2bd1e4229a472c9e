"""The term index against what analysing the stored passages gives: the check every write is held to."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from retrieval.index import lists, params
from retrieval.index.search import contribution
from retrieval.store.database import Store
from retrieval.tokenize import Tokenizer

Analyzer = Callable[[str], list[str]]


# term -> (df, postings as (passage id, tf, passage length) in id order)
IndexDump = dict[str, tuple[int, list[tuple[int, int, int]]]]


@functools.cache
def _default_analyzer() -> Analyzer:
    return Tokenizer().passage_grams


def expected_index(store: Store, analyze: Analyzer) -> tuple[IndexDump, int]:
    """What the index should hold: every stored passage analysed again (its article's title,
    TITLE_WEIGHT times over, then its own text), and the token total."""
    postings: dict[str, list[tuple[int, int, int]]] = {}
    tokens = 0
    rows = store.db.execute(
        "SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id ORDER BY p.id"
    ).fetchall()
    for pid, title, text in rows:
        terms = analyze(title) * params.TITLE_WEIGHT + analyze(text)
        tokens += len(terms)
        for term, tf in Counter(terms).items():
            postings.setdefault(term, []).append((pid, tf, len(terms)))
    return {term: (len(held), held) for term, held in postings.items()}, tokens


def stored_index(store: Store) -> tuple[IndexDump, int]:
    """The index as a question reads it (PostingLists.terms and postings over every stored term),
    checking the layout on the way: a list is in its term's row (at most INLINE postings) iff the
    term has no runs; runs are keyed within the term's range, each in id order and after the one
    before; the term's largest tf, shortest passage and last id hold for its postings; no
    posting's contribution exceeds its term's bound; the lengths table holds each passage's
    stored length (0 for ids not held) and sums to the token total."""
    held = store.index
    held.forget()  # read from the file, nothing kept from earlier questions
    names = [row[0] for row in store.db.execute("SELECT term FROM index_terms")]
    rows = held.terms(names)
    lengths = held.lengths()
    tokens = held.tokens()
    stored_lengths = dict(store.db.execute("SELECT id, char_len FROM passages"))
    expected_lengths = np.zeros(len(lengths), np.int64)
    for pid, length in stored_lengths.items():
        assert pid < len(lengths), f"passage {pid} has no length"
        expected_lengths[pid] = length
    assert (lengths == expected_lengths).all(), "index_lengths differ from the passages' char_len"
    assert int(lengths.sum(dtype=np.int64)) == tokens
    passages = store.passage_count()
    search = store.index.search(dict.fromkeys(names, 1.0), passages)
    query = {t.term: t for t in search.terms}
    runs: dict[int, list[tuple[int, int, bytes, bytes]]] = {}
    for key, last_id, ids, tf in store.db.execute("SELECT key, last_id, ids, tf FROM index_runs ORDER BY key"):
        runs.setdefault(key >> lists._RUN_BITS, []).append((key, last_id, ids, tf))
    assert len({row.id for row in rows.values()}) == len(rows), "two terms share an id"
    assert set(runs) <= {row.id for row in rows.values() if row.next_run}, "runs of no term"
    dump: IndexDump = {}
    for term, row in rows.items():
        ((ids, tf),) = held.postings([row])
        assert len(ids) == len(tf) == row.df > 0, term
        assert (np.diff(ids.astype(np.int64)) > 0).all(), term
        assert (tf >= 1).all(), term
        if row.next_run == 0:
            assert row.df <= lists.INLINE and row.small_runs == 0 and row.id not in runs, term
            assert len(row.ids) == 4 * row.df and len(row.tf) == row.df, term
        else:
            assert row.ids == b"" and row.tf == b"", f"{term}: postings both in its row and in runs"
            assert row.small_runs <= lists.MAX_SMALL_RUNS, term
            numbers = [key & ((1 << lists._RUN_BITS) - 1) for key, *_ in runs[row.id]]
            assert numbers and max(numbers) < row.next_run, term
            previous = 0
            for _, last_id, run_ids, run_tf in runs[row.id]:
                these = np.frombuffer(run_ids, "<u4").astype(np.int64)
                assert len(these) == len(run_tf), term
                assert (np.diff(these) > 0).all(), term
                if len(these):
                    assert these[0] > previous and these[-1] <= last_id, f"{term}: runs overlap or misorder"
                # An emptied run keeps its last id: the next run's ids start above it.
                assert last_id > previous, term
                previous = last_id
        assert row.last_id >= ids[-1] and row.max_tf >= tf.max() and row.min_length <= lengths[ids].min(), term
        assert (contribution(query[term], tf, search.norms[ids]) <= query[term].bound).all(), term
        dump[term] = (row.df, [(int(p), int(t), int(lengths[p])) for p, t in zip(ids.tolist(), tf.tolist())])
    return dump, tokens


def assert_index_matches_passages(store: Store, analyze: Analyzer | None = None) -> None:
    """The terms, each term's df and postings (id, tf, passage length), the passages' stored
    lengths and the token total are exactly what re-analysing every stored passage gives
    (default: the default tokenizer's analysis); stored_index checks the layout too."""
    expected, expected_tokens = expected_index(store, analyze or _default_analyzer())
    held, tokens = stored_index(store)
    assert set(held) == set(expected), (
        f"missing: {sorted(set(expected) - set(held))[:10]}, extra: {sorted(set(held) - set(expected))[:10]}"
    )
    wrong = [key for key in expected if held[key] != expected[key]]
    assert not wrong, f"{len(wrong)} terms differ, e.g. {wrong[0]}: {held[wrong[0]]} != {expected[wrong[0]]}"
    assert tokens == expected_tokens
    lengths = {pid: n for _, postings in expected.values() for pid, _, n in postings}
    stored = dict(store.db.execute("SELECT id, char_len FROM passages"))
    assert {pid: stored[pid] for pid in lengths} == lengths


def small_layout(patch: pytest.MonkeyPatch, chunk: int = 3, small_runs: int = 2, inline: int = 2) -> None:
    """Tiny runs, few small runs before a merge and few postings in a row, so that a few dozen
    passages make lists of every shape: in the row, in several runs, in merged runs. Patched where
    params are read and where lists.py imported them by name."""
    for name, value in (("CHUNK", chunk), ("MAX_SMALL_RUNS", small_runs), ("INLINE", inline)):
        patch.setattr(params, name, value)
        patch.setattr(lists, name, value)


def layout_counts(store: Store) -> dict[str, int]:
    """How many terms have their list in their row, in one run, in several."""
    rows = store.db.execute(
        "SELECT sum(next_run = 0), sum(next_run = 1), sum(next_run > 1) FROM index_terms"
    ).fetchone()
    return dict(zip(("inline", "one run", "runs"), (n or 0 for n in rows)))

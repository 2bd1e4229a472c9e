"""The posting lists in the archive file: each term's passages (id and tf) in id order.

    index_terms    term -> id, df, largest tf, shortest passage, last id, runs, short lists' postings
    index_runs     (term id, run number) -> a run of the term's postings, in id order
    index_lengths  every passage's length, LENGTHS_PER_ROW to a row
    index_meta     tokens (the lengths' sum), next term id, fingerprint

Postings are kept as questions use them, ids as little-endian uint32 and tf as uint8 in two
blobs, so a list is read with np.frombuffer and nothing to decode: its runs in key order, joined.
Most terms are rare bigrams: a list of up to INLINE postings lives in the term's row instead.

Each write adds one run per term it holds postings of, and rewrites nothing held: passage ids only
grow (AUTOINCREMENT), so a new run goes after the others. Once a term has more than MAX_SMALL_RUNS
runs shorter than CHUNK (they all follow its full ones), those are merged into full runs of CHUNK
and one shorter; a list is thus read in at most df / CHUNK + MAX_SMALL_RUNS + 1 rows.

The largest tf and shortest passage bound what a term can add to a score (search.py prunes with
them); removing postings leaves them loose, never wrong. Everything is written in the caller's
transaction, with the passages: a committed issue is searchable, a rolled-back one never was, and
a backup of the file holds the index.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain
from typing import NamedTuple

import numpy as np

from ..sql_chunks import CHUNK as IN_CHUNK
from ..sql_chunks import in_chunks
from .params import CHUNK, INLINE, LENGTHS_PER_ROW, MAX_SMALL_RUNS

# A passage as the index sees it: its id, each term's count, and its length in grams.
PassageTerms = tuple[int, Counter, int]
MAX_TF = 255
MAX_LENGTH = np.iinfo(np.uint16).max
# Run numbers take the low bits of a run's key, the term id the rest.
_RUN_BITS = 24


class Term(NamedTuple):
    """A term's row."""

    id: int
    df: int
    max_tf: int
    min_length: int
    last_id: int
    next_run: int
    """0 while the list lives in the row (ids and tf)."""
    small_runs: int
    ids: bytes
    tf: bytes


def _key(term_id: int, run: int) -> int:
    return (term_id << _RUN_BITS) | run


def _runs_of(term_id: int) -> tuple[int, int]:
    return _key(term_id, 0), _key(term_id + 1, 0) - 1


def create_tables(db: sqlite3.Connection) -> None:
    # Looked up by term only, so that is the key (no second copy of every term in an index).
    db.execute(
        "CREATE TABLE index_terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL, df INTEGER NOT NULL,"
        " max_tf INTEGER NOT NULL, min_length INTEGER NOT NULL, last_id INTEGER NOT NULL,"
        " next_run INTEGER NOT NULL, small_runs INTEGER NOT NULL, ids BLOB NOT NULL, tf BLOB NOT NULL) WITHOUT ROWID"
    )
    # last_id before the blobs: removal finds a passage's run without reading any postings.
    db.execute(
        "CREATE TABLE index_runs (key INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, ids BLOB NOT NULL, tf BLOB NOT NULL)"
    )
    db.execute("CREATE TABLE index_lengths (row INTEGER PRIMARY KEY, lengths BLOB NOT NULL)")
    db.execute("CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.executemany("INSERT INTO index_meta VALUES (?, ?)", [("next_term_id", "1"), ("tokens", "0")])


TABLES = ("index_terms", "index_runs", "index_lengths", "index_meta")


class PostingLists:
    """Reads and writes the index tables of one open connection; the caller owns transactions."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._lengths: np.ndarray | None = None
        self._version = -1

    # --- reading ----------------------------------------------------------

    def terms(self, terms: Iterable[str]) -> dict[str, Term]:
        found: dict[str, Term] = {}
        # Sorted: each piece then reads neighbouring pages of the table.
        for chunk, marks in in_chunks(sorted(terms)):
            rows = self.db.execute(
                "SELECT term, id, df, max_tf, min_length, last_id, next_run, small_runs, ids, tf FROM index_terms"
                f" WHERE term IN ({marks})",
                chunk,
            )
            found.update((row[0], Term._make(row[1:])) for row in rows)
        return found

    def postings(self, terms: list[Term]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each term's passage ids (uint32, ascending) and tf (uint8), the runs of all of them
        read in one statement."""
        runs: dict[int, list[tuple[int, bytes, bytes]]] = {t.id: [] for t in terms if t.next_run}
        ranges = [_runs_of(term_id) for term_id in runs]
        for start in range(0, len(ranges), IN_CHUNK // 2):
            piece = ranges[start : start + IN_CHUNK // 2]
            rows = self.db.execute(
                "SELECT key, ids, tf FROM index_runs WHERE " + " OR ".join(["key BETWEEN ? AND ?"] * len(piece)),
                [bound for pair in piece for bound in pair],
            )
            for row in rows:
                runs[row[0] >> _RUN_BITS].append(row)
        lists = []
        for term in terms:
            if not term.next_run:
                lists.append((np.frombuffer(term.ids, "<u4"), np.frombuffer(term.tf, np.uint8)))
                continue
            held = sorted(runs[term.id])
            ids, tf = b"".join(r[1] for r in held), b"".join(r[2] for r in held)
            lists.append((np.frombuffer(ids, "<u4"), np.frombuffer(tf, np.uint8)))
        return lists

    def lengths(self) -> np.ndarray:
        """Every passage's length, indexed by id (0 for ids not held). Kept between questions and
        read again after a write, through this connection or another (SQLite's data_version)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._lengths is None or version != self._version:
            rows = self.db.execute("SELECT row, lengths FROM index_lengths ORDER BY row").fetchall()
            lengths = np.zeros((rows[-1][0] + 1) * LENGTHS_PER_ROW if rows else 0, np.uint16)
            for row, data in rows:
                lengths[row * LENGTHS_PER_ROW : (row + 1) * LENGTHS_PER_ROW] = np.frombuffer(data, "<u2")
            self._lengths, self._version = lengths, version
        return self._lengths

    def tokens(self) -> int:
        return int(self.db.execute("SELECT value FROM index_meta WHERE key = 'tokens'").fetchone()[0])

    def forget(self) -> None:
        """This connection wrote (or rolled back): its own writes do not change data_version."""
        self._lengths = None

    # --- writing ----------------------------------------------------------

    def add(self, passages: list[PassageTerms]) -> None:
        """Fold passages in; their ids must be above every id already indexed.

        Built with array operations over the whole batch: an ingest of 500 issues brings hundreds
        of thousands of terms, and a numpy call per term would cost more than reading the files.
        """
        if not passages:
            return
        self.forget()
        self._set_lengths([(pid, length) for pid, _, length in passages])
        terms, code, ids, tf, lengths = _flatten(passages)
        if not terms:
            return
        held = self.terms(terms)
        starts = np.searchsorted(code, np.arange(len(terms) + 1))
        first = ids[starts[:-1]].tolist()
        last = ids[starts[1:] - 1].tolist()
        new_df = np.diff(starts).tolist()
        max_tf = np.maximum.reduceat(tf, starts[:-1]).tolist()
        min_length = np.minimum.reduceat(lengths, starts[:-1]).tolist()
        # Rows are cut from two byte strings: slicing bytes costs far less than a numpy call per term.
        id_bytes, tf_bytes = ids.tobytes(), tf.tobytes()
        starts = starts.tolist()
        next_id = int(self.db.execute("SELECT value FROM index_meta WHERE key = 'next_term_id'").fetchone()[0])
        rows, runs, merge = [], [], []
        for c, term in enumerate(terms):
            a, b = starts[c], starts[c + 1]
            row = held.get(term)
            if row is None:  # a new term: an empty list in a row of its own
                row = Term(next_id, 0, 0, MAX_LENGTH, -1, 0, 0, b"", b"")
                next_id += 1
            elif first[c] <= row.last_id:
                raise ValueError(f"passage ids must grow: {first[c]} after {row.last_id} ({term!r})")
            df = row.df + new_df[c]
            ids_here, tf_here, inline_ids, inline_tf = id_bytes[4 * a : 4 * b], tf_bytes[a:b], b"", b""
            next_run, small_runs = row.next_run, row.small_runs
            if not next_run and df <= INLINE:
                inline_ids, inline_tf = row.ids + ids_here, row.tf + tf_here
            else:
                if not next_run:  # the list outgrows the row: its postings lead the first run
                    ids_here, tf_here = row.ids + ids_here, row.tf + tf_here
                runs.append((_key(row.id, next_run), last[c], ids_here, tf_here))
                next_run, small_runs = next_run + 1, small_runs + (len(tf_here) < CHUNK)
                if small_runs > MAX_SMALL_RUNS:
                    merge.append(term)
            rows.append(
                (
                    term, row.id, df, max(row.max_tf, max_tf[c]), min(row.min_length, min_length[c]), last[c],
                    next_run, small_runs, inline_ids, inline_tf,
                )
            )  # fmt: skip
        # In key order: B-tree pages are filled and rewritten one after another.
        runs.sort(key=lambda r: r[0])
        self.db.executemany("INSERT INTO index_runs VALUES (?, ?, ?, ?)", runs)
        rows.sort(key=lambda r: r[0])
        self.db.executemany("INSERT OR REPLACE INTO index_terms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.db.execute("UPDATE index_meta SET value = ? WHERE key = 'next_term_id'", [str(next_id)])
        for term, row in self.terms(merge).items():
            self._merge_small_runs(term, row)

    def _merge_small_runs(self, term: str, row: Term) -> None:
        """A term's runs after its last full one become full runs and one shorter."""
        first, end = _runs_of(row.id)
        full = self.db.execute(
            "SELECT max(key) FROM index_runs WHERE key BETWEEN ? AND ? AND length(tf) >= ?", [first, end, CHUNK]
        ).fetchone()[0]
        held = self.db.execute(
            "SELECT key, ids, tf FROM index_runs WHERE key BETWEEN ? AND ? ORDER BY key",
            [first if full is None else full + 1, end],
        ).fetchall()
        ids = b"".join(r[1] for r in held)
        tf = b"".join(r[2] for r in held)
        self.db.executemany("DELETE FROM index_runs WHERE key = ?", [(r[0],) for r in held])
        number, new = row.next_run, []
        for start in range(0, len(tf), CHUNK):
            end = min(start + CHUNK, len(tf))
            last = int.from_bytes(ids[4 * end - 4 : 4 * end], "little")
            new.append((_key(row.id, number), last, ids[4 * start : 4 * end], tf[start:end]))
            number += 1
        self.db.executemany("INSERT INTO index_runs VALUES (?, ?, ?, ?)", new)
        small = int(len(tf) % CHUNK > 0)
        self.db.execute("UPDATE index_terms SET next_run = ?, small_runs = ? WHERE term = ?", [number, small, term])

    def remove(self, passages: list[PassageTerms]) -> None:
        """Fold passages out: their postings leave the runs that hold them."""
        if not passages:
            return
        self.forget()
        self._set_lengths([(pid, 0) for pid, _, _ in passages])
        gone: dict[str, list[int]] = defaultdict(list)
        for passage_id, counts, _ in passages:
            for term in counts:
                gone[term].append(passage_id)
        for term, row in self.terms(gone).items():
            removed = np.array(sorted(gone[term]), np.uint32)
            # A short list is filtered in its row; a long one in the runs that can hold the ids
            # (an emptied run stays until its term goes: it bounds where the next run's ids start).
            held = [(None, row.ids, row.tf)] if not row.next_run else []
            if row.next_run:
                keys, ends = zip(
                    *self.db.execute("SELECT key, last_id FROM index_runs WHERE key BETWEEN ? AND ?", _runs_of(row.id))
                )
                for at in np.unique(np.searchsorted(np.array(ends), removed)).tolist():
                    if at < len(keys):  # past the last run: never indexed
                        held.append(
                            (
                                keys[at],
                                *self.db.execute("SELECT ids, tf FROM index_runs WHERE key = ?", [keys[at]]).fetchone(),
                            )
                        )
            df = row.df
            for key, ids_data, tf_data in held:
                ids, tf = np.frombuffer(ids_data, "<u4"), np.frombuffer(tf_data, np.uint8)
                keep = ~np.isin(ids, removed)
                df -= len(ids) - int(keep.sum())
                if key is None:
                    self.db.execute(
                        "UPDATE index_terms SET ids = ?, tf = ? WHERE term = ?",
                        [ids[keep].tobytes(), tf[keep].tobytes(), term],
                    )
                else:
                    self.db.execute(
                        "UPDATE index_runs SET ids = ?, tf = ? WHERE key = ?",
                        [ids[keep].tobytes(), tf[keep].tobytes(), key],
                    )
            if df <= 0:
                self.db.execute("DELETE FROM index_runs WHERE key BETWEEN ? AND ?", _runs_of(row.id))
                self.db.execute("DELETE FROM index_terms WHERE term = ?", [term])
            else:
                self.db.execute("UPDATE index_terms SET df = ? WHERE term = ?", [df, term])

    def clear(self) -> None:
        self.forget()
        for table in ("index_runs", "index_terms", "index_lengths"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.executemany("UPDATE index_meta SET value = ? WHERE key = ?", [("1", "next_term_id"), ("0", "tokens")])

    def _set_lengths(self, lengths: list[tuple[int, int]]) -> None:
        """Store passages' lengths (0: the passage left) and keep the token total in step."""
        by_row: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pid, length in lengths:
            by_row[pid // LENGTHS_PER_ROW].append((pid % LENGTHS_PER_ROW, min(length, MAX_LENGTH)))
        held: dict[int, bytes] = {}
        for chunk, marks in in_chunks(list(by_row)):
            held.update(self.db.execute(f"SELECT row, lengths FROM index_lengths WHERE row IN ({marks})", chunk))
        change, rows = 0, []
        for row, values in by_row.items():
            array = np.frombuffer(held[row], "<u2").copy() if row in held else np.zeros(LENGTHS_PER_ROW, "<u2")
            at = np.array([i for i, _ in values])
            new = np.array([n for _, n in values], np.int64)
            change += int(new.sum() - array[at].astype(np.int64).sum())
            array[at] = new
            rows.append((row, array.tobytes()))
        self.db.executemany("INSERT OR REPLACE INTO index_lengths VALUES (?, ?)", rows)
        self.db.execute("UPDATE index_meta SET value = value + ? WHERE key = 'tokens'", [change])


def _flatten(passages: list[PassageTerms]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every posting of a batch as arrays sorted by (term code, passage id): the batch's terms (a
    code is a position in that list), then code, id (uint32), tf (uint8) and the passage's length.
    Built with C-level iteration: a batch holds millions of postings."""
    every = [term for _, counts, _ in passages for term in counts]
    terms = list(dict.fromkeys(every))
    position = {term: code for code, term in enumerate(terms)}
    code = np.fromiter(map(position.__getitem__, every), np.int64, len(every))
    tf = np.fromiter(chain.from_iterable(counts.values() for _, counts, _ in passages), np.int64, len(every))
    sizes = [len(counts) for _, counts, _ in passages]
    passage_ids = np.array([pid for pid, _, _ in passages], np.int64)
    ids = np.repeat(passage_ids, sizes)
    lengths = np.repeat(np.array([min(n, MAX_LENGTH) for _, _, n in passages], np.int64), sizes)
    # Passages come in id order (as stored): a stable sort by term alone keeps ids ascending.
    ordered = bool((np.diff(passage_ids) > 0).all())
    order = np.argsort(code, kind="stable") if ordered else np.lexsort((ids, code))
    tf = np.minimum(tf[order], MAX_TF).astype(np.uint8)
    return terms, code[order], ids[order].astype("<u4"), tf, lengths[order]

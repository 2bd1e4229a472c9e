"""The term index in the archive file: docid-ordered posting lists in blocks, with per-block bounds.

Each (field, term) has a row in `index_terms` with its df, its skip list (for every block: its
number, its last passage id, its largest tf and its shortest length, which bound any contribution
inside it) and its tail: the last block while it holds fewer than BLOCK postings. Full blocks are
rows of `index_blocks`. Most terms are rare and live in their row alone; a question reads lists
whole, or only the blocks it needs of long ones (index_postings.py); adding an issue rewrites
only each term's row and the blocks its tail fills. Passage ids only grow, so new postings always
go at the end of a list.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Iterable

import numpy as np

from . import posting_blocks
from .batch_arrays import CODED, SKIP, TAIL, PassageTerms, bounds, cut_blocks, flatten
from .index_postings import IndexPostings
from .read_cache import HeldTerm, KeptTerm, ReadCache
from .scoring import (
    BLOCK,
    CHARS,
    FIELDS,
    MAX_COUNT,
    POSTING,
    FieldStats,
    QueryTerm,
    idf,
    impact_bound,
)
from .sql_chunks import in_chunks

# Block numbers take the low bits of a block's key, the term id the rest.
_BLOCK_BITS = 20


def _key(term_id: int, block: int) -> int:
    return (term_id << _BLOCK_BITS) | block


def _term_keys(term_id: int) -> tuple[int, int]:
    """The range of keys of a term's blocks."""
    return term_id << _BLOCK_BITS, ((term_id + 1) << _BLOCK_BITS) - 1


def create_tables(db: sqlite3.Connection) -> None:
    # Looked up by (field, term) only, so that is the table's key (no second copy of every term in
    # an index); `id` names the term's blocks and comes from index_meta's next_term_id.
    db.execute(
        "CREATE TABLE index_terms (field INTEGER NOT NULL, term TEXT NOT NULL, id INTEGER NOT NULL,"
        " df INTEGER NOT NULL, skips BLOB NOT NULL, tail BLOB NOT NULL, PRIMARY KEY (field, term)) WITHOUT ROWID"
    )
    # Keyed by term id and block number in one integer (see _key): a rowid table keeps a 1 kB
    # block on its page, where a WITHOUT ROWID table would spill every one to an overflow page.
    db.execute("CREATE TABLE index_blocks (key INTEGER PRIMARY KEY, postings BLOB NOT NULL)")
    db.execute("CREATE TABLE index_fields (field INTEGER PRIMARY KEY, tokens INTEGER NOT NULL)")
    db.executemany("INSERT INTO index_fields VALUES (?, 0)", [(f,) for f in FIELDS])
    db.execute("CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO index_meta VALUES ('next_term_id', '1')")


def drop_tables(db: sqlite3.Connection) -> None:
    for table in ("index_terms", "index_blocks", "index_fields", "index_meta", "terms", "index_totals"):
        db.execute(f"DROP TABLE IF EXISTS {table}")


class TermIndex:
    """Reads and writes the index tables of one open connection; the caller owns transactions."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._lengths: dict[int, np.ndarray] | None = None
        self._lengths_version = -1
        self.kept = ReadCache()

    def lengths(self) -> dict[int, np.ndarray]:
        """Each field's passage lengths, indexed by passage id: what postings do not repeat.

        Kept between questions; reloaded when this connection wrote passages, or another one did
        (SQLite's data_version changes)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._lengths is None or version != self._lengths_version:
            rows = np.array(self.db.execute("SELECT id, char_len FROM passages").fetchall(), np.int64)
            size = int(rows[:, 0].max()) + 1 if len(rows) else 1
            array = np.zeros(size, np.uint16)
            if len(rows):
                array[rows[:, 0]] = np.minimum(rows[:, 1], MAX_COUNT)
            self._lengths = {CHARS: array}
            self._lengths_version = version
            self.kept.clear()
        return self._lengths

    def forget_lengths(self) -> None:
        """Passages were written through this connection: lengths (and what questions kept) are
        read again when next needed."""
        self._lengths = None
        self.kept.clear()

    def postings(self, field: int, blocks: list[bytes], lengths: np.ndarray | None = None) -> np.ndarray:
        """Encoded blocks of one field's list as postings with their passages' lengths."""
        ids, tf = posting_blocks.decode_all(blocks, BLOCK)
        out = np.empty(len(ids), POSTING)
        out["id"] = ids
        out["tf"] = tf
        lengths = self.lengths()[field] if lengths is None else lengths
        # A passage removed in this transaction may be past the array: its length no longer matters.
        out["len"] = lengths[np.minimum(ids, len(lengths) - 1)] if len(ids) else 0
        return out

    # --- writing ----------------------------------------------------------

    def add(self, passages: list[PassageTerms]) -> None:
        """Fold passages in; their ids must be above every id already indexed.

        Built with array operations over the whole batch: an ingest of 500 issues brings hundreds
        of thousands of terms, most of them new, and a loop of SQL and numpy calls per term would
        cost more than reading the files.
        """
        if not passages:
            return
        self.forget_lengths()
        new, keys, lengths = flatten(passages)
        self._add_lengths(lengths, sign=1)
        held = self._held(keys)
        terms = [held.get(key) for key in keys]
        first_new = np.full(len(keys), np.iinfo(np.int64).max)
        np.minimum.at(first_new, new["code"], new["id"])
        first_block = np.zeros(len(keys), np.int64)
        tail_codes, tail_blocks = [], []
        for code, term in enumerate(terms):
            if term is None or not len(term.skips):
                continue
            if int(term.skips["last_id"][-1]) >= first_new[code]:
                raise ValueError(f"passage ids must grow: {first_new[code]} after {int(term.skips['last_id'][-1])}")
            full = term.full_skips
            first_block[code] = int(full["block"][-1]) + 1 if len(full) else 0
            if term.tail:
                tail_codes.append(code)
                tail_blocks.append(term.tail)
        tail_parts = [self._coded_tails(keys, tail_codes, tail_blocks)] if tail_blocks else []
        every = np.concatenate([*tail_parts, new]) if tail_parts else new
        every = every[np.lexsort((every["id"], every["code"]))]
        blocks = cut_blocks(every, first_block, BLOCK)
        # Rows are cut from two byte strings: slicing bytes costs far less than a numpy call per term.
        encoded = posting_blocks.encode_many(every["id"], every["tf"], blocks.starts, blocks.ends)
        skips = blocks.skips.tobytes()
        width = SKIP.itemsize
        is_tail = blocks.skips["block"] == TAIL
        tails = dict(zip(blocks.code[is_tail].tolist(), np.flatnonzero(is_tail).tolist()))
        per_term = np.searchsorted(blocks.code, np.arange(len(keys) + 1)).tolist()
        df = np.bincount(new["code"], minlength=len(keys)).tolist()
        next_id = int(self.db.execute("SELECT value FROM index_meta WHERE key = 'next_term_id'").fetchone()[0])
        term_ids, inserts, updates = [], [], []
        for code, (key, term) in enumerate(zip(keys, terms)):
            added = skips[per_term[code] * width : per_term[code + 1] * width]
            at = tails.get(code)
            tail = encoded[at] if at is not None else b""
            if term is None:
                term_ids.append(next_id)
                inserts.append((next_id, key[0], key[1], df[code], added, tail))
                next_id += 1
            else:
                term_ids.append(term.id)
                updates.append((term.df + df[code], term.full_skips.tobytes() + added, tail, key[0], key[1]))
        full = ~is_tail
        self.db.executemany(
            "INSERT OR REPLACE INTO index_blocks VALUES (?, ?)",
            (
                (_key(term_ids[c], n), encoded[i])
                for c, n, i in zip(
                    blocks.code[full].tolist(), blocks.skips["block"][full].tolist(), np.flatnonzero(full).tolist()
                )
            ),
        )
        self.db.executemany(
            "INSERT INTO index_terms (id, field, term, df, skips, tail) VALUES (?, ?, ?, ?, ?, ?)", inserts
        )
        self.db.executemany("UPDATE index_terms SET df = ?, skips = ?, tail = ? WHERE field = ? AND term = ?", updates)
        self.db.execute("UPDATE index_meta SET value = ? WHERE key = 'next_term_id'", [str(next_id)])

    def remove(self, passages: list[PassageTerms]) -> None:
        """Fold passages out: their postings leave the blocks that hold them."""
        if not passages:
            return
        self.forget_lengths()
        gone: dict[tuple[int, str], list[int]] = defaultdict(list)
        lengths = dict.fromkeys(FIELDS, 0)
        for passage_id, fields in passages:
            for field, (counts, length) in fields.items():
                lengths[field] += length
                for term in counts:
                    gone[(field, term)].append(passage_id)
        self._add_lengths(lengths, sign=-1)
        held = self._held(gone)
        for key, ids in gone.items():
            term = held.get(key)
            if term is None:
                continue
            removed = np.array(sorted(ids), dtype=np.int32)
            positions = np.unique(np.searchsorted(term.skips["last_id"], removed))
            skips = term.skips.copy()
            tail = term.tail
            keep = np.ones(len(skips), bool)
            dropped = 0
            for position in positions[positions < len(skips)]:
                number = int(skips["block"][position])
                postings = self.postings(key[0], [tail if number == TAIL else self._block(term.id, number)])
                left = postings[~np.isin(postings["id"], removed)]
                dropped += len(postings) - len(left)
                data = posting_blocks.encode(left["id"], left["tf"]) if len(left) else b""
                if number == TAIL:
                    tail = data
                elif len(left):
                    self.db.execute("UPDATE index_blocks SET postings = ? WHERE key = ?", [data, _key(term.id, number)])
                else:
                    self.db.execute("DELETE FROM index_blocks WHERE key = ?", [_key(term.id, number)])
                if len(left):
                    skips[position] = (number, *bounds(left))
                else:
                    keep[position] = False
            if term.df - dropped <= 0:
                self.db.execute("DELETE FROM index_blocks WHERE key BETWEEN ? AND ?", _term_keys(term.id))
                self.db.execute("DELETE FROM index_terms WHERE field = ? AND term = ?", list(key))
            else:
                self.db.execute(
                    "UPDATE index_terms SET df = ?, skips = ?, tail = ? WHERE field = ? AND term = ?",
                    [term.df - dropped, skips[keep].tobytes(), tail, *key],
                )

    def clear(self) -> None:
        self.forget_lengths()
        self.db.execute("DELETE FROM index_blocks")
        self.db.execute("DELETE FROM index_terms")
        self.db.execute("UPDATE index_meta SET value = '1' WHERE key = 'next_term_id'")
        self.db.execute("UPDATE index_fields SET tokens = 0")

    def _add_lengths(self, lengths: dict[int, int], sign: int) -> None:
        self.db.executemany(
            "UPDATE index_fields SET tokens = tokens + ? WHERE field = ?", [(sign * n, f) for f, n in lengths.items()]
        )

    def _coded_tails(self, keys: list[tuple[int, str]], codes: list[int], tails: list[bytes]) -> np.ndarray:
        """The postings of many terms' tails, decoded at once, with their codes and lengths."""
        ids, tf, sizes = posting_blocks.decode_many(tails)
        code = np.repeat(np.array(codes, np.int64), sizes)
        fields = np.array([keys[c][0] for c in codes], np.int64)[np.repeat(np.arange(len(codes)), sizes)]
        out = np.empty(len(ids), CODED)
        out["code"], out["id"], out["tf"] = code, ids, tf
        lengths = self.lengths()
        out["len"] = 0
        for field, array in lengths.items():
            mine = fields == field
            out["len"][mine] = array[np.minimum(ids[mine], len(array) - 1)]
        return out

    def _block(self, term_id: int, number: int) -> bytes:
        return self.db.execute("SELECT postings FROM index_blocks WHERE key = ?", [_key(term_id, number)]).fetchone()[0]

    def read_list(self, field: int, term: HeldTerm, lengths: np.ndarray) -> np.ndarray:
        """A term's whole list, read from the file."""
        rows = self.db.execute(
            "SELECT postings FROM index_blocks WHERE key BETWEEN ? AND ? ORDER BY key", _term_keys(term.id)
        )
        return self.postings(field, [*(r[0] for r in rows), term.tail], lengths)

    def read_blocks(self, field: int, term: HeldTerm, positions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The postings of the blocks at these positions of a term's skip list, in id order."""
        numbers = term.skips["block"][positions].tolist()
        stored = [n for n in numbers if n != TAIL]
        parts = []
        for chunk, marks in in_chunks(stored):
            rows = self.db.execute(
                f"SELECT postings FROM index_blocks WHERE key IN ({marks}) ORDER BY key",
                [_key(term.id, n) for n in chunk],
            )
            parts += [r[0] for r in rows]
        if len(stored) < len(numbers):
            parts.append(term.tail)  # the tail holds the list's last ids
        return self.postings(field, parts, lengths)

    # --- reading ----------------------------------------------------------

    def _held(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], HeldTerm]:
        by_field: dict[int, list[str]] = defaultdict(list)
        for field, term in keys:
            by_field[field].append(term)
        held = {}
        for field, terms in by_field.items():
            for chunk, marks in in_chunks(terms):
                rows = self.db.execute(
                    f"SELECT id, term, df, skips, tail FROM index_terms WHERE field = ? AND term IN ({marks})",
                    [field, *chunk],
                )
                for term_id, term, df, skips, tail in rows:
                    held[(field, term)] = HeldTerm(term_id, df, np.frombuffer(skips, dtype=SKIP), tail)
        return held

    def field_stats(self, passages: int) -> dict[int, FieldStats]:
        tokens = dict(self.db.execute("SELECT field, tokens FROM index_fields"))
        return {f: FieldStats(passages, tokens.get(f, 0) / passages if passages else 0.0) for f in FIELDS}

    def query_terms(
        self, weighted: dict[tuple[int, str], float], stats: dict[int, FieldStats]
    ) -> tuple[list[QueryTerm], IndexPostings]:
        """The question's terms with their IDF and bounds, and where top_k reads their postings."""
        source = IndexPostings(self, stats)  # first: drops what was kept if the archive changed
        kept = {key: self.kept.terms.get(key, stats[key[0]].average_length) for key in weighted}
        missing = [key for key, found in kept.items() if found is None]
        for key, held in self._held(missing).items():
            average = stats[key[0]].average_length
            made = KeptTerm(held, average, impact_bound(key[0], held.skips["max_tf"], held.skips["min_len"], average))
            self.kept.keep_term(key, made)
            kept[key] = made
        terms = []
        for key, weight in weighted.items():
            field, term = key
            found = kept[key]
            df = found.held.df if found else 0
            value = idf(stats[field].passages, df)
            if found is None or not len(found.held.skips):
                terms.append(QueryTerm(field, term, weight, value, 0.0, 0))
                continue
            # The list's bound: the largest of its blocks' bounds.
            top = found.block_impacts.max()
            terms.append(QueryTerm(field, term, weight, value, float(weight * value * top), df))
            source.held[key] = found
        return terms, source

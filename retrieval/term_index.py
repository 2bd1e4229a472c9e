"""The term index in the archive file: docid-ordered posting lists in blocks, with per-block bounds.

Each (field, term) has a row in `index_terms` with its df and its skip list: for every block, the
block's number, its last passage id, its largest tf and its shortest length (what bounds any
contribution inside it). The postings themselves are in `index_blocks`, BLOCK to a row, so a
question reads the lists of its rare terms whole and only the blocks it needs of its common ones,
and adding an issue touches only each term's last block. Passage ids only grow, so new postings
always go at the end of a list.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .scoring import BLOCK, FIELDS, MAX_COUNT, POSTING, BlockBounds, FieldStats, QueryTerm, idf, impact_bound

SKIP = np.dtype([("block", "<i4"), ("last_id", "<i4"), ("max_tf", "<u2"), ("min_len", "<u2")])
# SQLite's default limit on host parameters is 999 before 3.32; stay under it.
_CHUNK = 900

# A passage as the index sees it: per field, each term's count, and the field's length.
PassageTerms = tuple[int, dict[int, tuple[dict[str, int], int]]]


def create_tables(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE index_terms (id INTEGER PRIMARY KEY, field INTEGER NOT NULL, term TEXT NOT NULL,"
        " df INTEGER NOT NULL, skips BLOB NOT NULL)"
    )
    db.execute("CREATE UNIQUE INDEX idx_index_terms_field_term ON index_terms(field, term)")
    db.execute(
        "CREATE TABLE index_blocks (term_id INTEGER NOT NULL, block INTEGER NOT NULL, postings BLOB NOT NULL,"
        " PRIMARY KEY (term_id, block)) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE index_fields (field INTEGER PRIMARY KEY, tokens INTEGER NOT NULL)")
    db.executemany("INSERT INTO index_fields VALUES (?, 0)", [(f,) for f in FIELDS])
    db.execute("CREATE TABLE index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def drop_tables(db: sqlite3.Connection) -> None:
    for table in ("index_terms", "index_blocks", "index_fields", "index_meta", "terms", "index_totals"):
        db.execute(f"DROP TABLE IF EXISTS {table}")


@dataclass(frozen=True)
class HeldTerm:
    id: int
    df: int
    skips: np.ndarray


class TermIndex:
    """Reads and writes the index tables of one open connection; the caller owns transactions."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    # --- writing ----------------------------------------------------------

    def add(self, passages: list[PassageTerms]) -> None:
        """Fold passages in; their ids must be above every id already indexed."""
        if not passages:
            return
        grouped: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
        lengths = dict.fromkeys(FIELDS, 0)
        for passage_id, fields in sorted(passages, key=lambda p: p[0]):
            for field, (counts, length) in fields.items():
                lengths[field] += length
                clipped = min(length, MAX_COUNT)
                for term, tf in counts.items():
                    grouped[(field, term)].append((passage_id, min(tf, MAX_COUNT), clipped))
        self._add_lengths(lengths, sign=1)
        held = self._held(grouped)
        tails = self._tails([(t.id, int(t.skips["block"][-1])) for t in held.values() if len(t.skips)])
        term_rows, block_rows = [], []
        for key, entries in grouped.items():
            new = np.array(entries, dtype=POSTING)
            term = held.get(key)
            skips = term.skips if term else np.zeros(0, SKIP)
            if len(skips) and skips["last_id"][-1] >= new["id"][0]:
                raise ValueError(f"passage ids must grow: {new['id'][0]} after {skips['last_id'][-1]}")
            first_block = int(skips["block"][-1]) + 1 if len(skips) else 0
            if term and (tail := tails.get(term.id)) is not None and len(tail) < BLOCK:
                # The last block has room: it is rewritten with the new postings at its end.
                new = np.concatenate([tail, new])
                first_block -= 1
                skips = skips[:-1]
            term_id = term.id if term else self._new_term(key)
            pieces = [new[i : i + BLOCK] for i in range(0, len(new), BLOCK)]
            added = np.array([(first_block + n, *_bounds(p)) for n, p in enumerate(pieces)], dtype=SKIP)
            block_rows += [(term_id, first_block + n, p.tobytes()) for n, p in enumerate(pieces)]
            df = (term.df if term else 0) + len(entries)
            term_rows.append((df, np.concatenate([skips, added]).tobytes(), term_id))
        self.db.executemany("INSERT OR REPLACE INTO index_blocks VALUES (?, ?, ?)", block_rows)
        self.db.executemany("UPDATE index_terms SET df = ?, skips = ? WHERE id = ?", term_rows)

    def remove(self, passages: list[PassageTerms]) -> None:
        """Fold passages out: their postings leave the blocks that hold them."""
        if not passages:
            return
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
            keep = np.ones(len(skips), bool)
            dropped = 0
            for position in positions[positions < len(skips)]:
                number = int(skips["block"][position])
                postings = self._block(term.id, number)
                left = postings[~np.isin(postings["id"], removed)]
                dropped += len(postings) - len(left)
                if len(left):
                    self.db.execute(
                        "UPDATE index_blocks SET postings = ? WHERE term_id = ? AND block = ?",
                        [left.tobytes(), term.id, number],
                    )
                    skips[position] = (number, *_bounds(left))
                else:
                    self.db.execute("DELETE FROM index_blocks WHERE term_id = ? AND block = ?", [term.id, number])
                    keep[position] = False
            if term.df - dropped <= 0:
                self.db.execute("DELETE FROM index_blocks WHERE term_id = ?", [term.id])
                self.db.execute("DELETE FROM index_terms WHERE id = ?", [term.id])
            else:
                self.db.execute(
                    "UPDATE index_terms SET df = ?, skips = ? WHERE id = ?",
                    [term.df - dropped, skips[keep].tobytes(), term.id],
                )

    def clear(self) -> None:
        self.db.execute("DELETE FROM index_blocks")
        self.db.execute("DELETE FROM index_terms")
        self.db.execute("UPDATE index_fields SET tokens = 0")

    def _add_lengths(self, lengths: dict[int, int], sign: int) -> None:
        self.db.executemany(
            "UPDATE index_fields SET tokens = tokens + ? WHERE field = ?", [(sign * n, f) for f, n in lengths.items()]
        )

    def _new_term(self, key: tuple[int, str]) -> int:
        return self.db.execute(
            "INSERT INTO index_terms (field, term, df, skips) VALUES (?, ?, 0, x'')", list(key)
        ).lastrowid

    def _tails(self, blocks: list[tuple[int, int]]) -> dict[int, np.ndarray]:
        """The postings of each (term id, block number) given, by term id."""
        tails = {}
        for start in range(0, len(blocks), _CHUNK // 2):
            chunk = blocks[start : start + _CHUNK // 2]
            rows = self.db.execute(
                "SELECT term_id, postings FROM index_blocks WHERE (term_id, block) IN"
                f" (VALUES {','.join('(?, ?)' * 1 for _ in chunk)})",
                [v for pair in chunk for v in pair],
            )
            tails.update((term_id, np.frombuffer(data, dtype=POSTING)) for term_id, data in rows)
        return tails

    def _block(self, term_id: int, number: int) -> np.ndarray:
        row = self.db.execute(
            "SELECT postings FROM index_blocks WHERE term_id = ? AND block = ?", [term_id, number]
        ).fetchone()
        return np.frombuffer(row[0], dtype=POSTING)

    # --- reading ----------------------------------------------------------

    def _held(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], HeldTerm]:
        by_field: dict[int, list[str]] = defaultdict(list)
        for field, term in keys:
            by_field[field].append(term)
        held = {}
        for field, terms in by_field.items():
            for start in range(0, len(terms), _CHUNK):
                chunk = terms[start : start + _CHUNK]
                rows = self.db.execute(
                    f"SELECT id, term, df, skips FROM index_terms WHERE field = ? AND term IN ({','.join('?' * len(chunk))})",
                    [field, *chunk],
                )
                for term_id, term, df, skips in rows:
                    held[(field, term)] = HeldTerm(term_id, df, np.frombuffer(skips, dtype=SKIP))
        return held

    def field_stats(self, passages: int) -> dict[int, FieldStats]:
        tokens = dict(self.db.execute("SELECT field, tokens FROM index_fields"))
        return {f: FieldStats(passages, tokens.get(f, 0) / passages if passages else 0.0) for f in FIELDS}

    def query_terms(
        self, weighted: dict[tuple[int, str], float], stats: dict[int, FieldStats]
    ) -> tuple[list[QueryTerm], "IndexPostings"]:
        """The question's terms with their IDF and bounds, and where top_k reads their postings."""
        held = self._held(weighted)
        terms, source = [], IndexPostings(self.db)
        for key, weight in weighted.items():
            field, term = key
            found = held.get(key)
            df = found.df if found else 0
            value = idf(stats[field].passages, df)
            if found is None or not len(found.skips):
                terms.append(QueryTerm(field, term, weight, value, 0.0, 0))
                continue
            bounds = weight * value * impact_bound(field, found.skips["max_tf"], found.skips["min_len"], stats[field].average_length)
            query_term = QueryTerm(field, term, weight, value, float(bounds.max()), df)
            source.held[key] = (found, BlockBounds(found.skips["last_id"].astype(np.int64), bounds))
            terms.append(query_term)
        return terms, source


class IndexPostings:
    """A question's view of the posting lists (scoring.Postings), reading blocks as asked."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.held: dict[tuple[int, str], tuple[HeldTerm, BlockBounds]] = {}

    def full(self, term: QueryTerm) -> np.ndarray:
        held, _ = self.held[term.key]
        rows = self.db.execute("SELECT postings FROM index_blocks WHERE term_id = ? ORDER BY block", [held.id])
        return np.frombuffer(b"".join(r[0] for r in rows), dtype=POSTING)

    def blocks(self, term: QueryTerm) -> BlockBounds:
        return self.held[term.key][1]

    def at(self, term: QueryTerm, positions: np.ndarray) -> np.ndarray:
        held, _ = self.held[term.key]
        numbers = held.skips["block"][positions].tolist()
        parts = []
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            rows = self.db.execute(
                f"SELECT postings FROM index_blocks WHERE term_id = ? AND block IN ({','.join('?' * len(chunk))})"
                " ORDER BY block",
                [held.id, *chunk],
            )
            parts += [r[0] for r in rows]
        return np.frombuffer(b"".join(parts), dtype=POSTING)


def _bounds(postings: np.ndarray) -> tuple[int, int, int]:
    """A block's last id, largest tf and shortest length."""
    return int(postings["id"][-1]), int(postings["tf"].max()), int(postings["len"].min())

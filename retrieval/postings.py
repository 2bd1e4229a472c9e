"""The term index's arithmetic: BM25 impacts, capped posting lists and their packing. No I/O.

Each term keeps the passages where it weighs most: up to TOP_POSTINGS (passage id, impact) pairs,
highest impact first. A rare term's list holds every passage it occurs in; a common term's (文明,
工作) only its strongest passages, so a question costs what its lists cost, not what the archive
holds (champion lists, Manning et al., Introduction to Information Retrieval, 7.1.3). The impact
is BM25's term-frequency part; the IDF is applied at question time, so it stays exact as the
archive grows.
"""

from __future__ import annotations

import struct
from collections import Counter

import numpy as np

# BM25 parameters (Robertson and Zaragoza 2009; the values Lucene and FTS5 use).
K1 = 1.2
B = 0.75
TOP_POSTINGS = 1000
POSTING = np.dtype([("id", "<i4"), ("impact", "<f4")])
_PAIR = struct.Struct("<if")
# Lists up to this long are merged in plain Python.
SHORT_LIST = 64


def impact(tf: int, length: int, average_length: float) -> float:
    """BM25's saturated, length-normalised term frequency."""
    norm = K1 * (1 - B + B * length / average_length) if average_length > 0 else K1
    return tf * (K1 + 1) / (tf + norm)


def passage_impacts(tokens: list[str], average_length: float) -> dict[str, float]:
    counts = Counter(tokens)
    return {term: impact(tf, len(tokens), average_length) for term, tf in counts.items()}


def pack(postings: list[tuple[int, float]]) -> bytes:
    """Interleaved little-endian (int32 id, float32 impact) pairs, so a prefix is the best postings."""
    return b"".join(_PAIR.pack(*p) for p in postings)


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=POSTING)


def merge(blob: bytes | None, added: list[tuple[int, float]], removed: set[int]) -> tuple[bytes, float]:
    """A term's list with passages added and removed, best TOP_POSTINGS kept; and its floor, the
    lowest impact kept once the list is full (0 while it is not), below which a new passage can
    be skipped without reading the list."""
    # Removals apply to the old list only: a new passage may reuse a removed passage's id.
    if len(blob or b"") + 8 * len(added) <= 8 * SHORT_LIST:
        # Most terms are rare and their lists short: plain Python beats numpy's cost per call.
        old = [p for p in _PAIR.iter_unpack(blob or b"") if p[0] not in removed]
        pairs = sorted(old + list(_PAIR.iter_unpack(pack(added))), key=lambda p: (-p[1], p[0]))
        kept = pairs[:TOP_POSTINGS]
        floor = kept[-1][1] if len(kept) == TOP_POSTINGS else 0.0
        return b"".join(_PAIR.pack(*p) for p in kept), floor
    old = unpack(blob or b"")
    if removed:
        old = old[~np.isin(old["id"], np.fromiter(removed, dtype=np.int32, count=len(removed)))]
    both = np.concatenate([old, unpack(pack(added))])
    # Best impact first; among equals, the older passage first, so lists are deterministic.
    kept = both[np.lexsort((both["id"], -both["impact"]))][:TOP_POSTINGS]
    floor = float(kept["impact"][-1]) if len(kept) == TOP_POSTINGS else 0.0
    return kept.tobytes(), floor


def best_passages(
    lists: list[tuple[float, float, bytes]], want: int, budget: int, allowed: np.ndarray | None = None
) -> list[int]:
    """Passage ids best by the terms' lists, best first: the sum of IDF x impact, times the square
    root of the share of the question's weight the passage holds (as the final ranking does).

    `lists` holds (idf, weight, posting list) per term. Each list is read up to an equal share of
    `budget` postings (its best ones); `allowed`, an array of ids, restricts the result (a
    question limited to a year or an issue).
    """
    if not lists or want <= 0:
        return []
    share = max(budget // len(lists), 1)
    ids_parts, score_parts, weight_parts = [], [], []
    for idf, weight, blob in lists:
        postings = unpack(blob)[:share]
        ids_parts.append(postings["id"])
        score_parts.append(postings["impact"].astype(np.float64) * idf)
        weight_parts.append(np.full(len(postings), weight))
    ids = np.concatenate(ids_parts)
    scores = np.concatenate(score_parts)
    weights = np.concatenate(weight_parts)
    if allowed is not None:
        keep = np.isin(ids, allowed)
        ids, scores, weights = ids[keep], scores[keep], weights[keep]
    if not len(ids):
        return []
    unique, inverse = np.unique(ids, return_inverse=True)
    totals = np.bincount(inverse, weights=scores) * np.sqrt(np.bincount(inverse, weights=weights))
    if len(unique) > want:
        top = np.argpartition(-totals, want - 1)[:want]
    else:
        top = np.arange(len(unique))
    order = top[np.lexsort((unique[top], -totals[top]))]
    return [int(i) for i in unique[order]]

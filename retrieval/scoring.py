"""All of BM25's arithmetic, and exact top-k over docid-ordered posting lists. No I/O.

A passage is indexed as its character unigrams and bigrams (title and text): questions and
passages written by different people segment differently (居住证 against 居住 证), and characters
match whatever the segmentation. A jieba-word field was dropped in ranking v3: on the dev halves
of two sets it added nothing (docs/quality.md). The field id stays in the index's keys, so a
field can be added back without a new table layout.

    score(d) = sum over query terms t of  weight(t) * idf(t) * impact(tf(t, d), len(field, d))

Every term's contribution is bounded by its list's largest tf over its smallest length, and a
block's by that block's own, so top_k can skip what cannot reach the k-th best score (MaxScore,
Turtle and Flood 1995; block-max bounds, Ding and Suel 2011) and still return exactly what scoring
every passage would. Contributions are always added in the same term order, so the pruned and the
exhaustive paths agree to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Iterable, Protocol

import numpy as np

# k1 and b of the character field: the plain character BM25's values. k1 1.0-1.2 and b 0.9 sit on
# a flat plateau of the dev halves; k1 0.6, b 0.75-0.8 and BM25+ each lost there (docs/quality.md).
K1 = 1.2
CHARS = 1
FIELDS = (CHARS,)
B = {CHARS: 0.9}
# A heading counts once in each passage of its article, like any of its text: weighing it 2 or 3
# times gained on CMRC's dev half and not on the development archive's (docs/quality.md).
TITLE_WEIGHT = 1
# Postings per block: the unit read from disk and the granularity of the block-max bounds.
BLOCK = 128
POSTING = np.dtype([("id", "<i4"), ("tf", "<u2"), ("len", "<u2")])
MAX_COUNT = np.iinfo(np.uint16).max
# Questions whose lists hold at most this many postings in all are scored list by list, whole.
DENSE_POSTINGS = 2_000_000
# A list holding at least this share of all passages is kept as one impact per passage (0 where
# the term is absent): adding such a vector costs about 1 ns a passage, adding a list through an
# index about 8 ns a posting, and the vector takes at most twice the list's memory.
DENSE_SHARE = 0.25
_SLACK = 1 + 1e-9


@dataclass(frozen=True)
class FieldStats:
    """What BM25 needs of one field over the archive: passages and their mean length."""

    passages: int
    average_length: float


def idf(passages: int, df: int) -> float:
    """BM25's IDF (the +1 form Lucene uses: never negative)."""
    return math.log(1 + (passages - df + 0.5) / (df + 0.5))


def impacts(field: int, tf: np.ndarray, length: np.ndarray, average_length: float) -> np.ndarray:
    """BM25's saturated, length-normalised term frequency, for arrays of postings."""
    b = B[field]
    tf = tf.astype(np.float64)
    norm = K1 * (1 - b + b * length.astype(np.float64) / average_length) if average_length > 0 else K1
    return tf * (K1 + 1) / (tf + norm)


def impact(tf: int, length: int, average_length: float, b: float = B[CHARS]) -> float:
    """impacts() for one term in one text (a sentence, when an excerpt is cut)."""
    norm = K1 * (1 - b + b * length / average_length) if average_length > 0 else K1
    return tf * (K1 + 1) / (tf + norm)


def impact_bound(field: int, max_tf: np.ndarray, min_length: np.ndarray, average_length: float) -> np.ndarray:
    """The largest impact any posting with tf <= max_tf and length >= min_length can have; raised
    by a hair so that rounding never lets a real contribution exceed its bound."""
    return impacts(field, max_tf, min_length, average_length) * _SLACK


@dataclass(frozen=True)
class QueryTerm:
    """One term of a question in one field, weighted by how often the question holds it."""

    field: int
    term: str
    weight: float
    idf: float
    bound: float
    """weight x idf x the largest impact the term has in any passage."""
    df: int

    @property
    def key(self) -> tuple[int, str]:
        return (self.field, self.term)


class ListImpacts(Protocol):
    """A term's impact (BM25's saturated tf, before weight x idf) in the passages of its list."""

    nbytes: int

    def add_to(self, scores: np.ndarray, scale: float) -> None:
        """scores[id] += scale x impact, for every passage of the list."""

    def at(self, ids: np.ndarray) -> np.ndarray:
        """The impact in each of these passages, 0 where the list does not hold it."""

    def sparse(self) -> tuple[np.ndarray, np.ndarray]:
        """The list's passage ids (ascending) and their impacts."""


@dataclass(frozen=True)
class SparseImpacts:
    """The list's passage ids and the impact in each."""

    ids: np.ndarray
    """Ascending, as numpy's own index type: indexing with int32 converts them on every use."""
    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.values.nbytes

    def add_to(self, scores: np.ndarray, scale: float) -> None:
        scores[self.ids] += scale * self.values  # each id once: every contribution is added

    def at(self, ids: np.ndarray) -> np.ndarray:
        if not len(self.ids):
            return np.zeros(len(ids))
        position = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[position] == ids, self.values[position], 0.0)

    def sparse(self) -> tuple[np.ndarray, np.ndarray]:
        return self.ids, self.values


@dataclass(frozen=True)
class DenseImpacts:
    """One impact per passage id, 0 where the term is absent. Adding scale x 0.0 leaves a score as
    it is, so the scores are those SparseImpacts gives, to the bit."""

    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.values.nbytes

    def add_to(self, scores: np.ndarray, scale: float) -> None:
        scores += scale * self.values

    def at(self, ids: np.ndarray) -> np.ndarray:
        return self.values[ids]

    def sparse(self) -> tuple[np.ndarray, np.ndarray]:
        ids = np.flatnonzero(self.values)
        return ids, self.values[ids]


def list_impacts(field: int, postings: np.ndarray, average_length: float, limit: int) -> ListImpacts:
    """A list's impacts, dense when it holds DENSE_SHARE of the `limit` passage ids or more."""
    values = impacts(field, postings["tf"], postings["len"], average_length)
    ids = postings["id"].astype(np.intp)
    if len(ids) < DENSE_SHARE * limit:
        return SparseImpacts(ids, values)
    dense = np.zeros(limit)
    dense[ids] = values
    return DenseImpacts(dense)


class Postings(Protocol):
    """Where top_k reads a term's impacts: the whole list, or the blocks holding some passages.
    `limit` is above every passage id."""

    limit: int

    def impacts(self, term: QueryTerm) -> ListImpacts: ...

    def blocks(self, term: QueryTerm) -> BlockBounds: ...

    def impacts_at(self, term: QueryTerm, blocks: np.ndarray) -> ListImpacts:
        """The impacts of the list's blocks at these positions of its skip list (or of more)."""


@dataclass(frozen=True)
class BlockBounds:
    """A term's blocks: the last passage id of each, and the bound of any contribution inside."""

    last_ids: np.ndarray
    bounds: np.ndarray

    def of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each id's block (len(blocks) past the last one) and bound there (0 past the last)."""
        block = np.searchsorted(self.last_ids, ids)
        bound = np.zeros(len(ids))
        inside = block < len(self.last_ids)
        bound[inside] = self.bounds[block[inside]]
        return block, bound


@dataclass(frozen=True)
class Scored:
    """Passages, best first, with their scores and the share of the question's weight each holds."""

    ids: np.ndarray
    scores: np.ndarray
    coverage: np.ndarray
    exhausted: bool
    """Fewer than k passages score above zero: there is nothing further to ask for. (Pruning never
    drops below k, as the k passages that set the threshold are kept.)"""


def order_terms(terms: Iterable[QueryTerm]) -> list[QueryTerm]:
    """The one order contributions are added in: largest bound first, then by field and term."""
    return sorted(terms, key=lambda t: (-t.bound, t.field, t.term))


def contribution(term: QueryTerm, postings: np.ndarray, stats: dict[int, FieldStats]) -> np.ndarray:
    return (
        term.weight * term.idf * impacts(term.field, postings["tf"], postings["len"], stats[term.field].average_length)
    )


def top_k(
    terms: list[QueryTerm],
    k: int,
    source: Postings,
    coverage_weight: Callable[[QueryTerm], float],
    allowed: np.ndarray | None = None,
) -> Scored:
    """The k passages with the highest score, best first (ties: lower id first), exactly as
    scoring every passage would rank them; `allowed` (sorted ids) limits the passages ranked.

    Terms are read largest bound first. Once the k-th best partial score beats what every unread
    term together could add, no passage outside those seen can enter the top k: the rest of the
    terms are only looked up for the passages still in the running, block by block.
    """
    terms = order_terms(t for t in terms if t.df > 0)
    if not terms or k <= 0:
        return Scored(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), True)
    if allowed is not None and len(allowed) <= k * 64:
        # A few passages (an issue, a month, a year): each term is looked up for all of them, in
        # the blocks they sit in; pruning would read those blocks twice to save little arithmetic.
        ids = allowed.astype(np.int64)
        return _best(ids, *_look_up(terms, ids, np.zeros(len(ids)), np.zeros(len(ids)), source, coverage_weight), k)
    if sum(t.df for t in terms) <= DENSE_POSTINGS:
        return _every_list(terms, k, source, coverage_weight, allowed)
    # rest[i]: what the terms from i on could add at most (suffix sums, one pass).
    rest = [*accumulate((t.bound for t in reversed(terms)), initial=0.0)][::-1]
    read = 0
    # Dense accumulators over passage ids: each term's list holds an id once, so `+=` on a fancy
    # index adds every contribution, in term order, as score_all does.
    acc, acc_cover = np.zeros(source.limit), np.zeros(source.limit)
    seen = np.zeros(source.limit, bool)
    mask = None
    if allowed is not None:
        mask = np.zeros(source.limit, bool)
        mask[allowed] = True
    touched: list[np.ndarray] = []
    ids = np.zeros(0, np.int64)
    while read < len(terms):
        term = terms[read]
        hit, impact = source.impacts(term).sparse()
        if mask is not None:
            inside = mask[hit]
            hit, impact = hit[inside], impact[inside]
        acc[hit] += term.weight * term.idf * impact  # as contribution() multiplies, to the bit
        acc_cover[hit] += coverage_weight(term)
        touched.append(hit[~seen[hit]])
        seen[hit] = True
        read += 1
        # No partial score exceeds the bounds read so far: until they outweigh the unread ones,
        # the k-th best cannot, and the costly check is skipped.
        if read < len(terms) and rest[0] - rest[read] > rest[read]:
            ids = np.concatenate(touched)
            touched = [ids]
            if len(ids) >= k and _kth(acc[ids], k) > rest[read]:
                break
    ids = np.concatenate(touched).astype(np.int64) if touched else ids
    partial, cover = acc[ids], acc_cover[ids]
    remaining = terms[read:]
    done_ids, done_scores, done_cover = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if remaining and len(ids) > k:
        # The k best partial scores, made exact: the final k-th best is at least their lowest, so
        # every other passage whose partial score plus all it could still gain falls short is out
        # before any of its blocks is read; often none is left.
        best = np.argpartition(-partial, k - 1)[:k]
        done_ids, done_scores, done_cover = (
            ids[best],
            *_look_up(remaining, ids[best], partial[best], cover[best], source, coverage_weight),
        )
        others = np.ones(len(ids), bool)
        others[best] = False
        ids, partial, cover = ids[others], partial[others], cover[others]
        keep = partial + rest[read] >= float(done_scores.min())
        ids, partial, cover = ids[keep], partial[keep], cover[keep]
    for index in range(read, len(terms)):
        if not len(ids):
            break
        term = terms[index]
        blocks, here = source.blocks(term).of(ids)
        threshold = _kth(np.concatenate([done_scores, partial]), k)
        if threshold > 0:
            # Block-max pruning: what a passage could still reach, with this term's bound in the
            # block the passage would sit in.
            keep = partial + here + rest[index + 1] >= threshold
            ids, partial, cover, blocks = ids[keep], partial[keep], cover[keep], blocks[keep]
        found, add = _found(term, ids, blocks, source)
        partial = partial + add
        cover = cover + np.where(found, coverage_weight(term), 0.0)
    return _best(
        np.concatenate([done_ids, ids]), np.concatenate([done_scores, partial]), np.concatenate([done_cover, cover]), k
    )


def _best(ids: np.ndarray, scores: np.ndarray, cover: np.ndarray, k: int) -> Scored:
    """The k best of passages whose scores are whole, ties by id; those scoring 0 left out."""
    positive = scores > 0
    ids, scores, cover = ids[positive], scores[positive], cover[positive]
    order = np.lexsort((ids, -scores))[:k]
    return Scored(ids[order], scores[order], cover[order], exhausted=len(ids) < k)


def _every_list(
    terms: list[QueryTerm],
    k: int,
    source: Postings,
    coverage_weight: Callable[[QueryTerm], float],
    allowed: np.ndarray | None,
) -> Scored:
    """top_k by reading every list whole (score_all's arithmetic): when the lists are short
    enough, adding them costs less than deciding what to skip."""
    acc = np.zeros(source.limit)
    lists = []
    for term in terms:
        held = source.impacts(term)
        held.add_to(acc, term.weight * term.idf)  # as contribution() multiplies, to the bit
        lists.append(held)
    ids = np.flatnonzero(acc > 0) if allowed is None else allowed[acc[allowed] > 0].astype(np.int64)
    if len(ids) > k:
        ids = ids[acc[ids] >= _kth(acc[ids], k)]
    order = np.lexsort((ids, -acc[ids]))[:k]
    ids = ids[order]
    # Coverage only for the k kept, in the same term order.
    cover = np.zeros(len(ids))
    for term, held in zip(terms, lists):
        cover = cover + np.where(held.at(ids) > 0, coverage_weight(term), 0.0)
    return Scored(ids, acc[ids], cover, exhausted=len(order) < k)


def _found(term: QueryTerm, ids: np.ndarray, blocks: np.ndarray, source: Postings) -> tuple[np.ndarray, np.ndarray]:
    """Which of the passages the term's list holds, and the contribution to add to each (0 where
    it does not), reading only the blocks they would sit in."""
    wanted = np.unique(blocks[blocks < len(source.blocks(term).last_ids)])
    if not len(wanted):
        return np.zeros(len(ids), bool), np.zeros(len(ids))
    impact = source.impacts_at(term, wanted).at(ids)
    # An impact is never 0 where the term occurs; where it does not, weight x idf x 0.0 adds 0.0.
    return impact > 0, term.weight * term.idf * impact


def _look_up(
    terms: list[QueryTerm],
    ids: np.ndarray,
    partial: np.ndarray,
    cover: np.ndarray,
    source: Postings,
    coverage_weight: Callable[[QueryTerm], float],
) -> tuple[np.ndarray, np.ndarray]:
    """The passages' whole scores and coverage: their partial ones plus every later term's, in order."""
    for term in terms:
        blocks, _ = source.blocks(term).of(ids)
        found, add = _found(term, ids, blocks, source)
        partial = partial + add
        cover = cover + np.where(found, coverage_weight(term), 0.0)
    return partial, cover


def score_all(
    terms: list[QueryTerm], lists: dict[tuple[int, str], np.ndarray], stats: dict[int, FieldStats]
) -> dict[int, float]:
    """Every passage's score, term by term in the same order as top_k: the exhaustive reference.
    Each passage's contributions are added one term at a time from 0.0, as top_k adds them."""
    ordered = [t for t in order_terms(t for t in terms if t.df > 0)]
    if not ordered:
        return {}
    size = max(int(lists[t.key]["id"].max()) + 1 for t in ordered if len(lists[t.key])) if ordered else 0
    scores = np.zeros(size)
    seen = np.zeros(size, bool)
    for term in ordered:
        postings = lists[term.key]
        scores[postings["id"]] += contribution(term, postings, stats)
        seen[postings["id"]] = True
    ids = np.flatnonzero(seen)
    return dict(zip(ids.tolist(), scores[ids].tolist()))


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th largest score (a lower bound on the final k-th best, as scores only grow)."""
    if len(scores) < k:
        return 0.0
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])

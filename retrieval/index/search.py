"""One question against the index: its terms, and the exact top k passages for any k.

Terms are added largest bound first (a term's bound: the most it can add to any score). Once the
k-th best partial score beats what every unread term together could add, no passage unseen so
far can enter the top k (MaxScore, Turtle and Flood 1995): the remaining terms are only looked up
for the passages still in the running, which are dropped as soon as their partial score plus all
they could still gain falls below the k-th best. Contributions are always added in the same term
order, so this and scoring every passage (score_all) agree to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from .bm25 import impacts

# A list as search reads it: passage ids (ascending) and tf.
Postings = tuple[np.ndarray, np.ndarray]
# A question limited to at most this many passages per hit wanted looks each term up for them.
LOOK_UP_PASSAGES = 64
# Once pruning leaves at most this many passages, every remaining term is looked up for them at once.
FEW_PASSAGES = 256
# Lists left unread holding at most this many postings per passage id are added whole: checking
# would cost more than adding them.
SHORT_LISTS = 1


@dataclass(frozen=True)
class QueryTerm:
    """One term of a question, weighted by how often the question holds it."""

    term: str
    weight: float
    idf: float
    df: int
    bound: float
    """weight x idf x the largest impact the term has in any passage."""

    @property
    def scale(self) -> float:
        return self.weight * self.idf


@dataclass(frozen=True)
class Scored:
    """Passages, best first, with their scores and the share of the question's weight each holds."""

    ids: np.ndarray
    scores: np.ndarray
    coverage: np.ndarray
    exhausted: bool
    """Fewer than k passages score above zero: there is nothing further to ask for."""


def order_terms(terms: list[QueryTerm]) -> list[QueryTerm]:
    """The one order contributions are added in: largest bound first, then by term."""
    return sorted((t for t in terms if t.df > 0), key=lambda t: (-t.bound, t.term))


def contribution(term: QueryTerm, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    return term.scale * impacts(tf, norm)  # as _contributions multiplies, to the bit


class Search:
    """The terms of one question, their lists (read all at once, when first needed), and exact
    top-k over them."""

    def __init__(self, terms: list[QueryTerm], read: Callable[[list[QueryTerm]], list[Postings]], norms: np.ndarray):
        self.terms = terms
        """Every term of the question, in its order, those no passage holds too."""
        self._ordered = order_terms(terms)
        self.norms = norms
        self._read = read
        self._lists: dict[str, Postings] = {}
        mass = sum(t.scale for t in terms)
        self._cover = {t.term: t.scale / mass if mass > 0 else 0.0 for t in terms}

    def postings(self, term: QueryTerm) -> Postings:
        if term.term not in self._lists:
            # Every list the question needs, in one read.
            self._lists.update(zip((t.term for t in self._ordered), self._read(self._ordered)))
        return self._lists[term.term]

    def top(self, k: int, allowed: np.ndarray | None = None) -> Scored:
        """The k passages with the highest score, best first (ties: lower id first), exactly as
        scoring every passage would rank them; `allowed` (sorted ids) limits the passages ranked."""
        terms = self._ordered
        if not terms or k <= 0:
            return Scored(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), exhausted=True)
        # rest[i]: what the terms from i on could add at most.
        rest = [*accumulate((t.bound for t in reversed(terms)), initial=0.0)][::-1]
        if allowed is not None and len(allowed) <= LOOK_UP_PASSAGES * k:
            # A few passages (an issue, a month): each term is looked up for all of them.
            ids, partial, cover, read = allowed.astype(np.int64), np.zeros(len(allowed)), np.zeros(len(allowed)), 0
        else:
            ids, partial, cover, read = self._whole_lists(terms, rest, k, allowed)
        for index in range(read, len(terms)):
            if not len(ids):
                break
            threshold = _kth(partial, k)
            if threshold > 0:
                keep = partial + rest[index] >= threshold
                ids, partial, cover = ids[keep], partial[keep], cover[keep]
            if len(ids) <= FEW_PASSAGES:
                # Pruning a few passages further saves less than a round of it costs.
                partial, cover = self._look_up(terms[index:], ids, partial, cover)
                break
            partial, cover = self._look_up([terms[index]], ids, partial, cover)
        return _best(ids, partial, cover, k)

    def every_passage(self, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every passage scoring above zero (within `allowed`), in id order, with its coverage: what
        a whole list needs when its order does not matter, without computing a single impact."""
        lists = [self.postings(t) for t in self._ordered]
        if not lists:
            return np.zeros(0, np.int64), np.zeros(0)
        ids = np.concatenate([i for i, _ in lists]).astype(np.intp)
        covered = np.repeat([self._cover[t.term] for t in self._ordered], [len(i) for i, _ in lists])
        cover = np.bincount(ids, covered, minlength=len(self.norms))
        held = np.flatnonzero(cover)  # every term's share is above 0 (idf > 0)
        if allowed is not None:
            held = held[np.isin(held, allowed)]
        return held, cover[held]

    def scores_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The exact scores of these passages, added as top() adds them, to the bit, and their coverage."""
        return self._look_up(self._ordered, ids, np.zeros(len(ids)), np.zeros(len(ids)))

    def _look_up(
        self, terms: list[QueryTerm], ids: np.ndarray, partial: np.ndarray, cover: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The terms' contributions and coverage added to these passages', term after term; one
        matrix of impacts for all the terms."""
        found, tf = np.zeros((len(terms), len(ids)), bool), np.zeros((len(terms), len(ids)), np.uint8)
        for row, term in enumerate(terms):
            held, counts = self.postings(term)
            at = np.minimum(np.searchsorted(held, ids.astype(np.uint32)), len(held) - 1)
            found[row], tf[row] = held[at] == ids, counts[at]
        scale = np.array([t.scale for t in terms])[:, None]
        add = np.where(found, scale * impacts(tf, self.norms[ids]), 0.0)  # as contribution(), to the bit
        covered = np.where(found, np.array([self._cover[t.term] for t in terms])[:, None], 0.0)
        for row in range(len(terms)):  # in term order, as scoring every passage adds them
            partial, cover = partial + add[row], cover + covered[row]
        return partial, cover

    def _whole_lists(
        self, terms: list[QueryTerm], rest: list[float], k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Terms added whole into one score per passage id, until the unread ones cannot lift an
        unseen passage into the top k. Returns the passages seen, their partial scores and
        coverage, and the number of terms read.

        The first terms (those whose bounds outweigh the rest's) are added in one np.bincount over
        their lists joined, which sums each passage's contributions in term order, as adding list
        by list does; when the lists left are short, they are added too, as checking would cost
        more than adding them."""
        read = next((i for i in range(1, len(terms)) if rest[0] - rest[i] > rest[i]), len(terms))
        if sum(t.df for t in terms[read:]) <= SHORT_LISTS * len(self.norms):
            read = len(terms)
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.norms), bool)
            mask[allowed[allowed < len(mask)]] = True
        ids, add, covered = self._contributions(terms[:read], mask)
        acc = np.bincount(ids, add, minlength=len(self.norms))
        cover = np.bincount(ids, covered, minlength=len(self.norms))
        # The k-th best beats what the unread terms could add iff k passages already score above it.
        while read < len(terms) and np.count_nonzero(acc > rest[read]) < k:
            ids, add, covered = self._contributions([terms[read]], mask)
            acc[ids] += add  # each id once per list
            cover[ids] += covered
            read += 1
        # Every contribution is above 0 (idf > 0, tf >= 1): a passage was seen iff its score is.
        seen = np.flatnonzero(acc)
        return seen, acc[seen], cover[seen], read

    def _contributions(
        self, terms: list[QueryTerm], mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The terms' lists joined, in term order: passage ids, what each posting adds to the
        score, and to the coverage."""
        lists = [self.postings(t) for t in terms]
        ids = np.concatenate([i for i, _ in lists]).astype(np.intp) if lists else np.zeros(0, np.intp)
        tf = np.concatenate([f for _, f in lists]) if lists else np.zeros(0, np.uint8)
        sizes = [len(i) for i, _ in lists]
        scale = np.repeat([t.scale for t in terms], sizes)
        covered = np.repeat([self._cover[t.term] for t in terms], sizes)
        if mask is not None:
            inside = mask[ids]
            ids, tf, scale, covered = ids[inside], tf[inside], scale[inside], covered[inside]
        return ids, scale * impacts(tf, self.norms[ids]), covered


def _best(ids: np.ndarray, scores: np.ndarray, cover: np.ndarray, k: int) -> Scored:
    """The k best of passages whose scores are whole (ties by id), those scoring 0 left out."""
    positive = scores > 0
    ids, scores, cover = ids[positive], scores[positive], cover[positive]
    exhausted = len(ids) < k
    if len(ids) > k:
        keep = scores >= _kth(scores, k)
        ids, scores, cover = ids[keep], scores[keep], cover[keep]
    order = np.lexsort((ids, -scores))[:k]
    return Scored(ids[order], scores[order], cover[order], exhausted)


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th largest score (a lower bound on the final k-th best, as scores only grow)."""
    if len(scores) < k:
        return 0.0
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def score_all(terms: list[QueryTerm], lists: dict[str, Postings], norms: np.ndarray) -> dict[int, float]:
    """Every passage's score, term by term in the same order as Search.top: the exhaustive
    reference. Each passage's contributions are added one term at a time from 0.0."""
    scores = np.zeros(len(norms))
    for term in order_terms(terms):
        ids, tf = lists[term.term]
        scores[ids] += contribution(term, tf, norms[ids])
    held = np.flatnonzero(scores)
    return dict(zip(held.tolist(), scores[held].tolist()))

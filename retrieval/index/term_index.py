"""The index as the store and the answering code see it: the posting lists, and questions."""

from __future__ import annotations

import sqlite3

import numpy as np

from .bm25 import idf, impact_bound, norms
from .lists import PassageTerms, PostingLists
from .search import QueryTerm, Search

__all__ = ["PassageTerms", "TermIndex"]


class TermIndex(PostingLists):
    """The index tables of one open connection; the caller owns transactions."""

    def __init__(self, db: sqlite3.Connection):
        super().__init__(db)
        self._norms: tuple[np.ndarray, float, np.ndarray] | None = None

    def average_length(self, passages: int) -> float:
        return self.tokens() / passages if passages else 0.0

    def search(self, weights: dict[str, float], passages: int) -> Search:
        """A question's terms (gram -> how often the question holds it) against the `passages`
        held: their statistics now, their lists read when the search first needs them."""
        average = self.average_length(passages)
        rows = self.terms(weights)
        terms = []
        for term, weight in weights.items():
            row = rows.get(term)
            value = idf(passages, row.df if row else 0)
            bound = weight * value * impact_bound(row.max_tf, row.min_length, average) if row else 0.0
            terms.append(QueryTerm(term, weight, value, row.df if row else 0, bound))
        return Search(terms, lambda wanted: self.postings([rows[t.term] for t in wanted]), self.norms(average))

    def norms(self, average: float) -> np.ndarray:
        """BM25's length norm of every passage id, kept while the lengths and their mean hold."""
        lengths = self.lengths()
        if self._norms is None or self._norms[0] is not lengths or self._norms[1] != average:
            self._norms = (lengths, average, norms(lengths, average))
        return self._norms[2]

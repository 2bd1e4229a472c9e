"""A question's view of the posting lists (scoring.Postings): impacts of whole lists or of some
blocks, read from the file or from what the term index keeps between questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .read_cache import KeptTerm
from .scoring import (
    CHARS,
    BlockBounds,
    DenseImpacts,
    FieldStats,
    ListImpacts,
    QueryTerm,
    SparseImpacts,
    impacts,
    list_impacts,
)

if TYPE_CHECKING:
    from .term_index import TermIndex

# A lookup that needs this share of a list's blocks reads the whole list in one range scan.
WHOLE_LIST_SHARE = 0.25
# Lists up to this many postings are read whole even for a few passages, and kept: reading a few
# blocks costs about 0.4 ms a term every time (a question within one year looks up every term
# that way), reading a list of 30,000 postings whole about 1 ms once.
WHOLE_LIST_POSTINGS = 65_536


class IndexPostings:
    def __init__(self, index: TermIndex, stats: dict[int, FieldStats]):
        self.index = index
        self.lengths = index.lengths()
        # The length arrays run to the highest passage id: every id is below their size.
        self.limit = len(self.lengths[CHARS])
        self.stats = stats
        self.held: dict[tuple[int, str], KeptTerm] = {}
        self._bounds: dict[tuple[int, str], BlockBounds] = {}

    def full(self, term: QueryTerm) -> np.ndarray:
        """The term's whole list, read from the file."""
        return self.index.read_list(term.field, self.held[term.key].held, self.lengths[term.field])

    def impacts(self, term: QueryTerm) -> ListImpacts:
        """The whole list's impacts, kept for later questions."""
        average = self.stats[term.field].average_length
        found = self.index.kept.impacts.get(term.key, average)
        if found is None or (isinstance(found, DenseImpacts) and len(found.values) != self.limit):
            found = list_impacts(term.field, self.full(term), average, self.limit)
            self.index.kept.keep_impacts(term.key, average, found)
        return found

    def blocks(self, term: QueryTerm) -> BlockBounds:
        """Each block's last id and the bound of the term's contribution inside it."""
        if term.key not in self._bounds:
            kept = self.held[term.key]
            bounds = term.weight * term.idf * kept.block_impacts
            self._bounds[term.key] = BlockBounds(kept.held.skips["last_id"].astype(np.int64), bounds)
        return self._bounds[term.key]

    def impacts_at(self, term: QueryTerm, positions: np.ndarray) -> ListImpacts:
        """The impacts of the blocks at these positions of the term's skip list (or of the whole
        list, when it is kept, short, or most of it is needed)."""
        skips = self.held[term.key].held.skips
        average = self.stats[term.field].average_length
        if (
            term.df <= WHOLE_LIST_POSTINGS
            or len(positions) >= WHOLE_LIST_SHARE * len(skips) > 1
            or self.index.kept.impacts.get(term.key, average) is not None
        ):
            return self.impacts(term)
        postings = self.postings_at(term, positions)
        return SparseImpacts(
            postings["id"].astype(np.intp), impacts(term.field, postings["tf"], postings["len"], average)
        )

    def postings_at(self, term: QueryTerm, positions: np.ndarray) -> np.ndarray:
        """The postings of the blocks at these positions of the term's skip list, read from the file."""
        return self.index.read_blocks(term.field, self.held[term.key].held, positions, self.lengths[term.field])

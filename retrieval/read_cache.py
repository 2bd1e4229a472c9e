"""What a reading connection keeps between questions: lists' impacts and terms' skip lists.

Questions share most of their terms (文, 明, 工作 …). Both kinds depend only on the index (its
terms, and how many passage ids a dense list spans) and on the field's mean length, which change only with a write: the term index clears this cache when its
connection writes or SQLite's data_version says another one did, and every entry also carries the
mean length it was computed with, so a question that read its statistics before a write never
takes what was computed after it, nor the other way round.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from .scoring import ListImpacts

Key = tuple[int, str]
# Lists' impacts kept, in bytes: 16 a posting, or 8 a passage for a dense list
# (scoring.DENSE_SHARE). The lists of a 2,500-issue archive (the whole bulletin) that questions
# touch take about 181 MB in this form, and this budget holds them: below that, least-recently-used
# order drops the very lists the next questions need (the common ones come round again after the
# rarer ones pushed them out), and a question that reads a few dozen back takes twice as long.
KEPT_IMPACT_BYTES = 192 * 2**20
# Terms' rows and block bounds kept, in bytes (12 a block, 8 more for its bound, and the tail).
KEPT_TERM_BYTES = 16 * 2**20
# What a kept entry costs beyond its arrays (the objects around them), counted against the budget.
ENTRY_BYTES = 700

T = TypeVar("T")


@dataclass(frozen=True)
class HeldTerm:
    id: int
    df: int
    skips: np.ndarray
    tail: bytes
    """The last block while it is not full, encoded (posting_blocks)."""

    @property
    def full_skips(self) -> np.ndarray:
        """The skip entries of the full blocks, without the tail's."""
        return self.skips[:-1] if self.tail else self.skips


@dataclass(frozen=True)
class KeptTerm:
    """A term's row and the largest impact in each of its blocks, at one mean length."""

    held: HeldTerm
    average_length: float
    block_impacts: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.held.skips.nbytes + len(self.held.tail) + self.block_impacts.nbytes


class _Recent(Generic[T]):
    """Entries by key, least recently used dropped first once their sizes pass `capacity`."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._entries: OrderedDict[Key, tuple[float, T, int]] = OrderedDict()
        self.size = 0

    def get(self, key: Key, average_length: float) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != average_length:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Key, average_length: float, value: T, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[2]
        self._entries[key] = (average_length, value, size)
        self.size += size
        while self.size > self.capacity and len(self._entries) > 1:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.size -= dropped

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)


class ReadCache:
    """Both kinds, each within its own budget of bytes."""

    def __init__(self) -> None:
        self.impacts: _Recent[ListImpacts] = _Recent(KEPT_IMPACT_BYTES)
        self.terms: _Recent[KeptTerm] = _Recent(KEPT_TERM_BYTES)

    def keep_impacts(self, key: Key, average_length: float, impacts: ListImpacts) -> None:
        self.impacts.put(key, average_length, impacts, impacts.nbytes + ENTRY_BYTES)

    def keep_term(self, key: Key, term: KeptTerm) -> None:
        self.terms.put(key, term.average_length, term, term.nbytes + ENTRY_BYTES)

    def clear(self) -> None:
        self.impacts.clear()
        self.terms.clear()

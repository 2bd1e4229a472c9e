"""Lists too long for one SQL statement's parameters, cut into pieces that fit an IN clause."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite's default limit on host parameters is 999 before 3.32; stay under it, with room for a few
# more parameters beside the list.
CHUNK = 900


def in_chunks(items: Sequence[T]) -> Iterator[tuple[list[T], str]]:
    """Each piece of items, with the `?,?,…` its IN clause needs."""
    for start in range(0, len(items), CHUNK):
        piece = list(items[start : start + CHUNK])
        yield piece, ",".join("?" * len(piece))

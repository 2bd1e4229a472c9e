"""A batch of passages as arrays for the term index: every (term, passage, tf, length) coded and
sorted, cut into blocks per term with their skip entries. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import posting_blocks
from .scoring import FIELDS, MAX_COUNT

SKIP = np.dtype([("block", "<i4"), ("last_id", "<i4"), ("max_tf", "<u2"), ("min_len", "<u2")])
# The skip entry of the tail, which lives in the term's row, has this block number.
TAIL = -1

# A passage as the index sees it: per field, each term's count, and the field's length.
PassageTerms = tuple[int, dict[int, tuple[dict[str, int], int]]]


CODED = np.dtype([("code", "<i8"), ("id", "<i4"), ("tf", "<u2"), ("len", "<u2")])


def flatten(passages: list[PassageTerms]) -> tuple[np.ndarray, list[tuple[int, str]], dict[int, int]]:
    """Every (term code, passage id, tf, length) of a batch, the (field, term) of each code, and
    the tokens added to each field."""
    codes: dict[int, dict[str, int]] = {field: {} for field in FIELDS}
    parts = []
    lengths = dict.fromkeys(FIELDS, 0)
    for passage_id, fields in passages:
        for field, (counts, length) in fields.items():
            lengths[field] += length
            if not counts:
                continue
            known = codes[field]
            part = np.empty(len(counts), CODED)
            # Codes are numbered per field here and shifted below, so no (field, term) tuple is built.
            part["code"] = [known.setdefault(term, len(known)) for term in counts]
            part["code"] += field << 40
            part["id"] = passage_id
            # Clipped as stored (posting_blocks.MAX_TF), so block bounds are those of the stored tf.
            part["tf"] = np.minimum(np.fromiter(counts.values(), np.int64, len(counts)), posting_blocks.MAX_TF)
            part["len"] = min(length, MAX_COUNT)
            parts.append(part)
    every = np.concatenate(parts) if parts else np.zeros(0, CODED)
    offset, keys = 0, []
    shift = np.zeros(max(FIELDS) + 1, np.int64)
    for field in FIELDS:
        shift[field] = offset
        keys += [(field, term) for term in codes[field]]
        offset += len(codes[field])
    field_of = every["code"] >> 40
    every["code"] = (every["code"] & ((1 << 40) - 1)) + shift[field_of]
    return every, keys, lengths


@dataclass(frozen=True)
class Blocks:
    code: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    skips: np.ndarray


def cut_blocks(every: np.ndarray, first_block: np.ndarray, size: int) -> Blocks:
    """Postings sorted by (code, id) cut into blocks of `size` per term, numbered from each term's
    first_block, with their skip entries."""
    code = every["code"]
    n = len(every)
    term_starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if n else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[term_starts, n])
    position = np.arange(n) - np.repeat(term_starts, sizes)
    index = position // size
    starts = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (index[1:] != index[:-1])]) if n else term_starts
    ends = np.r_[starts[1:], n].astype(np.int64)
    skips = np.empty(len(starts), SKIP)
    block_code = code[starts]
    # Only a term's last block can hold fewer than `size` postings: it is the tail, kept in the row.
    skips["block"] = np.where(ends - starts < size, TAIL, first_block[block_code] + index[starts])
    skips["last_id"] = every["id"][ends - 1]
    skips["max_tf"] = np.maximum.reduceat(every["tf"], starts) if n else []
    skips["min_len"] = np.minimum.reduceat(every["len"], starts) if n else []
    return Blocks(block_code, starts, ends, skips)


def bounds(postings: np.ndarray) -> tuple[int, int, int]:
    """A block's last id, largest tf and shortest length."""
    return int(postings["id"][-1]), int(postings["tf"].max()), int(postings["len"].min())

"""Deterministic dev/test halves of an evaluation set: tune constants on dev, report figures on test.

A question's half follows from a key, through sha256 (stable across runs, machines and Python
versions, unlike hash()): the parity of the digest's first byte. Questions sharing a key share a
half, so the key is what a question is about:

- dev archive: the gold article, f"{gold_total}:{gold_title}" (every question on one article falls
  in the same half, so tuning never sees the article a test question asks about); for a question
  with no gold article, its qid;
- a passage set (CMRC): the gold passage id, the first in sorted order when there are several;
  for a question with no gold passage, its qid.
"""

from __future__ import annotations

import hashlib

SPLITS = ("dev", "test")
CHOICES = (*SPLITS, "all")


def split_of(key: str) -> str:
    """The key's half, dev or test: the same on every run and machine."""
    return SPLITS[hashlib.sha256(key.encode("utf-8")).digest()[0] % 2]


def in_split(key: str, split: str) -> bool:
    """Whether a question with this key belongs to the split; "all" keeps everything."""
    if split not in CHOICES:
        raise ValueError(f"split must be one of {', '.join(CHOICES)}, not {split!r}")
    return split == "all" or split_of(key) == split


def article_key(gold_total: int | None, gold_title: str | None, qid: str) -> str:
    """The dev archive's key: the gold article, or the qid of an unanswerable question."""
    return qid if gold_total is None else f"{gold_total}:{gold_title}"


def passage_key(gold: tuple[str, ...], qid: str) -> str:
    """A passage set's key: the gold passage, or the qid of an unanswerable question."""
    return min(gold) if gold else qid

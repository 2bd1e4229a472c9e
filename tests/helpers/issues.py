"""Comparing an issue read from a built file with the text it was built from."""

from __future__ import annotations

import unicodedata

from retrieval.models import Issue


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def same_issue(read: Issue, source: Issue) -> None:
    assert read.ref == source.ref
    assert [nfkc(a.title) for a in read.articles] == [nfkc(a.title) for a in source.articles]
    assert [a.source for a in read.articles] == [a.source for a in source.articles]

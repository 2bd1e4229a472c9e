"""A reader's narrowing of an answer list: by year and by source office, and the counts of the
whole list over both, which the surfaces show beside the hits as links that narrow."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from ..models import Facets, Filters
from ..store.database import Store


def narrowed(filters: Filters, year: int | None, source: str | None) -> Filters:
    """The question's own filters, with the year a reader picked in place of any year it named,
    and the office a reader picked."""
    labels = [filters.label] if filters.label and year is None else []
    if year is not None:
        filters = dataclasses.replace(filters, year_from=year, year_to=year)
        labels.append(f"{year}年")
    if source:
        filters = dataclasses.replace(filters, source=source)
        labels.append(source)
    return dataclasses.replace(filters, label="、".join(labels))


def facet_counts(store: Store, article_ids: Iterable[int]) -> Facets:
    """How many of these articles each year and each office holds (articles without a source
    line count in their year only)."""
    facts = store.article_facts()
    ids = np.fromiter(article_ids, np.int64)
    years = np.unique(facts.year[ids], return_counts=True)
    codes, counts = np.unique(facts.source[ids], return_counts=True)
    sources = [(facts.sources[code], int(n)) for code, n in zip(codes.tolist(), counts.tolist()) if code >= 0]
    return Facets(
        years=tuple(sorted(zip(years[0].tolist(), years[1].tolist()), reverse=True)),
        sources=tuple(sorted(sources, key=lambda item: (-item[1], item[0]))),
    )

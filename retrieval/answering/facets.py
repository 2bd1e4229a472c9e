"""A reader's narrowing of an answer list: by year and by source office, and the counts of the
whole list over both, which the surfaces show beside the hits as links that narrow."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

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
    held = store.article_years_and_sources(article_ids)
    years = Counter(year for year, _ in held.values())
    sources = Counter(source for _, source in held.values() if source)
    return Facets(
        years=tuple(sorted(years.items(), reverse=True)),
        sources=tuple(sorted(sources.items(), key=lambda item: (-item[1], item[0]))),
    )

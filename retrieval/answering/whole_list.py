"""The articles of a question's whole list, every page of it, found without ranking it: what its
facets count and a narrowed list must agree with."""

from __future__ import annotations

import numpy as np

from ..index.search import Search
from ..store.database import Store


def whole_list(
    store: Store, search: Search, allowed: np.ndarray | None, first_article: int, share: float
) -> tuple[int, ...]:
    """Every article the list would show, as the ranking keeps them (answer._shown): each
    article's best passage (the highest score; ties: the lower id, as the ranking breaks them),
    the first hit's always, the others' when it holds `share` of the question.

    Every scoring passage's coverage needs no impact computed (Search.every_passage); only the
    articles with passages on both sides of `share` need their best found, by score."""
    ids, coverage = search.every_passage(allowed)
    if not len(ids):
        return ()
    articles = store.article_of_passages()[ids]
    if np.any(articles[1:] < articles[:-1]):
        order = np.argsort(articles, kind="stable")  # ids stay ascending within an article
        ids, coverage, articles = ids[order], coverage[order], articles[order]
    starts = np.flatnonzero(np.r_[True, articles[1:] != articles[:-1]])
    holds = coverage >= share
    every = np.logical_and.reduceat(holds, starts)
    mixed = np.logical_or.reduceat(holds, starts) & ~every
    keep = articles[starts[every]]
    if mixed.any():
        at = np.flatnonzero(np.repeat(mixed, np.diff(np.r_[starts, len(ids)])))
        owners = articles[at]
        scores, _ = search.scores_of(ids[at])
        order = np.lexsort((ids[at], -scores, owners))  # by article, best first
        best = at[order[np.r_[True, owners[order][1:] != owners[order][:-1]]]]
        keep = np.concatenate([keep, articles[best[holds[best]]]])
    if np.any(articles == first_article):  # a narrowed list may not hold the whole list's first
        keep = np.union1d(keep, [first_article])
    return tuple(np.unique(keep).tolist())

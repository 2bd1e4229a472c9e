"""A question's whole list, as its facets count it, is found without ranking it (answering/
whole_list.py): it must be exactly the list the ranking pages through, whole or narrowed, for
every question of the development archive."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.helpers import ROOT

DEV = ROOT / "data" / "eval" / "dev-archive"
EVERYTHING = 1000  # more hits than any question of the archive has
QUESTIONS = [json.loads(line)["question"] for line in (DEV / "questions.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def dev_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    with Archive(tmp_path_factory.mktemp("whole") / "archive.db", tokenizer) as archive:
        assert [r.error for r in archive.ingest([DEV / "bulletins"])] == [None] * 24
        yield archive


def facets_of_the_ranked_list(archive: Archive, question: str, **narrowing) -> tuple[int, dict, dict]:
    hits = archive.ask(question, limit=EVERYTHING, **narrowing).hits
    years = Counter(hit.issue.year for hit in hits)
    return len(hits), dict(years), dict(Counter(hit.source for hit in hits if hit.source))


def test_every_questions_facets_count_the_list_the_ranking_pages_through(dev_archive: Archive) -> None:
    longest = 0
    for question in QUESTIONS:
        facets = dev_archive.ask(question, limit=3, facets=True).facets
        hits, years, sources = facets_of_the_ranked_list(dev_archive, question)
        if facets is None:
            assert hits == 0, question
            continue
        assert (facets.hits, dict(facets.years), dict(facets.sources)) == (hits, years, sources), question
        longest = max(longest, hits)
    assert longest > 20, "the questions reach lists long enough to hold articles of several passages"


def test_each_year_facet_lists_exactly_what_it_counts(dev_archive: Archive) -> None:
    """The link of a year (the oldest, where the list is thinnest) lists as many articles as its
    count says, all of that year, and is counted as the ranking pages through it."""
    checked = 0
    for question in QUESTIONS[::4]:
        facets = dev_archive.ask(question, limit=3, facets=True).facets
        if facets is None:
            continue
        year, count = facets.years[-1]
        narrowed = dev_archive.ask(question, limit=3, year=year, facets=True)
        hits, years, sources = facets_of_the_ranked_list(dev_archive, question, year=year)
        assert (hits, years) == (count, {year: count}), question
        assert narrowed.facets is not None and not narrowed.relaxed
        assert (narrowed.facets.hits, dict(narrowed.facets.years), dict(narrowed.facets.sources)) == (
            hits,
            years,
            sources,
        ), question
        checked += 1
    assert checked > 30

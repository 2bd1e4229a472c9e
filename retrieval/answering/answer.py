"""Question -> Answer: filters, terms, exact BM25 top-k, one hit per article, excerpts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..index.search import Scored
from ..models import Answer, Filters, Hit, Match, NoAnswer, page_at
from ..store.database import Store
from ..tokenize import Tokenizer
from .excerpt import make_excerpt
from .facets import facet_counts, narrowed
from .filters import extract_filters
from .highlight import term_spans
from .query import Query
from .tiers import HIT_COVERAGE, tier
from .whole_list import whole_list

MAX_QUESTION_CHARS = 1000
# Passages asked of the index per hit wanted; asked again with more when articles repeat.
PASSAGES_PER_HIT = 4

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: str) -> str:
    """Control and direction characters out, whitespace folded, length capped."""
    return " ".join(_CONTROL.sub(" ", question).split())[:MAX_QUESTION_CHARS]


def answer(
    store: Store,
    tokenizer: Tokenizer,
    question: str,
    limit: int = 3,
    offset: int = 0,
    year: int | None = None,
    source: str | None = None,
    facets: bool = False,
) -> Answer:
    """Up to `limit` hits after skipping `offset`, best first, at most one per article, with the
    tier of the best (Match).

    A question that names a year or month is searched in those issues. When they hold no
    confident answer, the whole archive is searched with the year kept as a word, and its answer
    is taken, saying so, when it is confident, or when the year held nothing at all (a question
    about 2021年测评结果 is often answered by an issue of 2022).

    `year` and `source` narrow the list as a reader does from its facets: only those issues' (or
    that office's) articles, never widened. With `facets`, the answer carries how the whole list,
    every page of it, spreads over years and offices.
    """
    question = clean_question(question)
    if year is not None or source:
        return _narrowed_answer(store, tokenizer, question, limit, offset, year, source, facets)
    filters, rest = extract_filters(question)
    query = Query.of(tokenizer, rest)
    if query.empty:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    in_range = not filters.active or store.count_issues(filters) > 0
    found = _hits(store, tokenizer, query, filters, limit, offset, everything=facets) if in_range else None
    if found is not None and found.match is Match.ANSWER:
        return _answer_of(question, filters, found, store=store)
    if filters.active and not filters.names_issue:
        # The named year holds no confident answer: the whole archive, the year kept as words
        # (results of 2020 are reported in 2021's issues). Taken when it answers with confidence,
        # or when the year held nothing at all.
        wide = _hits(store, tokenizer, Query.of(tokenizer, question), Filters(), limit, offset, everything=facets)
        if wide.match is Match.ANSWER or (wide.match is Match.RELATED and (found is None or not found.answered)):
            return _answer_of(question, filters, wide, relaxed=True, store=store)
    if found is not None and found.answered:
        # A page past the last of the named year's hits is empty, and still an answered question.
        return _answer_of(question, filters, found, store=store)
    if not in_range:
        return _outside(store, question, filters)
    return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)


def _narrowed_answer(
    store: Store,
    tokenizer: Tokenizer,
    question: str,
    limit: int,
    offset: int,
    year: int | None,
    source: str | None,
    facets: bool,
) -> Answer:
    """The part of the question's whole list that a year or an office holds, as a reader narrows
    it from its facets: the list they saw (widened to the archive or not, with its tier and its
    first article) cut to those issues, so each facet's count is what its link lists, and never
    widened. A year the question's list has nothing in lists nothing."""
    whole = answer(store, tokenizer, question, limit=1)
    own, rest = extract_filters(question)
    if whole.relaxed:  # the list was the archive's, the question's year kept as words
        own, rest = Filters(), question
    filters = narrowed(own, year, source)
    if whole.no_answer is NoAnswer.EMPTY_QUESTION:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    if store.count_issues(filters) == 0:
        return _outside(store, question, filters)
    if not whole.hits:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)
    within = Within(whole.match, whole.hits[0].article_id)
    found = _hits(store, tokenizer, Query.of(tokenizer, rest), filters, limit, offset, everything=facets, within=within)
    return _answer_of(question, filters, found, store=store)


def _outside(store: Store, question: str, filters: Filters) -> Answer:
    """No issue of the archive is in the range the question (or the reader) named."""
    stats = store.stats()
    held = (stats.first, stats.latest) if stats.first and stats.latest else None
    return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.OUTSIDE_ARCHIVE, held=held)


def _answer_of(
    question: str, filters: Filters, found: Found, relaxed: bool = False, store: Store | None = None
) -> Answer:
    facets = facet_counts(store, found.articles) if store is not None and found.articles is not None else None
    return Answer(
        question=question,
        hits=found.hits,
        filters=filters,
        relaxed=relaxed,
        more=found.more,
        match=found.match,
        facets=facets,
    )


def topic_hit(store: Store, tokenizer: Tokenizer, topic: str, total: int) -> Hit | None:
    """The best hit in one issue for a followed topic, through the same ranking and no-answer
    threshold as a question limited to that issue (never widened to the archive); None when the
    issue does not answer it."""
    query = Query.of(tokenizer, clean_question(topic))
    if query.empty:
        return None
    found = _hits(store, tokenizer, query, Filters(total=total), 1, 0, strict=True)
    return found.hits[0] if found.match is Match.ANSWER else None


@dataclass(frozen=True)
class Ranking:
    """The ranking alone, for measuring it: article ids best first, the first hit's excerpt (what
    a reader sees first), and the tier."""

    article_ids: list[int]
    excerpt: str | None = None
    match: Match = Match.NONE


def rank(store: Store, tokenizer: Tokenizer, question: str, limit: int = 10) -> Ranking:
    """The ranking over the whole archive, without year or issue filters (evaluation passages
    have no dates); the same terms, candidates, scores, tiers and excerpts as answer()."""
    question = clean_question(question)
    filters, rest = extract_filters(question)
    # An issue number is metadata, never passage text; years and dates stay words, as when
    # answer() widens a year that holds nothing.
    query = Query.of(tokenizer, rest if filters.names_issue else question)
    if query.empty:
        return Ranking([])
    ranked = _ranked(store, tokenizer.normalize, query, Filters(), limit, 0)
    if not ranked.page:
        return Ranking([])
    first = ranked.page[0]
    title = store.articles([first.article_id])[first.article_id][0]
    excerpt = make_excerpt(first.text, ranked.term_weights, tokenizer.normalize, query.text, title)
    return Ranking([c.article_id for c in ranked.page], excerpt.text, ranked.match)


@dataclass(frozen=True)
class Found:
    """A page of hits, whether more follow, and the tier of the question's best hit."""

    hits: tuple[Hit, ...]
    more: bool
    match: Match
    articles: tuple[int, ...] | None = None
    """Every article of the whole list, when it was asked for."""

    @property
    def answered(self) -> bool:
        """The question has hits, on this page or before it (a page past the last is empty)."""
        return self.match is not Match.NONE


@dataclass(frozen=True)
class Within:
    """The whole list a reader narrows: its tier, which the narrowed list keeps, and its first
    article, which is in the list whatever share of the question it holds."""

    match: Match
    first_article: int


def _hits(
    store: Store,
    tokenizer: Tokenizer,
    query: Query,
    filters: Filters,
    limit: int,
    offset: int,
    strict: bool = False,
    everything: bool = False,
    allowed: np.ndarray | None = None,
    within: Within | None = None,
) -> Found:
    """The page of hits with their excerpts. `strict`: an issue named by the question still needs
    a related match (a followed topic must not alert on any issue that shares a word with it).
    `everything`: the whole list is ranked, and its articles come back too. `within`: the filters
    narrow this whole list (Within)."""
    ranked = _ranked(store, tokenizer.normalize, query, filters, limit, offset, strict, everything, allowed, within)
    page = ranked.page
    refs = store.refs(c.issue_total for c in page)
    articles = store.articles(c.article_id for c in page)
    hits = []
    for c in page:
        title = articles[c.article_id][0]
        excerpt = make_excerpt(c.text, ranked.term_weights, tokenizer.normalize, query.text, title)
        normal = tokenizer.normalize(c.text)
        found = tuple(t for t in query.words if t in normal)
        hits.append(
            Hit(
                issue=refs[c.issue_total],
                article_id=c.article_id,
                title=title,
                source=articles[c.article_id][1],
                excerpt=excerpt.text,
                score=round(c.score, 4),
                terms=found,
                marks=term_spans(excerpt.text, found, tokenizer),
                page=page_at(c.page_breaks, _excerpt_start(c.text, excerpt.text), c.page),
                answer=excerpt.answer,
            )
        )
    return Found(tuple(hits), ranked.more, ranked.match, ranked.articles)


def _excerpt_start(passage: str, excerpt: str) -> int:
    """Where in the passage its excerpt starts (the excerpt joins the passage's lines), or 0."""
    start = passage.replace("\n", "").find(excerpt.strip("…")[:20])
    if start <= 0:
        return 0
    lines = 0
    for index, ch in enumerate(passage):
        if ch == "\n":
            lines += 1
        elif index - lines == start:
            return index
    return 0


@dataclass(frozen=True)
class Candidate:
    """A passage ranked for a question: where it belongs, its text and its score."""

    passage_id: int
    article_id: int
    issue_total: int
    text: str
    page: int | None
    page_breaks: tuple[tuple[int, int], ...]
    score: float
    coverage: float


@dataclass(frozen=True)
class Ranked:
    """A page of candidates, best first, whether more follow, the weight of each of the question's
    terms (for cutting excerpts), and the tier of the best."""

    page: list[Candidate]
    more: bool
    term_weights: dict[str, float]
    match: Match = Match.NONE
    articles: tuple[int, ...] | None = None


def _ranked(
    store: Store,
    normalize: Callable[[str], str],
    query: Query,
    filters: Filters,
    limit: int,
    offset: int,
    strict: bool = False,
    everything: bool = False,
    allowed: np.ndarray | None = None,
    within: Within | None = None,
) -> Ranked:
    """The best passage of each of the best articles, skipping offset; nothing when the best
    passage holds too little of the question (tiers.tier), or, `within` a whole list, when the
    filters hold none of its articles.

    The index returns the exact top passages (index/search.py); when they hold fewer articles than
    the page needs, it is asked for more, so page n+1 always starts where page n ended.
    """
    search = store.index.search(query.weights, store.passage_count())
    terms = search.terms
    term_weights = {t.term: t.scale for t in terms}
    if allowed is None and filters.active:
        allowed = np.array(store.passage_ids(filters), dtype=np.int64)
    wanted = offset + limit + 1
    k = wanted * PASSAGES_PER_HIT
    match = within.match if within is not None else Match.NONE
    first = within.first_article if within is not None else None
    while True:
        scored = search.top(k, allowed)
        if match is Match.NONE and len(scored.ids):
            named = filters.names_issue and not strict
            match = tier(store, normalize, query, terms, int(scored.ids[0]), float(scored.coverage[0]), named)
        if match is Match.NONE:
            return Ranked([], False, term_weights, articles=() if everything else None)
        shown, articles = _shown(store, scored, first)
        if len(shown) >= wanted or scored.exhausted:
            break
        k *= 4
    if not len(shown):  # within a whole list: the filters hold none of its articles
        return Ranked([], False, term_weights, articles=() if everything else None)
    page = [
        (int(scored.ids[i]), float(scored.scores[i]), float(scored.coverage[i])) for i in shown[offset : offset + limit]
    ]
    held = store.passage_pages(pid for pid, _, _ in page)
    candidates = [Candidate(pid, *held[pid], score=score, coverage=cover) for pid, score, cover in page]
    first = int(articles[0]) if first is None else first
    listed = whole_list(store, search, allowed, first, HIT_COVERAGE) if everything else None
    return Ranked(candidates, len(shown) > offset + limit, term_weights, match, listed)


def _shown(store: Store, scored: Scored, first: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The positions in `scored` of each article's best passage, best first, the list's first
    article's always (the first position's, or `first` when narrowing a whole list) and the
    others' when they hold HIT_COVERAGE of the question; and their articles. Articles come from
    the store's map of them, so ranking thousands of passages asks the database nothing."""
    if not len(scored.ids):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    articles = store.article_of_passages()[scored.ids]
    _, best = np.unique(articles, return_index=True)  # each article's first (best) position
    keep = np.zeros(len(articles), bool)
    keep[best] = True
    keep &= (scored.coverage >= HIT_COVERAGE) | (articles == (articles[0] if first is None else first))
    positions = np.flatnonzero(keep)
    return positions, articles[positions]

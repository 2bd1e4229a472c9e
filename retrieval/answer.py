"""Question -> Answer: filters, terms, exact BM25 top-k, one hit per article, excerpts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .excerpt import make_excerpt
from .filters import extract_filters
from .highlight import term_spans
from .models import Answer, Filters, Hit, NoAnswer, page_at
from .query import Query
from .scoring import WORDS, QueryTerm, top_k
from .store import Store
from .synonyms import Synonyms
from .tokenize import Tokenizer

MAX_QUESTION_CHARS = 1000
# No-answer decision: the best passage must hold this share of the question's weight (IDF x field
# weight of its words and characters), or a smaller share and two of the question's words. An
# off-topic question rarely shares more than one word with the archive (推荐 of 推荐一部电影); a
# long question worded unlike the article still shares several. Fit on the dev halves' answerable
# and unanswerable questions; docs/quality.md has the figures on the test halves.
ANSWER_COVERAGE = 0.35
ANSWER_COVERAGE_TWO_WORDS = 0.2
TWO_WORDS = 2
# Once the question is answerable, further hits need only this share.
HIT_COVERAGE = 0.2
# Passages asked of the index per hit wanted; asked again with more when articles repeat.
PASSAGES_PER_HIT = 4

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: str) -> str:
    """Control and direction characters out, whitespace folded, length capped."""
    return " ".join(_CONTROL.sub(" ", question).split())[:MAX_QUESTION_CHARS]


def answer(
    store: Store, tokenizer: Tokenizer, synonyms: Synonyms, question: str, limit: int = 3, offset: int = 0
) -> Answer:
    """Up to `limit` hits after skipping `offset`, best first, at most one per article.

    A question that names a year or month is searched in those issues. When they hold nothing
    relevant, the whole archive is searched with the year kept as a word, and the answer says so
    (a question about 2021年测评结果 is often answered by an issue of 2022).
    """
    question = clean_question(question)
    filters, rest = extract_filters(question)
    query = Query.of(tokenizer, synonyms, rest)
    if query.empty:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    in_range = not filters.active or store.count_issues(filters) > 0
    hits, more, answered = _hits(store, tokenizer, query, filters, limit, offset) if in_range else ((), False, False)
    if hits or answered:
        # A page past the last of the named year's hits is empty: the widened search belongs to
        # questions the year does not answer at all, or its pages would follow unrelated ones.
        return Answer(question=question, hits=hits, filters=filters, more=more)
    if filters.active and not filters.names_issue:
        hits, more, _ = _hits(store, tokenizer, Query.of(tokenizer, synonyms, question), Filters(), limit, offset)
        if hits:
            return Answer(question=question, hits=hits, filters=filters, relaxed=True, more=more)
    if not in_range:
        stats = store.stats()
        held = (stats.first, stats.latest) if stats.first and stats.latest else None
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.OUTSIDE_ARCHIVE, held=held)
    return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)


def topic_hit(store: Store, tokenizer: Tokenizer, synonyms: Synonyms, topic: str, total: int) -> Hit | None:
    """The best hit in one issue for a followed topic, through the same ranking and no-answer
    threshold as a question limited to that issue (never widened to the archive); None when the
    issue does not answer it."""
    query = Query.of(tokenizer, synonyms, clean_question(topic))
    if query.empty:
        return None
    hits, _, _ = _hits(store, tokenizer, query, Filters(total=total), 1, 0)
    return hits[0] if hits else None


def rank(store: Store, tokenizer: Tokenizer, synonyms: Synonyms, question: str, limit: int = 10) -> list[int]:
    """The ranking alone, for measuring it: article ids, best first, over the whole archive.

    No year or issue filters (evaluation passages have no dates) and no excerpts; the same terms,
    candidates, scores and no-answer threshold as answer().
    """
    question = clean_question(question)
    filters, rest = extract_filters(question)
    # An issue number is metadata, never passage text; years and dates stay words, as when
    # answer() widens a year that holds nothing.
    query = Query.of(tokenizer, synonyms, rest if filters.names_issue else question)
    if query.empty:
        return []
    return [c.article_id for c in _ranked(store, tokenizer.normalize, query, Filters(), limit, 0).page]


def _hits(
    store: Store, tokenizer: Tokenizer, query: Query, filters: Filters, limit: int, offset: int
) -> tuple[tuple[Hit, ...], bool, bool]:
    """The page of hits, whether more follow it, and whether the question is answered at all
    (an empty page past the last hit is still an answered question)."""
    ranked = _ranked(store, tokenizer.normalize, query, filters, limit, offset)
    page = ranked.page
    refs = store.refs(c.issue_total for c in page)
    articles = store.articles(c.article_id for c in page)
    hits = []
    for c in page:
        excerpt = make_excerpt(c.text, ranked.word_weights, tokenizer.normalize)
        normal = tokenizer.normalize(c.text)
        found = tuple(t for t in query.words if t in normal)
        hits.append(
            Hit(
                issue=refs[c.issue_total],
                article_id=c.article_id,
                title=articles[c.article_id][0],
                source=articles[c.article_id][1],
                excerpt=excerpt,
                score=round(c.score, 4),
                terms=found,
                marks=term_spans(excerpt, found, tokenizer),
                page=page_at(c.page_breaks, _excerpt_start(c.text, excerpt), c.page),
            )
        )
    return tuple(hits), ranked.more, ranked.answered


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
    """A page of candidates, best first, whether more follow, and the IDF of the question's words
    (for cutting excerpts)."""

    page: list[Candidate]
    more: bool
    word_weights: dict[str, float]
    answered: bool = False
    """The question has hits, on this page or before it."""


def _ranked(
    store: Store, normalize: Callable[[str], str], query: Query, filters: Filters, limit: int, offset: int
) -> Ranked:
    """The best passage of each of the best articles, skipping offset; nothing when the best
    passage holds too little of the question.

    The index returns the exact top passages (scoring.top_k); when they hold fewer articles than
    the page needs, it is asked for more, so page n+1 always starts where page n ended.
    """
    stats = store.index.field_stats(store.passage_count())
    terms, source = store.index.query_terms(query.weights, stats)
    own_mass = sum(t.weight * t.idf for t in terms if t.key in query.own)
    word_weights = {t.term: t.idf for t in terms if t.field == WORDS}

    def coverage_weight(term: QueryTerm) -> float:
        return term.weight * term.idf / own_mass if own_mass > 0 else 0.0

    allowed = np.array(store.passage_ids(filters), dtype=np.int64) if filters.active else None
    wanted = offset + limit + 1
    k = wanted * PASSAGES_PER_HIT
    while True:
        scored = top_k(terms, k, source, coverage_weight, allowed)
        best: dict[int, tuple[int, float, float]] = {}
        owners = store.passage_articles(scored.ids.tolist())
        for pid, score, cover in zip(scored.ids.tolist(), scored.scores.tolist(), scored.coverage.tolist()):
            best.setdefault(owners[pid], (pid, score, cover))
        ranked = list(best.values())
        if not ranked or not _answers(store, normalize, query, ranked[0][0], ranked[0][2]):
            return Ranked([], False, word_weights)
        shown = [r for r in ranked if r[2] >= HIT_COVERAGE]
        if len(shown) >= wanted or scored.exhausted:
            break
        k *= 4
    page = shown[offset : offset + limit]
    held = store.passage_pages(pid for pid, _, _ in page)
    candidates = [Candidate(pid, *held[pid], score=score, coverage=cover) for pid, score, cover in page]
    return Ranked(candidates, len(shown) > offset + limit, word_weights, answered=bool(shown))


def _answers(store: Store, normalize: Callable[[str], str], query: Query, passage_id: int, coverage: float) -> bool:
    """Whether the best passage answers the question at all (see ANSWER_COVERAGE)."""
    if coverage >= ANSWER_COVERAGE:
        return True
    if coverage < ANSWER_COVERAGE_TWO_WORDS:
        return False
    article_id, _, text, _, _ = store.passage_pages([passage_id])[passage_id]
    title = store.articles([article_id])[article_id][0]
    normal = normalize(title + "\n" + text)
    return sum(1 for word in query.topics if word in normal) >= TWO_WORDS

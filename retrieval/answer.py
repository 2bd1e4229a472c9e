"""Question -> Answer: filters, terms, BM25 candidates, one hit per article, excerpts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .excerpt import make_excerpt
from .filters import extract_filters
from .highlight import term_spans
from .models import Answer, Filters, Hit, NoAnswer
from .postings import impact
from .store import Candidate, Store, TermStats
from .tokenize import Tokenizer

MAX_QUESTION_CHARS = 1000
MAX_TERMS = 48
# No-answer threshold: the best passage must hold this share of the question's IDF mass, or
# nothing is shown (tuned on the domain set's off-topic questions, see docs/quality.md).
ANSWER_COVERAGE = 0.38
# Once the question is answerable, further hits need only this share.
HIT_COVERAGE = 0.2
# Exponent of the coverage factor: 1 is Lucene's coordination factor; 0.5 punishes a missing
# rare word less, which measured better on both evaluation sets.
COVERAGE_WEIGHT = 0.5
# Passages scored exactly for each hit asked for; the term index proposes them.
CANDIDATES_PER_HIT = 10
# Postings read per question, shared among its terms (each list is read best first).
POSTINGS_BUDGET = 8000
# A question limited to this many passages (one issue, a month) scores all of them.
SCAN_PASSAGES = 300
TITLE_BONUS = 1.0
# Raise for each pair of the question's adjacent words that a passage holds side by side.
PHRASE_BONUS = 0.5

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: str) -> str:
    """Control and direction characters out, whitespace folded, length capped."""
    return " ".join(_CONTROL.sub(" ", question).split())[:MAX_QUESTION_CHARS]


@dataclass(frozen=True)
class Query:
    """What a question is searched with: its terms (with sub-words) and its two-word phrases."""

    terms: list[str]
    phrases: list[tuple[str, str]]

    @classmethod
    def of(cls, tokenizer: Tokenizer, text: str) -> "Query":
        terms, phrases = tokenizer.terms_and_phrases(text)
        return cls(list(dict.fromkeys(terms)), phrases)


def answer(store: Store, tokenizer: Tokenizer, question: str, limit: int = 3, offset: int = 0) -> Answer:
    """Up to `limit` hits after skipping `offset`, best first, at most one per article.

    A question that names a year or month is searched in those issues. When they hold nothing
    relevant, the whole archive is searched with the year kept as a word, and the answer says so
    (a question about 2021年测评结果 is often answered by an issue of 2022).
    """
    question = clean_question(question)
    filters, rest = extract_filters(question)
    query = Query.of(tokenizer, rest)
    if not query.terms:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    in_range = not filters.active or store.count_issues(filters) > 0
    hits, more = _hits(store, tokenizer, query, filters, limit, offset) if in_range else ((), False)
    if hits:
        return Answer(question=question, hits=hits, filters=filters, more=more)
    if filters.active and not filters.names_issue:
        hits, more = _hits(store, tokenizer, Query.of(tokenizer, question), Filters(), limit, offset)
        if hits:
            return Answer(question=question, hits=hits, filters=filters, relaxed=True, more=more)
    if not in_range:
        stats = store.stats()
        held = (stats.first, stats.latest) if stats.first and stats.latest else None
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.OUTSIDE_ARCHIVE, held=held)
    return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)


def rank(store: Store, tokenizer: Tokenizer, question: str, limit: int = 10) -> list[int]:
    """The ranking alone, for measuring it: article ids, best first, over the whole archive.

    No year or issue filters (evaluation passages have no dates) and no excerpts; the same terms,
    candidates, scores and no-answer threshold as answer().
    """
    question = clean_question(question)
    filters, rest = extract_filters(question)
    # An issue number is metadata, never passage text; years and dates stay words, as when
    # answer() widens a year that holds nothing.
    query = Query.of(tokenizer, rest if filters.names_issue else question)
    if not query.terms:
        return []
    return [c.article_id for c in _ranked(store, query, Filters(), limit, 0).page]


def _hits(
    store: Store, tokenizer: Tokenizer, query: Query, filters: Filters, limit: int, offset: int
) -> tuple[tuple[Hit, ...], bool]:
    """The page of hits, and whether more follow it."""
    ranked = _ranked(store, query, filters, limit, offset)
    page, terms, scores = ranked.page, ranked.terms, ranked.scores
    weights = {t: ranked.idf[t] for t in terms}
    refs = store.refs(c.issue_total for c in page)
    articles = store.articles(c.article_id for c in page)
    hits = []
    for c in page:
        excerpt = make_excerpt(c.text, weights, tokenizer.normalize)
        found = tuple(t for t in terms if t in c.tokens)
        hits.append(
            Hit(
                issue=refs[c.issue_total],
                article_id=c.article_id,
                title=articles[c.article_id][0],
                source=articles[c.article_id][1],
                excerpt=excerpt,
                score=round(scores[c.passage_id], 4),
                terms=found,
                marks=term_spans(excerpt, found, tokenizer),
                page=c.page_at(_excerpt_start(c.text, excerpt)),
            )
        )
    return tuple(hits), ranked.more


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
class Ranked:
    """A page of candidates, best first, their scores, and the terms searched, rarest first."""

    page: list[Candidate]
    more: bool
    """Candidates good enough to show follow the page."""
    scores: dict[int, float]
    terms: list[str]
    idf: dict[str, float]


def _ranked(store: Store, query: Query, filters: Filters, limit: int, offset: int) -> Ranked:
    """The best passage of each of the best articles, skipping offset. Nothing when no passage
    holds enough of the question.

    The term index proposes candidates from the best postings of each term; each is then scored
    exactly: BM25 over all the question's terms, times how much of the question it holds.
    """
    stats = store.term_stats(query.terms)
    idf = _idf(stats.passages, stats.df, query.terms)
    terms = sorted(query.terms, key=lambda t: -idf[t])[:MAX_TERMS]
    weights = _weights(terms, idf, stats.df)
    wanted = limit + offset
    held = {t: (idf[t], weights.get(t, 0.0)) for t in terms if stats.df.get(t)}
    ids = store.best_passages(held, wanted * CANDIDATES_PER_HIT, POSTINGS_BUDGET, filters, SCAN_PASSAGES)
    candidates = store.candidates(ids, terms)
    coverage = {c.passage_id: _coverage(c.tokens, weights) for c in candidates}
    scores = {
        c.passage_id: _final_score(c, _bm25(c, idf, stats), coverage[c.passage_id], weights, query.phrases)
        for c in candidates
    }
    ranked = _best_per_article(sorted(candidates, key=lambda c: (-scores[c.passage_id], c.passage_id)))
    if not ranked or max(coverage[c.passage_id] for c in ranked) < ANSWER_COVERAGE:
        return Ranked([], False, {}, terms, idf)
    shown = [c for c in ranked if coverage[c.passage_id] >= HIT_COVERAGE]
    return Ranked(shown[offset:wanted], len(shown) > wanted, scores, terms, idf)


def _idf(n: int, df: dict[str, int], terms: list[str]) -> dict[str, float]:
    """BM25's IDF over n passages; a term the archive never uses gets the highest value, so it
    weighs on coverage."""
    return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}


def _bm25(candidate: Candidate, idf: dict[str, float], stats: TermStats) -> float:
    return sum(idf[t] * impact(tf, candidate.length, stats.average_length) for t, tf in candidate.counts.items())


def _weights(terms: list[str], idf: dict[str, float], df: dict[str, int]) -> dict[str, float]:
    """The IDF each term weighs with in coverage. A compound no passage holds (主要职责) is left out
    when its parts (职责) are searched too: they carry its meaning, and it would only hide that
    the passage answers. An unknown word on its own (足球) keeps its full weight."""
    return {t: idf[t] for t in terms if df.get(t, 0) or not any(o != t and o in t for o in terms)}


def _coverage(tokens: frozenset[str], idf: dict[str, float]) -> float:
    """Share of the question's IDF mass found in tokens."""
    total = sum(idf.values())
    return sum(v for t, v in idf.items() if t in tokens) / total if total > 0 else 0.0


def _final_score(
    candidate: Candidate, bm25: float, coverage: float, weights: dict[str, float], phrases: list[tuple[str, str]]
) -> float:
    """BM25 times a softened coordination factor (how much of the question the passage holds),
    raised when the article's heading names what the question asks about, and when the passage
    holds the question's words side by side."""
    title = 1 + TITLE_BONUS * _coverage(candidate.title_tokens, weights)
    phrase = 1 + PHRASE_BONUS * _phrase_share(candidate.text, phrases, weights)
    return bm25 * coverage**COVERAGE_WEIGHT * title * phrase


def _phrase_share(text: str, phrases: list[tuple[str, str]], weights: dict[str, float]) -> float:
    """Share of the question's IDF mass in word pairs the text holds side by side: a pair of rare
    words counts for much, a pair of common ones (创建 文明城市) for little."""
    total = 2 * sum(weights.values())
    if not phrases or total <= 0:
        return 0.0
    text = text.casefold()
    return sum(weights.get(a, 0.0) + weights.get(b, 0.0) for a, b in phrases if a + b in text) / total


def _best_per_article(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[int] = set()
    best = []
    for candidate in candidates:
        if candidate.article_id not in seen:
            seen.add(candidate.article_id)
            best.append(candidate)
    return best

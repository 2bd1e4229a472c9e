"""Question -> Answer: filters, terms, BM25 candidates, one hit per article, excerpts."""

from __future__ import annotations

import math
import re

from .excerpt import make_excerpt
from .filters import extract_filters
from .highlight import term_spans
from .models import Answer, Filters, Hit, NoAnswer
from .store import Candidate, Store
from .tokenize import Tokenizer

MAX_QUESTION_CHARS = 1000
MAX_TERMS = 48
# Share of the question's IDF mass that a hit must contain to be shown at all.
MIN_COVERAGE = 0.38
CANDIDATES_PER_HIT = 6
TITLE_BONUS = 1.0

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: str) -> str:
    """Control and direction characters out, whitespace folded, length capped."""
    return " ".join(_CONTROL.sub(" ", question).split())[:MAX_QUESTION_CHARS]


def answer(store: Store, tokenizer: Tokenizer, question: str, limit: int = 3, offset: int = 0) -> Answer:
    """Up to `limit` hits after skipping `offset`, best first, at most one per article.

    A question that names a year or month is searched in those issues. When they hold nothing
    relevant, the whole archive is searched with the year kept as a word, and the answer says so
    (a question about 2021年测评结果 is often answered by an issue of 2022).
    """
    question = clean_question(question)
    filters, rest = extract_filters(question)
    terms = list(dict.fromkeys(tokenizer.tokens(rest)))
    if not terms:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    in_range = not filters.active or store.count_issues(filters) > 0
    hits = _hits(store, tokenizer, terms, filters, limit, offset) if in_range else ()
    if hits:
        return Answer(question=question, hits=hits, filters=filters)
    if filters.active and not filters.names_issue:
        all_terms = list(dict.fromkeys(tokenizer.tokens(question)))
        hits = _hits(store, tokenizer, all_terms, Filters(), limit, offset)
        if hits:
            return Answer(question=question, hits=hits, filters=filters, relaxed=True)
    if not in_range:
        stats = store.stats()
        held = (stats.first, stats.latest) if stats.first and stats.latest else None
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.OUTSIDE_ARCHIVE, held=held)
    return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)


def _hits(
    store: Store, tokenizer: Tokenizer, terms: list[str], filters: Filters, limit: int, offset: int
) -> tuple[Hit, ...]:
    idf = _idf(store, terms)
    terms = sorted(terms, key=lambda t: -idf[t])[:MAX_TERMS]
    idf = {t: idf[t] for t in terms}
    wanted = limit + offset
    candidates = store.search(terms, filters, limit=wanted * CANDIDATES_PER_HIT)
    coverage = {c.passage_id: _coverage(c.tokens, idf) for c in candidates}
    ranked = sorted(candidates, key=lambda c: -_final_score(c, coverage[c.passage_id], idf))
    page = [c for c in _best_per_article(ranked) if coverage[c.passage_id] >= MIN_COVERAGE][offset:wanted]
    refs = store.refs(c.issue_total for c in page)
    articles = store.articles(c.article_id for c in page)
    hits = []
    for c in page:
        excerpt = make_excerpt(c.text, terms, tokenizer.tokens)
        found = tuple(t for t in terms if t in c.tokens)
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
            )
        )
    return tuple(hits)


def _idf(store: Store, terms: list[str]) -> dict[str, float]:
    """BM25's IDF; a term the archive never uses gets the highest value, so it weighs on coverage."""
    n = store.passage_count()
    df = store.document_frequencies(terms)
    return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}


def _coverage(tokens: frozenset[str], idf: dict[str, float]) -> float:
    """Share of the question's IDF mass found in tokens."""
    total = sum(idf.values())
    return sum(v for t, v in idf.items() if t in tokens) / total if total > 0 else 0.0


def _final_score(candidate: Candidate, coverage: float, idf: dict[str, float]) -> float:
    """BM25 times Lucene's coordination factor (how much of the question the passage holds),
    raised when the article's heading names what the question asks about."""
    return candidate.score * coverage * (1 + TITLE_BONUS * _coverage(candidate.title_tokens, idf))


def _best_per_article(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[int] = set()
    best = []
    for candidate in candidates:
        if candidate.article_id not in seen:
            seen.add(candidate.article_id)
            best.append(candidate)
    return best

"""Question -> Answer: filters, terms, BM25 candidates, one hit per article, excerpts."""

from __future__ import annotations

import math
import re

from .excerpt import make_excerpt
from .filters import extract_filters
from .models import Answer, Hit, NoAnswer
from .store import Candidate, Store
from .tokenize import Tokenizer

MAX_QUESTION_CHARS = 1000
MAX_TERMS = 48
# Share of the question's IDF mass that a hit must contain to be shown at all.
MIN_COVERAGE = 0.5
CANDIDATES_PER_HIT = 6

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: str) -> str:
    """Control and direction characters out, whitespace folded, length capped."""
    return " ".join(_CONTROL.sub(" ", question).split())[:MAX_QUESTION_CHARS]


def answer(store: Store, tokenizer: Tokenizer, question: str, limit: int = 3, offset: int = 0) -> Answer:
    """Up to `limit` hits after skipping `offset`, best first, at most one per article."""
    question = clean_question(question)
    filters, rest = extract_filters(question)
    terms = list(dict.fromkeys(tokenizer.tokens(rest)))
    if not terms:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.EMPTY_QUESTION)
    if filters.active and store.count_issues(filters) == 0:
        stats = store.stats()
        held = (stats.first, stats.latest) if stats.first and stats.latest else None
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.OUTSIDE_ARCHIVE, held=held)

    idf = _idf(store, terms)
    terms = sorted(terms, key=lambda t: -idf[t])[:MAX_TERMS]
    wanted = limit + offset
    candidates = store.search(terms, filters, limit=wanted * CANDIDATES_PER_HIT)
    best = _best_per_article(candidates)
    total_idf = sum(idf[t] for t in terms)
    kept = [c for c in best if _coverage(c, terms, idf, total_idf) >= MIN_COVERAGE]
    page = kept[offset:wanted]
    if not page:
        return Answer(question=question, hits=(), filters=filters, no_answer=NoAnswer.NO_MATCH)

    refs = store.refs(c.issue_total for c in page)
    articles = store.articles(c.article_id for c in page)
    hits = tuple(
        Hit(
            issue=refs[c.issue_total],
            article_id=c.article_id,
            title=articles[c.article_id][0],
            source=articles[c.article_id][1],
            excerpt=make_excerpt(c.text, terms, tokenizer.tokens),
            score=round(c.score, 4),
            terms=tuple(t for t in terms if t in c.tokens),
        )
        for c in page
    )
    return Answer(question=question, hits=hits, filters=filters)


def _idf(store: Store, terms: list[str]) -> dict[str, float]:
    """BM25's IDF; a term the archive never uses gets the highest value, so it weighs on coverage."""
    n = store.passage_count()
    df = store.document_frequencies(terms)
    return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in terms}


def _coverage(candidate: Candidate, terms: list[str], idf: dict[str, float], total_idf: float) -> float:
    if total_idf <= 0:
        return 0.0
    return sum(idf[t] for t in terms if t in candidate.tokens) / total_idf


def _best_per_article(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[int] = set()
    best = []
    for candidate in candidates:
        if candidate.article_id not in seen:
            seen.add(candidate.article_id)
            best.append(candidate)
    return best

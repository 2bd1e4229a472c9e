"""How well a passage answers a question: the three tiers (confident answer, related, nothing),
and the share of the question further hits of an answered question need."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..index.search import QueryTerm
from ..models import Match
from ..store.database import Store
from .query import Query

# The three tiers (docs/quality.md has the figures they were read from, on the dev halves of
# three sets). Coverage is the share of the question's weight (IDF x query term frequency of its
# character grams) that the best passage holds; bigram coverage the same over its bigrams alone;
# topic words are its jieba words of two or more characters found in the article.
# Nothing: the best passage holds little of the question, almost none of its bigrams, and at most
# one of its words. Off-topic questions (推荐一部好看的电影, 个人所得税怎么申报) share a
# character here and a word there; an answerable question worded unlike its article still shares
# bigrams or several words. On the dev halves of the development archive, CMRC and the domain set
# and the hostile-question tests, every off-topic question falls under all three bounds, and 4 of
# 1,731 answerable ones do (0.28 to 0.35 alike; at 0.25 推荐一部电影 on the sample archive did not).
NONE_COVERAGE = 0.3
NONE_BIGRAM_COVERAGE = 0.16
NONE_TOPIC_WORDS = 1
# A confident answer holds this share of the question, or two of its words and a fifth of it (two
# common words alone, 测评 and 疫情 in a 控烟 article, made a year's weak match look confident
# and kept the archive-wide answer from being sought); in between, related.
ANSWER_COVERAGE = 0.35
ANSWER_TOPIC_WORDS = 2
ANSWER_TOPIC_COVERAGE = 0.2
# Once the question is answered, further hits need only this share.
HIT_COVERAGE = 0.2


def is_confident(coverage: float, topic_words: int) -> bool:
    """The confident tier: the passage holds ANSWER_COVERAGE of the question, or
    ANSWER_TOPIC_WORDS of its words and ANSWER_TOPIC_COVERAGE of it."""
    return coverage >= ANSWER_COVERAGE or (topic_words >= ANSWER_TOPIC_WORDS and coverage >= ANSWER_TOPIC_COVERAGE)


def confident_mask(coverage: np.ndarray, topic_words: np.ndarray) -> np.ndarray:
    """is_confident for many passages at once."""
    return (coverage >= ANSWER_COVERAGE) | ((topic_words >= ANSWER_TOPIC_WORDS) & (coverage >= ANSWER_TOPIC_COVERAGE))


def topic_words_in(query: Query, normal_text: str) -> int:
    """How many of the question's topic words the (normalized) title and text hold."""
    return sum(1 for word in query.topics if word in normal_text)


def tier(
    store: Store,
    normalize: Callable[[str], str],
    query: Query,
    terms: list[QueryTerm],
    passage_id: int,
    coverage: float,
    named_issue: bool,
) -> Match:
    """How well the best passage answers the question (see NONE_COVERAGE and ANSWER_COVERAGE).
    Within an issue the question names, any match is at least related: the reader chose the issue."""
    article_id, _, text, _, _ = store.passage_pages([passage_id])[passage_id]
    title = store.articles([article_id])[article_id][0]
    normal = normalize(title + "\n" + text)
    topic_words = topic_words_in(query, normal)
    if is_confident(coverage, topic_words):
        return Match.ANSWER
    bigrams = [t for t in terms if len(t.term) == 2]
    mass = sum(t.weight * t.idf for t in bigrams)
    bigram_coverage = sum(t.weight * t.idf for t in bigrams if t.term in normal) / mass if mass > 0 else 0.0
    if (
        not named_issue
        and coverage < NONE_COVERAGE
        and bigram_coverage < NONE_BIGRAM_COVERAGE
        and topic_words <= NONE_TOPIC_WORDS
    ):
        return Match.NONE
    return Match.RELATED

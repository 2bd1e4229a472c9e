"""A topic over the years: how many articles of each year answer it, by the ranking's own tiers.

An article counts when one of its passages is in the confident tier for the topic asked as a
question (tiers.is_confident: the share of the topic's weight the passage holds, and the topic
words its title and text hold), the decision that makes a question's best hit a confident answer,
and, since a trend counts every such passage rather than showing the best, when the passage also
holds the topic's words (`holds_topic`). The tier alone lets a passage through on part of a topic
of one word: 垃圾 in passing (清理垃圾) holds over 0.35 of 垃圾分类's weight, and such articles
are not about 垃圾分类. Every passage that scores at all is ranked (an exact top-k with k the
passages held), so none is missed; an article with several such passages counts once.

Which passages hold a word is read off the index first: a passage holding the word holds each of
its bigrams, and for a word of two characters that is the word itself. Only a longer word's
passages that hold all its bigrams have their text read, to see the bigrams stand together.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..index.search import Search
from ..models import Trend, TrendYear
from ..store.database import Store
from ..tokenize import Tokenizer, char_grams
from .answer import clean_question
from .filters import extract_filters
from .query import Query
from .tiers import ANSWER_TOPIC_COVERAGE, ANSWER_TOPIC_WORDS, confident_mask


def trend(store: Store, tokenizer: Tokenizer, topic: str) -> Trend:
    """Every year held, in order, with the articles that answer the topic and their issues.

    A year, month or issue named in the topic is dropped (the trend spans every year)."""
    topic = clean_question(topic)
    _, rest = extract_filters(topic)
    held_years = [year for year, _ in store.years()]
    query = Query.of(tokenizer, rest)
    if query.empty:
        return Trend(topic, tuple(TrendYear(year, 0) for year in held_years), empty_topic=True)
    articles: dict[int, set[int]] = defaultdict(set)  # year -> articles
    issues: dict[int, set[int]] = defaultdict(set)  # year -> issue totals
    for article_id, total, year in _confident_articles(store, tokenizer, query):
        articles[year].add(article_id)
        issues[year].add(total)
    return Trend(
        topic,
        tuple(TrendYear(year, len(articles[year]), tuple(sorted(issues[year]))) for year in held_years),
    )


def word_parts(query: Query, word: str) -> list[str]:
    """The question's shorter words inside a topic word (文明城区 and 创建 in 文明城区创建)."""
    return [w for w in query.words if len(w) >= 2 and w != word and w in word]


def holds_topic(query: Query, normal_text: str) -> bool:
    """The text holds the topic's words: each of them, when it has one or two, else at least
    ANSWER_TOPIC_WORDS. A word counts as held when the text holds it whole, or each of the
    question's shorter words inside it (文明城区 and 创建 for 文明城区创建, as articles word it
    创建文明城区). A topic jieba reads no word of two characters in (控烟) needs nothing more.
    (_confident_articles decides the same for many passages at once.)"""
    held = 0
    for word in query.topics:
        parts = word_parts(query, word)
        if word in normal_text or (parts and all(p in normal_text for p in parts)):
            held += 1
    return held >= min(len(query.topics), ANSWER_TOPIC_WORDS)


def _confident_articles(store: Store, tokenizer: Tokenizer, query: Query) -> list[tuple[int, int, int]]:
    """(article, issue total, year) of every passage in the confident tier that holds the topic."""
    count = store.passage_count()
    if count == 0:
        return []
    search = store.index.search(query.weights, count)
    # Every scoring passage, in no order (the years group them), and no score needed: only coverage.
    ids, coverage = search.every_passage()
    # No passage under ANSWER_TOPIC_COVERAGE is confident.
    keep = coverage >= ANSWER_TOPIC_COVERAGE
    ids, coverage = ids[keep], coverage[keep]
    words = list(dict.fromkeys([*query.topics, *(p for w in query.topics for p in word_parts(query, w))]))
    held = {word: _holding_bigrams(tokenizer, search, word, ids) for word in words}
    # The bigrams over-count (they may stand apart): only passages that could be confident by them
    # have their text read for the words longer than one bigram.
    maybe = confident_mask(coverage, _tier_words(query, held, len(ids))) & _holds_topic(query, held, len(ids))
    _read_long_words(store, tokenizer, held, ids, maybe)
    chosen = confident_mask(coverage, _tier_words(query, held, len(ids))) & _holds_topic(query, held, len(ids))
    articles = store.article_of_passages()[ids[chosen]]
    facts = store.article_facts()
    return list(zip(articles.tolist(), facts.total[articles].tolist(), facts.year[articles].tolist()))


def _tier_words(query: Query, held: dict[str, np.ndarray], rows: int) -> np.ndarray:
    """How many of the topic words each passage holds (tiers.topic_words_in)."""
    return sum((held[w].astype(np.int64) for w in query.topics), np.zeros(rows, np.int64))


def _holds_topic(query: Query, held: dict[str, np.ndarray], rows: int) -> np.ndarray:
    """holds_topic for each passage."""
    whole = np.zeros(rows, np.int64)
    for word in query.topics:
        parts = word_parts(query, word)
        whole += held[word] | (np.logical_and.reduce([held[p] for p in parts]) if parts else False)
    return whole >= min(len(query.topics), ANSWER_TOPIC_WORDS)


def _holding_bigrams(tokenizer: Tokenizer, search: Search, word: str, ids: np.ndarray) -> np.ndarray:
    """Which of these passages hold each bigram of the word (for a word of two characters, the
    word itself), read off the index."""
    mask = np.ones(len(ids), bool)
    for gram in (g for g in char_grams(tokenizer.normalize(word)) if len(g) == 2):
        term = next((t for t in search.terms if t.term == gram and t.df > 0), None)
        mask &= np.isin(ids, search.postings(term)[0]) if term is not None else False
    return mask


def _read_long_words(
    store: Store, tokenizer: Tokenizer, held: dict[str, np.ndarray], ids: np.ndarray, rows: np.ndarray
) -> None:
    """For the words of more than two characters, whether the passages in `rows` that hold all
    their bigrams hold the word itself, in their (normalized) title and text; the others are
    cleared. Normalizing is slow: a text is normalized only when a word is not found as written."""
    long = [w for w in held if len(w) > 2]
    for word in long:
        held[word] &= rows
    unsure = np.flatnonzero(np.logical_or.reduce([held[w] for w in long])).tolist() if long else []
    if not unsure:
        return
    places = store.passage_pages(ids[unsure].tolist())
    titles = store.articles({place[0] for place in places.values()})
    for row in unsure:
        article_id, _, text, _, _ = places[int(ids[row])]
        raw, normal = titles[article_id][0] + "\n" + text, None
        for word in long:
            if held[word][row] and word not in raw:
                normal = normal if normal is not None else tokenizer.normalize(raw)
                held[word][row] = word in normal

"""A topic over the years: how many articles of each year answer it, by the ranking's own tiers.

An article counts when one of its passages is in the confident tier for the topic asked as a
question (answer.is_confident: the share of the topic's weight the passage holds, and the topic
words its title and text hold), the decision that makes a question's best hit a confident answer,
and, since a trend counts every such passage rather than showing the best, when the passage also
holds the topic's words (`holds_topic`). The tier alone lets a passage through on part of a topic
of one word: 垃圾 in passing (清理垃圾) holds over 0.35 of 垃圾分类's weight, and such articles
are not about 垃圾分类. Every passage that scores at all is ranked (an exact top-k with k the
passages held), so none is missed; an article with several such passages counts once.
"""

from __future__ import annotations

from collections import defaultdict

from ..models import Trend, TrendYear
from ..store.database import Store
from ..tokenize import Tokenizer
from .answer import ANSWER_TOPIC_COVERAGE, ANSWER_TOPIC_WORDS, clean_question, is_confident, topic_words_in
from .filters import extract_filters
from .query import Query


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


def holds_topic(query: Query, normal_text: str) -> bool:
    """The text holds the topic's words: each of them, when it has one or two, else at least
    ANSWER_TOPIC_WORDS. A word counts as held when the text holds it whole, or each of the
    question's shorter words inside it (文明城区 and 创建 for 文明城区创建, as articles word it
    创建文明城区). A topic jieba reads no word of two characters in (控烟) needs nothing more."""
    held = 0
    for word in query.topics:
        parts = [w for w in query.words if len(w) >= 2 and w != word and w in word]
        if word in normal_text or (parts and all(p in normal_text for p in parts)):
            held += 1
    return held >= min(len(query.topics), ANSWER_TOPIC_WORDS)


def _confident_articles(store: Store, tokenizer: Tokenizer, query: Query) -> list[tuple[int, int, int]]:
    """(article, issue total, year) of every passage in the confident tier that holds the topic."""
    count = store.passage_count()
    if count == 0:
        return []
    scored = store.index.search(query.weights, count).top(count)
    # No passage under ANSWER_TOPIC_COVERAGE is confident; the others have their text read.
    maybe = scored.coverage >= ANSWER_TOPIC_COVERAGE
    ids, coverage = scored.ids[maybe].tolist(), scored.coverage[maybe].tolist()
    places = store.passage_pages(ids)
    titles = store.articles({places[pid][0] for pid in ids})
    chosen = []
    for pid, cover in zip(ids, coverage):
        article_id, _, text, _, _ = places[pid]
        normal = tokenizer.normalize(titles[article_id][0] + "\n" + text)
        if is_confident(cover, topic_words_in(query, normal)) and holds_topic(query, normal):
            chosen.append(pid)
    return list(store.passage_owners(chosen).values())

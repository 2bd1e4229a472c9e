"""Every passage's article, and every article's issue, year and source office, held as arrays:
what a question needs to keep one hit per article, and a whole list needs for its facets or a
topic's trend, without asking the database about each passage it ranked. Both are read from indexes that hold their columns
(passages by article, articles by source), so no passage or article text is read."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np


def passage_articles(db: sqlite3.Connection) -> np.ndarray:
    """passage id -> its article's id (0 for an id not held)."""
    rows = db.execute("SELECT id, article_id FROM passages INDEXED BY idx_passages_article_id").fetchall()
    pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
    article = np.zeros(int(pairs[:, 0].max()) + 1 if len(pairs) else 0, np.int64)
    article[pairs[:, 0]] = pairs[:, 1]
    return article


@dataclass(frozen=True)
class ArticleFacts:
    year: np.ndarray
    """article id -> its issue's year."""
    total: np.ndarray
    """article id -> its issue's 总期号."""
    source: np.ndarray
    """article id -> the index of its office in `sources`, -1 without a source line."""
    sources: tuple[str, ...]


def article_facts(db: sqlite3.Connection) -> ArticleFacts:
    years = dict(db.execute("SELECT total, year FROM issues"))
    rows = db.execute("SELECT id, issue_total, source FROM articles INDEXED BY idx_articles_source").fetchall()
    sources = tuple(sorted({source for _, _, source in rows if source}))
    code = {name: n for n, name in enumerate(sources)}
    size = max((row[0] for row in rows), default=-1) + 1
    year = np.zeros(size, np.int64)
    issue = np.zeros(size, np.int64)
    source = np.full(size, -1, np.int64)
    for article_id, total, name in rows:
        year[article_id], issue[article_id] = years[total], total
        source[article_id] = code[name] if name else -1
    return ArticleFacts(year, issue, source, sources)

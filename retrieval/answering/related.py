"""Other articles on an article's theme, from other issues: its title and opening asked of the
archive as a question, through the same ranking, tiers and excerpts as any question."""

from __future__ import annotations

import numpy as np

from ..models import Filters, Hit, Match
from ..store.database import Store
from ..tokenize import Tokenizer
from .answer import _hits, clean_question
from .query import Query

# What of an article is asked: its title and the opening, where an article says what it is about.
# The whole text would ask hundreds of terms, most of them its particulars, not its theme.
OPENING_CHARS = 200


def related(store: Store, tokenizer: Tokenizer, article_id: int, limit: int = 5) -> tuple[Hit, ...]:
    """Up to `limit` articles of other issues on the article's theme, best first; none when even
    the best holds too little of it to count as related."""
    article, ref = store.article(article_id)
    query = Query.of(tokenizer, clean_question(f"{article.title}\n{article.text[:OPENING_CHARS]}"))
    if query.empty:
        return ()
    own = set(store.passage_ids(Filters(total=ref.total)))
    others = np.array([pid for pid in store.passage_ids(Filters()) if pid not in own], dtype=np.int64)
    if not len(others):
        return ()
    found = _hits(store, tokenizer, query, Filters(), limit, 0, allowed=others)
    return found.hits if found.match is not Match.NONE else ()

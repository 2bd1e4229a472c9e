"""A question as the index searches it: weighted terms in both fields, synonyms at a lower weight."""

from __future__ import annotations

from dataclasses import dataclass

from .scoring import CHARS, FIELD_WEIGHT, WORDS
from .synonyms import Synonyms
from .tokenize import Tokenizer

# A synonym's terms weigh this much of the question's own (创城 brings in 创建文明城市 at half
# weight): enough to find an article that uses the other name, too little to outrank one that
# uses the question's own.
SYNONYM_WEIGHT = 0.5
# Terms searched at most, the question's first (a pasted essay would otherwise cost without bound).
MAX_TERMS = 256

Key = tuple[int, str]


@dataclass(frozen=True)
class Query:
    weights: dict[Key, float]
    """Each (field, term) searched, with the field's weight times the question's or a synonym's."""
    own: frozenset[Key]
    """The question's own terms: the share of them a passage holds is its coverage."""
    words: tuple[str, ...]
    """The question's words and its synonyms' words, for excerpts and emphasis."""
    topics: tuple[str, ...] = ()
    """The question's own words of two or more characters that no other of its words contains
    (全国文明城市, not also 文明城市 inside it): what it is about, counted one by one."""

    @classmethod
    def of(cls, tokenizer: Tokenizer, synonyms: Synonyms, text: str) -> "Query":
        words, grams = tokenizer.question_terms(text)
        weights: dict[Key, float] = {}
        for field, terms in ((WORDS, words), (CHARS, grams)):
            for term in terms:
                weights[(field, term)] = FIELD_WEIGHT[field]
        own = frozenset(weights)
        extra_words: list[str] = []
        for alternative in synonyms.alternatives(tokenizer.normalize(text)):
            alt_words, alt_grams = tokenizer.passage_terms(alternative)
            extra_words += alt_words
            for field, terms in ((WORDS, alt_words), (CHARS, alt_grams)):
                for term in terms:
                    weights.setdefault((field, term), FIELD_WEIGHT[field] * SYNONYM_WEIGHT)
        if len(weights) > MAX_TERMS:
            # A pasted essay: its first terms stand for it (the cost of a question stays bounded).
            weights = dict(list(weights.items())[:MAX_TERMS])
            own = frozenset(k for k in own if k in weights)
        long = [w for w in dict.fromkeys(words) if len(w) >= 2]
        topics = tuple(w for w in long if not any(w != other and w in other for other in long))
        return cls(weights, own, tuple(dict.fromkeys(words + extra_words)), topics)

    @property
    def empty(self) -> bool:
        return not self.own

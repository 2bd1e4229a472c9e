"""A question as the index searches it: its character grams, weighted by how often it holds them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..tokenize import Tokenizer

# Terms searched at most, the question's first (a pasted essay would otherwise cost without bound).
MAX_TERMS = 256


@dataclass(frozen=True)
class Query:
    text: str
    """The question, normalized (what it asks for decides its answer sentence)."""
    weights: dict[str, float]
    """Each gram searched, weighted by how often the question holds it (BM25's query term
    frequency, as the plain character BM25 counts it)."""
    words: tuple[str, ...]
    """The question's jieba words (stop words out), for emphasis and answer sentences."""
    topics: tuple[str, ...] = ()
    """The question's words of two or more characters that no other of its words contains
    (全国文明城市, not also 文明城市 inside it): what it is about, counted one by one."""

    @classmethod
    def of(cls, tokenizer: Tokenizer, text: str) -> Query:
        grams = Counter(tokenizer.question_grams(text))
        # A pasted essay: its first terms stand for it (the cost of a question stays bounded).
        weights = {gram: float(n) for gram, n in list(grams.items())[:MAX_TERMS]}
        words = list(dict.fromkeys(tokenizer.question_words(text)))
        long = [w for w in words if len(w) >= 2]
        topics = tuple(w for w in long if not any(w != other and w in other for other in long))
        return cls(tokenizer.normalize(text), weights, tuple(words), topics)

    @property
    def empty(self) -> bool:
        """Nothing to look for: no grams, or only function and question words (的了吗, 在吗),
        whose characters every passage holds."""
        return not self.weights or not self.words

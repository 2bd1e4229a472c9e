"""Plain BM25 peers the evaluators measure the project against, over documents and questions as text.

- words: jieba.lcut with punctuation tokens dropped (the design a Chinese search bot starts from);
- character grams: every character and every pair of adjacent characters of the NFKC-casefolded
  text, within runs between punctuation and whitespace, so no bigram spans a comma. Questions lose
  their question words first (QUESTION_WORDS): 什么, 如何, 多少 occur in no answer, and as grams
  they match text that merely asks or counts;
- okapi: rank_bm25's BM25Okapi; lucene: bm25s's Lucene BM25.

Each ranker returns, per question, the indices of the best `depth` documents with a positive
score, best first (ties in document order).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.tokenize import QUESTION_WORDS

DEPTH = 10
CHAR_K1 = 1.2
CHAR_B = 0.9
CHAR_PEER = f"char 1+2-grams+BM25Okapi (k1={CHAR_K1}, b={CHAR_B})"

_QUESTION_WORD = re.compile("|".join(map(re.escape, QUESTION_WORDS)))
_PUNCTUATION = re.compile(r"^[\W_]+$")
_BREAKS = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    return [t for t in jieba.lcut(text) if t.strip() and not _PUNCTUATION.match(t)]


def char_grams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _BREAKS.split(unicodedata.normalize("NFKC", text).casefold()):
        grams += list(run)
        grams += [run[i : i + 2] for i in range(len(run) - 1)]
    return grams


def question_char_grams(question: str) -> list[str]:
    """A question's character grams once its question words are gone (they break runs, too)."""
    return char_grams(_QUESTION_WORD.sub(" ", unicodedata.normalize("NFKC", question).casefold()))


def okapi(
    documents: list[list[str]], questions: list[list[str]], depth: int = DEPTH, **params: float
) -> list[list[int]]:
    """rank_bm25's BM25Okapi (its defaults unless params name k1, b); [""] stands for no tokens."""
    bm25 = BM25Okapi([doc or [""] for doc in documents], **params)
    return [top(bm25.get_scores(terms or [""]), depth) for terms in questions]


def lucene(documents: list[list[str]], questions: list[list[str]], depth: int = DEPTH) -> list[list[int]]:
    """bm25s's Lucene BM25; a question with no known term ranks nothing."""
    import bm25s  # its import is slow; only this peer needs it

    retriever = bm25s.BM25(method="lucene")
    retriever.index([doc or [""] for doc in documents], show_progress=False)
    rankings = []
    for terms in questions:
        known = [t for t in terms if t in retriever.vocab_dict]
        rankings.append(top(retriever.get_scores(known), depth) if known else [])
    return rankings


def naive(documents: list[str], questions: list[str], depth: int = DEPTH) -> list[list[int]]:
    return okapi([words(d) for d in documents], [words(q) for q in questions], depth)


def char_bigrams(documents: list[str], questions: list[str], depth: int = DEPTH) -> list[list[int]]:
    docs = [char_grams(d) for d in documents]
    return okapi(docs, [question_char_grams(q) for q in questions], depth, k1=CHAR_K1, b=CHAR_B)


def words_lucene(documents: list[str], questions: list[str], depth: int = DEPTH) -> list[list[int]]:
    return lucene([words(d) for d in documents], [words(q) for q in questions], depth)


def top(scores: Iterable[float] | np.ndarray, depth: int = DEPTH) -> list[int]:
    ordered = sorted(enumerate(scores), key=lambda pair: -pair[1])[:depth]
    return [i for i, s in ordered if s > 0]

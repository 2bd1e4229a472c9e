"""Cut a 120-200 character excerpt around the sentences of a passage that best answer a question."""

from __future__ import annotations

from typing import Callable

from .scoring import impact
from .text import split_sentences

MIN_CHARS = 120
MAX_CHARS = 200
ELLIPSIS = "…"


def make_excerpt(
    passage: str,
    weights: dict[str, float],
    normalize: Callable[[str], str],
    min_chars: int = MIN_CHARS,
    max_chars: int = MAX_CHARS,
) -> str:
    """The best sentence by BM25 over the question's terms (weighted by their archive IDF), grown
    with neighbouring sentences up to max_chars; ellipses mark text left out."""
    text = "".join(line.strip() for line in passage.splitlines())
    sentences = split_sentences(text)
    if len(text) <= max_chars or not sentences:
        return text[:max_chars] + (ELLIPSIS if len(text) > max_chars else "")
    scores = sentence_scores([normalize(s) for s in sentences], weights)
    query_terms = list(weights)
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    first = last = best
    size = len(sentences[best])
    # Grow towards the more relevant neighbour; on a tie, towards the shorter side, so the
    # best sentence stays near the middle. Stop once long enough and nothing relevant is left.
    while True:
        options = []
        if first > 0 and size + len(sentences[first - 1]) <= max_chars:
            options.append((scores[first - 1], -(best - first), first - 1))
        if last + 1 < len(sentences) and size + len(sentences[last + 1]) <= max_chars:
            options.append((scores[last + 1], -(last - best), last + 1))
        if not options or (size >= min_chars and max(options)[0] <= 0):
            break
        _, _, index = max(options)
        first, last = min(first, index), max(last, index)
        size += len(sentences[index])
    excerpt = "".join(sentences[first : last + 1]).strip()
    if len(excerpt) > max_chars:
        excerpt = _window(excerpt, query_terms, max_chars)
        return ELLIPSIS + excerpt.strip() + ELLIPSIS
    return (ELLIPSIS if first > 0 else "") + excerpt + (ELLIPSIS if last + 1 < len(sentences) else "")


def _window(text: str, query_terms: list[str], width: int) -> str:
    """A width-long slice of one long sentence, centred on the first query term it contains."""
    positions = [text.find(term) for term in query_terms if term and text.find(term) >= 0]
    centre = min(positions) if positions else 0
    start = max(0, min(centre - width // 3, len(text) - width))
    return text[start : start + width]


def sentence_scores(sentences: list[str], weights: dict[str, float]) -> list[float]:
    """BM25 of each (normalised) sentence. Terms are counted as substrings, which is what the
    tokenizer's sub-words amount to (文明 in 精神文明), so no sentence is segmented again."""
    average = sum(map(len, sentences)) / len(sentences)
    return [sum(w * impact(tf, len(s), average) for t, w in weights.items() if (tf := s.count(t))) for s in sentences]

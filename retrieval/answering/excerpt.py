"""Cut a 120-200 character excerpt around the sentence of a passage that answers a question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..text import split_sentences
from .answer_sentence import answer_scores

MIN_CHARS = 120
MAX_CHARS = 200
ELLIPSIS = "…"
# A sentence apart from the others joins the excerpt when it scores this share of the answer's.
FAR_SHARE = 0.3


@dataclass(frozen=True)
class Excerpt:
    text: str
    answer: tuple[int, int] | None = None
    """[start, end) of the answer sentence in text; None when no sentence holds a question term."""


def make_excerpt(
    passage: str,
    weights: dict[str, float],
    normalize: Callable[[str], str],
    normal_question: str = "",
    title: str = "",
    min_chars: int = MIN_CHARS,
    max_chars: int = MAX_CHARS,
) -> Excerpt:
    """The answer sentence (answer_sentence.answer_scores over the question's terms, weighted by
    their archive IDF; the question normalized; terms of the passage's title count for less), with
    the most relevant other sentences that fit in max_chars; ellipses mark text left out."""
    text = "".join(line.strip() for line in passage.splitlines())
    sentences = split_sentences(text)
    if not sentences:
        return Excerpt(text[:max_chars] + (ELLIPSIS if len(text) > max_chars else ""))
    scores = answer_scores(
        _normalized(text, sentences, normalize), weights, normal_question, normalize(title) if title else ""
    )
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    found = scores[best] > 0
    if len(text) <= max_chars:
        return Excerpt(text, _span(sentences, 0, best) if found else None)
    if len(sentences[best]) > max_chars:
        # One sentence longer than an excerpt: a window of it around its first question term.
        window = _window(sentences[best], [t for t in weights if len(t) > 1] or list(weights), max_chars - 2)
        body = window.strip()
        return Excerpt(ELLIPSIS + body + ELLIPSIS, (1, 1 + len(body)) if found else None)
    chosen = _choose(sentences, scores, best, min_chars, max_chars)
    parts: list[str] = []
    answer = None
    for index in chosen:
        if index - 1 not in chosen:
            parts.append(ELLIPSIS if index > 0 or parts else "")
        sentence = sentences[index].strip()
        if index == best and found:
            start = sum(map(len, parts))
            answer = (start, start + len(sentence))
        parts.append(sentence)
    if chosen[-1] + 1 < len(sentences):
        parts.append(ELLIPSIS)
    return Excerpt("".join(parts), answer)


def _normalized(text: str, sentences: list[str], normalize: Callable[[str], str]) -> list[str]:
    """Each sentence normalized, from one normalization of the whole text when it splits into as
    many sentences (NFKC keeps sentence ends sentence ends: ！ becomes !), else one by one."""
    whole = split_sentences(normalize(text))
    return whole if len(whole) == len(sentences) else [normalize(s) for s in sentences]


def _choose(sentences: list[str], scores: list[float], best: int, min_chars: int, max_chars: int) -> list[int]:
    """The sentences shown, in order: the answer, then the most relevant sentences that still fit,
    wherever they are in the passage (a second sentence on the question may be far from the
    first), then neighbours until the excerpt is long enough."""
    chosen = {best}
    size = len(sentences[best])
    while True:
        fits = [i for i in range(len(sentences)) if i not in chosen and size + len(sentences[i]) + 1 <= max_chars]
        relevant = [i for i in fits if scores[i] > 0]
        if relevant:
            pick = max(relevant, key=lambda i: (scores[i], -abs(i - best)))
        else:
            near = [i for i in fits if i - 1 in chosen or i + 1 in chosen]
            if size >= min_chars or not near:
                break
            pick = min(near, key=lambda i: (abs(i - best), i))
        chosen.add(pick)
        size += len(sentences[pick]) + 1
    return sorted(chosen)


def _span(sentences: list[str], offset: int, index: int) -> tuple[int, int]:
    """Where sentences[index] stands, without its surrounding spaces, in `offset` characters
    followed by the sentences joined and stripped."""
    body = "".join(sentences)
    sentence = sentences[index]
    start = offset + sum(map(len, sentences[:index])) - (len(body) - len(body.lstrip()))
    start += len(sentence) - len(sentence.lstrip())
    return start, start + len(sentence.strip())


def _window(text: str, query_terms: list[str], width: int) -> str:
    """A width-long slice of one long sentence, centred on the first query term it contains."""
    positions = [text.find(term) for term in query_terms if term and text.find(term) >= 0]
    centre = min(positions) if positions else 0
    start = max(0, min(centre - width // 3, len(text) - width))
    return text[start : start + width]

"""Where a question's terms occur in an excerpt, as character spans a renderer can emphasise."""

from __future__ import annotations

from collections.abc import Iterable

from ..tokenize import Tokenizer

Span = tuple[int, int]


def term_spans(text: str, terms: Iterable[str], tokenizer: Tokenizer) -> tuple[Span, ...]:
    """Sorted, non-overlapping [start, end) spans of text matching any term.

    Matching is done on the normalized text (full width, case, traditional script), so a term
    found in the index is found here too. Single characters are left out: emphasising every 区 or
    市 in an excerpt would hide the words that matter.
    """
    wanted = sorted({t for t in terms if len(t) >= 2}, key=len, reverse=True)
    if not wanted or not text:
        return ()
    normalized, origin = tokenizer.normalize_aligned(text)
    spans: list[Span] = []
    for term in wanted:
        start = normalized.find(term)
        while start >= 0:
            end = start + len(term)
            spans.append((origin[start], origin[end - 1] + 1))
            start = normalized.find(term, end)
    return merge_spans(spans)


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)

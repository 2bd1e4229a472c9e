"""A text as escaped HTML with the question's terms and the answer sentence wrapped in tags: the
one emphasis the Telegram messages and the web pages share (each passes its own tags)."""

from __future__ import annotations

import html
from itertools import pairwise


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def emphasise(
    text: str,
    marks: tuple[tuple[int, int], ...],
    answer: tuple[int, int] | None = None,
    term: tuple[str, str] = ("<b>", "</b>"),
    sentence: tuple[str, str] = ("<b>", "</b>"),
) -> str:
    """Escaped text with the marked spans (the question's terms) and the answer sentence wrapped
    in their tags; the sentence's tag encloses the terms' inside it, so the tags always nest.
    With no answer sentence the terms take the sentence's tag, the only emphasis there is."""
    if answer is None:
        term = sentence
    cuts = {0, len(text)}
    for start, end in marks:
        cuts.update((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    if answer is not None:
        cuts.update((max(0, min(answer[0], len(text))), max(0, min(answer[1], len(text)))))
    bounds = sorted(cuts)
    out = []
    for start, end in pairwise(bounds):
        piece = escape(text[start:end])
        if any(s <= start and end <= e for s, e in marks):
            piece = f"{term[0]}{piece}{term[1]}"
        if answer is not None and start == answer[0]:
            out.append(sentence[0])
        out.append(piece)
        if answer is not None and end == answer[1]:
            out.append(sentence[1])
    return "".join(out)

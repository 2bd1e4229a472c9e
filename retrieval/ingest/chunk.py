"""Article -> passages, cut at sentence boundaries: a bulletin article (a few hundred to about
1,500 characters) stays whole, longer ones are cut into passages of 750-1,500.

The ranking scores an article's best passage, and BM25 scores a whole article better than the
best of its 150-400-character pieces (docs/quality.md: 0.3 to 1.3 points of R@1 on the dev halves
of two sets): the question's words are spread over the article, not packed in one piece."""

from __future__ import annotations

import re

from ..text import split_sentences

MIN_CHARS = 750
MAX_CHARS = 1500
# At a paragraph end, a passage this long is a good place to stop.
PARAGRAPH_CUT_CHARS = 1000

_Unit = tuple[str, bool, int]  # a sentence, whether it ends its paragraph, its offset in the text


def chunk_paragraphs(paragraphs: tuple[str, ...] | list[str]) -> list[str]:
    """Pack whole sentences into passages; a sentence is cut only when it alone exceeds MAX_CHARS."""
    return [text for _, text in chunk_with_offsets(paragraphs)]


def chunk_with_offsets(paragraphs: tuple[str, ...] | list[str]) -> list[tuple[int, str]]:
    """chunk_paragraphs, each passage with the offset where it starts in "\\n".join(paragraphs)."""
    units: list[_Unit] = []
    base = 0
    for paragraph in paragraphs:
        pieces = [p for s in split_sentences(paragraph) for p in _split_long(s)]
        cursor = 0
        for i, piece in enumerate(pieces):
            cursor = paragraph.find(piece, cursor)
            units.append((piece, i == len(pieces) - 1, base + max(cursor, 0)))
            cursor += len(piece)
        base += len(paragraph) + 1

    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        size = _size(current)
        if current and size + len(unit[0]) > MAX_CHARS and size >= MIN_CHARS:
            groups.append(current)
            current = []
        current.append(unit)
        if unit[1] and _size(current) >= PARAGRAPH_CUT_CHARS:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    if len(groups) > 1 and _size(groups[-1]) < MIN_CHARS:
        groups[-2:] = _rebalance(groups[-2] + groups[-1])
    return [(_start(group), _join(group)) for group in groups]


def _size(units: list[_Unit]) -> int:
    return sum(len(text) for text, _, _ in units)


def _join(units: list[_Unit]) -> str:
    return "".join(text + ("\n" if end else "") for text, end, _ in units).strip()


def _start(units: list[_Unit]) -> int:
    """Where the passage's first visible character is."""
    text, _, offset = units[0]
    return offset + len(text) - len(text.lstrip())


def _rebalance(units: list[_Unit]) -> list[list[_Unit]]:
    """Merge a short tail into the passage before it, or move the cut so both halves are long enough."""
    if _size(units) <= MAX_CHARS:
        return [units]
    best = min(
        range(1, len(units)),
        key=lambda i: max(_size(units[:i]), _size(units[i:])),
    )
    return [units[:best], units[best:]]


def _split_long(sentence: str) -> list[str]:
    """A sentence over MAX_CHARS is cut at clause marks, and as a last resort by length."""
    if len(sentence) <= MAX_CHARS:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for clause in re.findall(r"[^，,、：:]*[，,、：:]?", sentence):
        if not clause:
            continue
        if current and len(current) + len(clause) > MAX_CHARS:
            pieces.append(current)
            current = ""
        while len(clause) > MAX_CHARS:
            pieces.append(clause[:MAX_CHARS])
            clause = clause[MAX_CHARS:]
        current += clause
    if current:
        pieces.append(current)
    return pieces

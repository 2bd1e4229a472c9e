"""Character classes and sentence splitting shared by the parser, chunker and excerpts."""

from __future__ import annotations

import re

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
# Sentence-final marks; a closing quote or bracket right after one still belongs to the sentence.
TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』\"')）】》"

_SENTENCE = re.compile(rf"[^{TERMINAL}]*(?:[{TERMINAL}]+[{CLOSERS}]*|$)")
# Spaces left by line wrapping between two Chinese characters, or between Chinese and a digit.
_WRAP_SPACE = re.compile(
    rf"(?<=[{CJK}，。、；：“”（）《》])[ \t\u3000]+(?=[{CJK}0-9“”（）《》])|(?<=[0-9])[ \t\u3000]+(?=[{CJK}])"
)
_ENDS_SENTENCE = re.compile(rf"[{TERMINAL}:：][{CLOSERS}]*$")


def split_sentences(text: str) -> list[str]:
    """Split at sentence-final marks, keeping each mark (and any closing quote) with its sentence."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def close_wrap_spaces(text: str) -> str:
    return _WRAP_SPACE.sub("", text)


def ends_sentence(text: str) -> bool:
    return bool(_ENDS_SENTENCE.search(text.rstrip()))


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)

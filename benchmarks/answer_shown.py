"""Does the excerpt a reader sees first show the answer? The measure both evaluators report.

A question counts as shown when its first hit is a gold passage (or article) and that hit's
excerpt contains one of the question's answers. Excerpt and answers are compared after NFKC and
without any whitespace, so full-width digits, wrapped lines and spaced numbers do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def shows_answer(excerpt: str | None, answers: Iterable[str]) -> bool:
    """Whether the excerpt contains any of the answers (an empty answer never counts)."""
    if not excerpt:
        return False
    seen = comparable(excerpt)
    return any((wanted := comparable(answer)) and wanted in seen for answer in answers)


def answer_shown(results: Iterable[tuple[bool, str | None, tuple[str, ...]]]) -> dict:
    """Over (first hit is gold, its excerpt, the answers) of every question that carries answers:
    the share whose first hit is gold and shows one of them, and the counts behind it."""
    asked = right = shown = 0
    for first_is_gold, excerpt, answers in results:
        if not answers:
            continue
        asked += 1
        right += first_is_gold
        shown += first_is_gold and shows_answer(excerpt, answers)
    return {
        "answer_shown": round(shown / asked, 4) if asked else 0.0,
        "answer_counts": {"shown": shown, "right_first": right, "with_answers": asked},
    }


def answer_line(report: dict) -> str:
    """answer_shown as a line of a report's table."""
    counts = report["answer_counts"]
    return (
        f"project answer_shown: {report['answer_shown']:.4f} ({counts['shown']} of {counts['with_answers']} "
        f"questions with answers; first hit gold for {counts['right_first']})"
    )

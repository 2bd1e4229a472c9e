"""Questions a user would ask about the sample archive find the right article first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.archive import Archive

QUESTIONS = json.loads((Path(__file__).parent / "sample_questions.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["question"] for q in QUESTIONS])
def test_the_right_article_comes_first(shared_sample_archive: Archive, case: dict) -> None:
    hits = shared_sample_archive.ask(case["question"]).hits
    assert hits, "no answer"
    assert (hits[0].issue.total, hits[0].title[: len(case["title"])]) == (case["total"], case["title"])

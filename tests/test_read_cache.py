"""What a serving archive keeps between questions never changes an answer: not after another
process adds or replaces issues, and not when its memory budget forces lists out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from retrieval import read_cache
from retrieval.archive import Archive
from retrieval.models import Answer
from retrieval.scoring import SparseImpacts
from retrieval.tokenize import Tokenizer

DEV = ROOT / "data" / "eval" / "dev-archive"
QUESTIONS = [json.loads(line)["question"] for line in (DEV / "questions.jsonl").read_text("utf-8").splitlines()][:60]
# Questions within one year (the year filter reads lists block by block) and across the archive.
QUESTIONS += ["2021年志愿服务", "2020年垃圾分类", "文明", "文明城区创建"]


def ranked(answer: Answer) -> list[tuple[int, float]]:
    return [(hit.article_id, hit.score) for hit in answer.hits]


def answers(archive: Archive) -> list[list[tuple[int, float]]]:
    return [ranked(archive.ask(q, limit=5)) for q in QUESTIONS]


def fresh_answers(db: Path, tokenizer: Tokenizer) -> list[list[tuple[int, float]]]:
    with Archive(db, tokenizer, readonly=True) as fresh:
        return answers(fresh)


def test_a_reader_answers_as_a_fresh_one_after_another_process_writes(tmp_path: Path, tokenizer: Tokenizer) -> None:
    bulletins = sorted((DEV / "bulletins").glob("*.txt"))
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    for path in bulletins[:12]:
        shutil.copy(path, first)
    for path in bulletins[12:]:
        shutil.copy(path, later)
    db = tmp_path / "archive.db"
    with Archive(db, tokenizer) as writer:
        assert all(r.error is None for r in writer.ingest([first]))
        with Archive(db, tokenizer, readonly=True) as reader:
            before = answers(reader)
            assert len(reader.store.index.kept.impacts) > 0 and len(reader.store.index.kept.terms) > 0
            assert before == fresh_answers(db, tokenizer)
            # Another connection adds the other half: every list and mean length changes.
            assert all(r.error is None for r in writer.ingest([later]))
            after = answers(reader)
            assert after == fresh_answers(db, tokenizer)
            assert after != before
            # And replaces one issue with a version of itself reworded throughout.
            replaced = tmp_path / "replaced"
            replaced.mkdir()
            text = bulletins[3].read_text("utf-8")
            (replaced / bulletins[3].name).write_text(text.replace("志愿", "文明城区志愿"), "utf-8")
            assert all(r.error is None for r in writer.ingest([replaced]))
            assert answers(reader) == fresh_answers(db, tokenizer)


@pytest.fixture(scope="module")
def dev_db(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Path:
    db = tmp_path_factory.mktemp("dev") / "archive.db"
    with Archive(db, tokenizer) as archive:
        assert all(r.error is None for r in archive.ingest([DEV / "bulletins"]))
    return db


def test_a_small_budget_keeps_memory_within_it_and_the_same_answers(
    dev_db: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = fresh_answers(dev_db, tokenizer)
    budget = 64 * 1024
    monkeypatch.setattr(read_cache, "KEPT_IMPACT_BYTES", budget)
    monkeypatch.setattr(read_cache, "KEPT_TERM_BYTES", budget)
    with Archive(dev_db, tokenizer, readonly=True) as small:
        for _ in range(2):  # the second pass reads again what the first pushed out
            assert answers(small) == expected
            kept = small.store.index.kept
            for part in (kept.impacts, kept.terms):
                # Within the budget, or a single entry larger than it (the one just used).
                assert part.size <= budget or len(part) == 1
                assert len(part) > 0


def test_an_entry_made_at_another_mean_length_is_not_taken() -> None:
    cache = read_cache.ReadCache()
    impacts = SparseImpacts(np.array([1, 5], np.intp), np.array([0.5, 0.7]))
    cache.keep_impacts((0, "文明"), 12.5, impacts)
    assert cache.impacts.get((0, "文明"), 12.5) is impacts
    assert cache.impacts.get((0, "文明"), 12.75) is None
    assert cache.impacts.get((1, "文明"), 12.5) is None

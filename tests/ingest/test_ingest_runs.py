"""Large ingest runs: batches, worker processes, a second version of an issue within one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import synth
from retrieval.archive import Archive
from retrieval.ingest import pipeline as ingest
from retrieval.models import IngestStatus
from retrieval.tokenize import Tokenizer
from tests.helpers import ISSUE_2202
from tests.helpers.index_checks import assert_index_matches_passages


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    synth.write_archive(folder, issues=12, questions=20)
    return folder


def answers(archive: Archive, folder: Path) -> list[list[tuple[int, str]]]:
    questions = [q["question"] for q in synth.read_questions(folder)]
    return [[(h.issue.total, h.excerpt) for h in archive.ask(q).hits] for q in questions]


def test_a_run_in_worker_processes_and_batches_stores_what_a_plain_run_stores(
    synthetic: Path, tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch, worker_processes
) -> None:
    with Archive(tmp_path / "plain.db", tokenizer) as plain:
        plain_reports = list(plain.ingest([synthetic]))
        expected = answers(plain, synthetic)
    worker_processes()
    monkeypatch.setattr(ingest, "BATCH_ISSUES", 5)
    with Archive(tmp_path / "batched.db", tokenizer) as batched:
        reports = list(batched.ingest([synthetic]))
        assert [r.name for r in reports] == [r.name for r in plain_reports]
        assert [r.status for r in reports] == [IngestStatus.ADDED] * 12
        assert [r.ref.total for r in reports] == list(range(1, 13))
        assert all(r.chars > 1000 for r in reports)
        assert batched.stats().issues == 12
        assert_index_matches_passages(batched.store)
        assert answers(batched, synthetic) == expected
        assert any(expected), "the synthetic questions should find something"


def test_two_versions_of_an_issue_in_one_run_are_stored_in_order(tmp_path: Path, tokenizer: Tokenizer) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    original = ISSUE_2202.read_text(encoding="utf-8")
    (folder / "a.txt").write_text(original, encoding="utf-8")
    (folder / "b.txt").write_text(original.replace("凝心聚力", "踔厉奋发"), encoding="utf-8")
    (folder / "c.txt").write_text(original.replace("凝心聚力", "踔厉奋发"), encoding="utf-8")
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        reports = list(archive.ingest([folder]))
        assert [r.status for r in reports] == [IngestStatus.ADDED, IngestStatus.REPLACED, IngestStatus.UNCHANGED]
        assert archive.issue(2202).articles[2].title.startswith("丰台区踔厉奋发")
        assert_index_matches_passages(archive.store)

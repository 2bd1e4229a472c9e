"""`run_bot.py trend`, run as a user runs it, over the development archive (its 垃圾分类 articles
are read by hand in tests/retrieval/test_trend.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.archive import Archive
from tests.helpers import ROOT

DEV_BULLETINS = ROOT / "data" / "eval" / "dev-archive" / "bulletins"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, run_bot) -> str:
    path = tmp_path_factory.mktemp("trend") / "archive.db"
    result = run_bot("ingest", str(DEV_BULLETINS), "--db", str(path))
    assert result.returncode == 0, result.stderr
    return str(path)


def test_the_text_is_a_caption_and_a_row_per_held_year(db: str, run_bot) -> None:
    result = run_bot("trend", "垃圾分类", "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "“垃圾分类”：2019—2025年共 8 篇相关文章"
    rows = [line.split() for line in lines[3:]]
    assert rows == [
        ["2019", "2", "2103、2108"],
        ["2020", "1", "2131"],
        ["2021", "1", "2158"],
        ["2022", "0", "—"],
        ["2023", "2", "2231、2250"],
        ["2024", "1", "2270"],
        ["2025", "1", "2315"],
    ]


def test_json_lists_every_held_year_with_zeros(db: str, run_bot) -> None:
    result = run_bot("trend", "垃圾分类", "--json", "--db", db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["topic"] == "垃圾分类"
    assert [y["year"] for y in data["years"]] == list(range(2019, 2026))
    assert data["years"][3] == {"year": 2022, "articles": 0, "issues": []}
    assert data["years"][0] == {"year": 2019, "articles": 2, "issues": [2103, 2108]}
    assert sum(y["articles"] for y in data["years"]) == 8


def test_an_empty_topic_is_one_line_and_exit_2(db: str, run_bot) -> None:
    result = run_bot("trend", "  ", "--db", db)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == '请写出话题，例如：python run_bot.py trend "垃圾分类"'


def test_an_empty_archive_is_one_line_and_exit_1(tmp_path: Path, run_bot) -> None:
    path = tmp_path / "empty.db"
    Archive(path).close()  # the schema, no issue
    result = run_bot("trend", "垃圾分类", "--json", "--db", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == "档案里还没有任何简报。"

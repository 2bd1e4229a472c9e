"""`run_bot.py ask --year/--source/--facets` and `export --year/--source`, in-process through
cli.main: a list narrowed as the web's facets narrow it, the whole list's counts in --json and
after the hits, and one Chinese line for a year or an office that is not one."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import docx
import pytest

from cli.main import main

QUESTION = "垃圾分类有哪些做法"
EVERYTHING = "20"


@pytest.fixture(scope="module")
def db(research_db: str) -> str:
    return research_db


def ask_json(db: str, capsys: pytest.CaptureFixture[str], *flags: str) -> dict:
    assert main(["ask", QUESTION, "--json", "--limit", EVERYTHING, "--db", db, *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_carries_the_whole_lists_facets_which_add_up_to_its_hits(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = ask_json(db, capsys)
    years = {f["year"]: f["articles"] for f in answer["facets"]["years"]}
    assert sum(years.values()) == len(answer["hits"]) > 3
    assert years == Counter(int(hit["date"][:4]) for hit in answer["hits"])
    sources = {f["source"]: f["articles"] for f in answer["facets"]["sources"]}
    assert sources == Counter(hit["source"] for hit in answer["hits"] if hit["source"])


def test_a_year_or_an_office_narrows_to_exactly_what_its_facet_counts(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    facets = ask_json(db, capsys)["facets"]
    for facet in facets["years"]:
        narrowed = ask_json(db, capsys, "--year", str(facet["year"]))
        assert len(narrowed["hits"]) == facet["articles"]
        assert {hit["date"][:4] for hit in narrowed["hits"]} == {str(facet["year"])}
    office = facets["sources"][0]
    narrowed = ask_json(db, capsys, "--source", office["source"])
    assert [hit["source"] for hit in narrowed["hits"]] == [office["source"]] * office["articles"]


def test_facets_follow_the_hits_in_text(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    facets = ask_json(db, capsys)["facets"]
    assert main(["ask", QUESTION, "--facets", "--db", db]) == 0
    out = capsys.readouterr().out
    total = sum(f["articles"] for f in facets["years"])
    years = "  ".join(f"{f['year']}年（{f['articles']}）" for f in facets["years"])
    assert f"全部 {total} 篇，按年份：{years}" in out.splitlines()
    assert any(line.startswith("来源：") for line in out.splitlines())
    assert main(["ask", QUESTION, "--db", db]) == 0
    assert "按年份" not in capsys.readouterr().out, "the counts only when asked for"


def test_a_narrowed_answer_says_what_it_was_narrowed_to(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    facets = ask_json(db, capsys)["facets"]
    year, office = facets["years"][0]["year"], facets["sources"][0]["source"]
    assert main(["ask", QUESTION, "--year", str(year), "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"只看：{year}年\n\n")
    assert main(["ask", QUESTION, "--year", str(year), "--source", office, "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"只看：{year}年、{office}\n\n")
    assert main(["ask", QUESTION, "--db", db]) == 0
    assert "只看" not in capsys.readouterr().out


def test_an_export_keeps_the_narrowing(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    year = ask_json(db, capsys)["facets"]["years"][0]["year"]
    out = tmp_path / "摘录.docx"
    assert main(["export", QUESTION, "--year", str(year), "--out", str(out), "--db", db]) == 0
    cited = [p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs if p.text.startswith("引用")]
    assert cited and all(f"》{year}年" in line for line in cited)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--year", "22"], "年份应是四位数字，如 2022，而不是“22”"),
        (["--year", "２０２２"], "年份应是四位数字"),
        (["--source", "  "], "来源应是 1 到 100 个字的单位名称"),
        (["--source", "区" * 101], "来源应是 1 到 100 个字的单位名称"),
    ],
)
def test_a_year_or_office_that_is_not_one_is_one_line_and_exit_2(
    db: str, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["ask", QUESTION, "--db", db, *flags])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err

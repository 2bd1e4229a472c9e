"""`run_bot.py article ID`, in-process through cli.main: an article whole with both citations and
its related articles, reached from the ids `ask --json` and `issue --json` give."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from replies.citations import gbt7714
from replies.messages import citation
from retrieval.archive import Archive

QUESTION = "社区志愿者怎样支援核酸筛查"


@pytest.fixture(scope="module")
def db(research_db: str) -> str:
    return research_db


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_an_answers_article_opens_whole_with_both_citations_and_related(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hit = run_json(capsys, "ask", QUESTION, "--db", db)["hits"][0]
    article = run_json(capsys, "article", str(hit["article"]), "--db", db)
    assert (article["id"], article["title"], article["total"]) == (hit["article"], hit["title"], hit["total"])
    assert hit["excerpt"].strip("…")[:20] in article["text"].replace("\n", "")
    with Archive(db, readonly=True) as archive:
        stored, ref = archive.article(hit["article"])
        related = archive.related(hit["article"])
    assert article["cite"] == citation(ref, stored.source, stored.page)
    assert article["cite_gbt7714"] == gbt7714(ref, stored.title, stored.source, stored.page)
    assert [r["article"] for r in article["related"]] == [r.article_id for r in related]
    assert related and all(r["total"] != article["total"] for r in article["related"])

    assert main(["article", str(hit["article"]), "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.startswith(article["title"] + "\n\n")
    assert "参考文献（GB/T 7714—2015）：" + article["cite_gbt7714"] in out
    assert "相关文章：\n1. " + related[0].title in out


def test_an_issues_articles_carry_the_ids_the_command_opens(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    issue = run_json(capsys, "issue", "2202", "--db", db)
    for listed in issue["articles"]:
        assert run_json(capsys, "article", str(listed["id"]), "--db", db)["title"] == listed["title"]


def test_an_id_not_held_is_one_line_and_exit_1(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["article", "999999", "--db", db]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and "请重新查询" in captured.err


@pytest.mark.parametrize("bad", ["0", "-3", "12a", "１２"])
def test_an_id_that_is_not_one_is_refused_with_exit_2(db: str, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["article", bad, "--db", db])
    assert exit_.value.code == 2 and "文章编号应是正整数" in capsys.readouterr().err

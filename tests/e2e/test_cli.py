"""The command-line contract, run as a user runs it: `python run_bot.py ...` in a subprocess."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLE_ARCHIVE
from tests.helpers.bulletin_text import bulletin
from tests.helpers.cli_run import make_stale

CITATION_2202 = "——《首都精神文明建设情况简报》2022年第10期（总第2202期）· 2022年4月29日 · 丰台区文明办"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, run_bot) -> str:
    path = tmp_path_factory.mktemp("cli") / "archive.db"
    result = run_bot("ingest", str(SAMPLE_ARCHIVE), "--db", str(path))
    assert result.returncode == 0, result.stderr
    return str(path)


def test_ingest_prints_one_line_per_file_and_reingest_is_unchanged(tmp_path: Path, run_bot) -> None:
    path = str(tmp_path / "a.db")
    first = run_bot("ingest", str(SAMPLE_ARCHIVE), "--db", path)
    assert first.returncode == 0
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "已导入 总第2202期（2022年第10期，2022-04-29），3 篇文章" in lines[0]
    assert "已导入 总第2126期（2020年第17期，2020-04-24），2 篇文章" in lines[1]
    assert (
        first.stderr.strip()
        .splitlines()[-1]
        .startswith("共 2 个文件（文本 2）：新增 2，更新 0，未变化 0，未导入 0；用时")
    )
    assert "万字" in first.stderr  # the speed, in characters a second
    again = run_bot("ingest", str(SAMPLE_ARCHIVE), "--db", path)
    assert again.returncode == 0
    assert "共 2 个文件（文本 2）：新增 0，更新 0，未变化 2，未导入 0" in again.stderr
    assert [line.split(": ", 1)[1].split(" ")[0] for line in again.stdout.strip().splitlines()] == ["未变化", "未变化"]


def test_bad_files_are_refused_one_line_each_and_exit_1(tmp_path: Path, run_bot) -> None:
    bad = tmp_path / "minutes.txt"
    bad.write_text("会议纪要\n\n今天开会。\n", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(bulletin(), encoding="utf-8")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    path = str(tmp_path / "a.db")
    result = run_bot("ingest", str(bad), str(good), str(binary), "--db", path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{bad}: 未导入——不是简报：缺少报头") and "请确认" in lines[0]
    assert "已导入 总第2165期" in lines[1]
    assert lines[2].startswith(f"{binary}: 未导入") and "二进制" in lines[2]
    stats = json.loads(run_bot("stats", "--json", "--db", path).stdout)
    assert (stats["issues"], stats["articles"]) == (1, 2)


def test_ask_json_has_cited_hits_best_first(db: str, run_bot) -> None:
    result = run_bot("ask", "丰台区创城建立了哪些工作机制？", "--json", "--db", db)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["question"] == "丰台区创城建立了哪些工作机制？"
    first = data["hits"][0]
    assert set(first) == {
        "article", "total", "number", "date", "title", "source", "excerpt", "score", "page", "answer", "cite_gbt7714"
    }  # fmt: skip
    assert data["match"] == "answer"
    assert sum(year["articles"] for year in data["facets"]["years"]) >= len(data["hits"])
    sentence = first["answer"]
    assert first["excerpt"][sentence["start"] : sentence["end"]] == sentence["text"]
    assert first["page"] is None  # a text export has no pages
    assert (first["total"], first["number"], first["date"], first["source"]) == (2202, 10, "2022-04-29", "丰台区文明办")
    assert first["title"] == "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗"
    assert 120 <= len(first["excerpt"].strip("…")) <= 200
    assert first["cite_gbt7714"] == f"丰台区文明办. {first['title']}[J]. 首都精神文明建设情况简报, 2022(10)."
    scores = [h["score"] for h in data["hits"]]
    assert len(scores) <= 3


def test_export_writes_a_word_file_and_refuses_a_bad_out(db: str, run_bot, tmp_path) -> None:
    out = tmp_path / "摘录.docx"
    result = run_bot("export", "丰台区创城建立了哪些工作机制？", "--out", str(out), "--limit", "1", "--db", db)
    assert result.returncode == 0 and out.stat().st_size > 0
    assert result.stderr.strip() == f"已导出到 {out}（1 条摘录）。"
    bad = run_bot("export", "文明", "--out", str(tmp_path / "missing" / "x.docx"), "--db", db)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("错误：无法写入") and "Traceback" not in bad.stderr


def test_ask_text_shows_excerpt_then_citation(db: str, run_bot) -> None:
    result = run_bot("ask", "丰台区创城建立了哪些工作机制？", "--db", db)
    assert result.returncode == 0
    assert CITATION_2202 in result.stdout
    assert result.stdout.index("丰台区凝心聚力") < result.stdout.index(CITATION_2202)


def test_ask_limit_and_no_answer(db: str, run_bot) -> None:
    assert len(json.loads(run_bot("ask", "文明 创建", "--limit", "1", "--json", "--db", db).stdout)["hits"]) == 1
    none = run_bot("ask", "今天天气怎么样", "--json", "--db", db)
    assert (none.returncode, json.loads(none.stdout)["hits"]) == (0, [])
    hint = run_bot("ask", "今天天气怎么样", "--db", db)
    assert "没有找到" in hint.stdout and "/latest" in hint.stdout
    assert run_bot("ask", "文明", "--limit", "0", "--db", db).returncode == 2


@pytest.mark.parametrize("question", ['NEAR("', "<b>丰台</b>", "'; DROP TABLE issues; --", "😀" * 100, "丰台" * 2500])
def test_hostile_questions_never_print_a_traceback(db: str, question: str, run_bot) -> None:
    result = run_bot("ask", question, "--db", db)
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr


def test_issue_2202_json_has_three_articles_with_sources(db: str, run_bot) -> None:
    data = json.loads(run_bot("issue", "2202", "--json", "--db", db).stdout)
    assert {k: data[k] for k in ("total", "number", "year", "date", "issuer")} == {
        "total": 2202,
        "number": 10,
        "year": 2022,
        "date": "2022-04-29",
        "issuer": "首都精神文明办",
    }
    assert [a["source"] for a in data["articles"]] == [
        "中央军委政治工作部群众工作局",
        "精神文明综合协调处、精神文明创建活动指导处",
        "丰台区文明办",
    ]
    assert all(set(a) == {"id", "title", "source", "text", "cite_gbt7714"} for a in data["articles"])
    assert data["articles"][1]["cite_gbt7714"] == (
        f"精神文明综合协调处, 精神文明创建活动指导处. {data['articles'][1]['title']}[J]. 首都精神文明建设情况简报, 2022(10)."
    )


def test_issue_2126_json_has_two_articles_titled_by_heading_lines(db: str, run_bot) -> None:
    data = json.loads(run_bot("issue", "2126", "--json", "--db", db).stdout)
    assert [a["title"] for a in data["articles"]] == [
        "首都精神文明建设工作暨背街小巷环境精细化整治提升动员部署大会召开",
        "2020年首都精神文明建设工作聚焦四个方面23项重点任务",
    ]


@pytest.mark.parametrize("number", ["2022-10", "2022年第10期", "总第2202期"])
def test_issue_by_year_and_number(db: str, number: str, run_bot) -> None:
    assert json.loads(run_bot("issue", number, "--json", "--db", db).stdout)["total"] == 2202


def test_unknown_issue_is_a_clear_message_and_exit_1(db: str, run_bot) -> None:
    result = run_bot("issue", "9999", "--db", db)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "档案中没有总第9999期。现有最接近的：总第2126期、总第2202期。"
    assert run_bot("issue", "abc", "--db", db).returncode == 2


# On the sample archive: a question its Fengtai article answers, one that only brushes its articles
# (it names volunteer work, never 学雷锋), and one about nothing it holds.
CONFIDENT = "丰台区创城形成了多少项具体任务？"
RELATED = "学雷锋志愿服务"
OFF_TOPIC = "推荐一部好看的电影"


def test_ask_json_names_the_tier_and_the_sentence_that_answers(db: str, run_bot) -> None:
    confident = json.loads(run_bot("ask", CONFIDENT, "--json", "--db", db).stdout)
    assert confident["match"] == "answer"
    first = confident["hits"][0]
    sentence = first["answer"]
    assert first["excerpt"][sentence["start"] : sentence["end"]] == sentence["text"]
    assert "18项具体任务" in sentence["text"]  # the figure the question asks for, with its unit
    related = json.loads(run_bot("ask", RELATED, "--json", "--db", db).stdout)
    assert related["match"] == "related" and related["hits"]
    silent = run_bot("ask", OFF_TOPIC, "--json", "--db", db)
    assert silent.returncode == 0 and json.loads(silent.stdout) == {
        "question": OFF_TOPIC,
        "match": "none",
        "hits": [],
        "facets": {"years": [], "sources": []},
    }


def test_the_console_labels_a_weak_match_and_gives_the_hint_for_none(db: str, run_bot) -> None:
    result = run_bot("console", "--db", db, stdin=f"{CONFIDENT}\n{RELATED}\n{OFF_TOPIC}\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # In the order asked: the confident answer unlabelled, then the label over the weak match, then the hint.
    assert out.count("没有找到直接回答，以下内容可能相关") == 1
    assert out.index(CITATION_2202) < out.index("没有找到直接回答") < out.index(f"没有找到与“{OFF_TOPIC}”相关的内容")


def test_latest_and_stats(db: str, run_bot) -> None:
    assert json.loads(run_bot("latest", "--json", "--db", db).stdout)["total"] == 2202
    latest = run_bot("latest", "--db", db).stdout
    assert latest.startswith("《首都精神文明建设情况简报》2022年第10期（总第2202期）")
    assert "3. 丰台区凝心聚力全力以赴打好创建全国文明城市主动仗（丰台区文明办）" in latest
    stats = json.loads(run_bot("stats", "--json", "--db", db).stdout)
    assert stats.pop("passages") >= 5  # articles of up to 1,500 characters are one passage
    assert stats == {"issues": 2, "articles": 5, "first": "2020-04-24", "latest": "2022-04-29"}


def test_archive_db_environment_variable(db: str, run_bot) -> None:
    result = run_bot("stats", "--json", env={"ARCHIVE_DB": db})
    assert json.loads(result.stdout)["issues"] == 2


def test_console_answers_piped_lines_and_ends_at_end_of_input(db: str, run_bot) -> None:
    stdin = "/latest\n/issue 2126\n丰台区创城建立了哪些工作机制？\n/issue 9999\n/help\n你好\n"
    result = run_bot("console", "--db", db, stdin=stdin)
    assert result.returncode == 0
    out = result.stdout
    assert out.index("（总第2202期）") < out.index("（总第2126期）") < out.index(CITATION_2202)
    assert "档案中没有总第9999期" in out
    assert out.count("/latest 最新一期") == 2  # /help and the greeting


@pytest.mark.parametrize("where", ["corrupt", "under a file", "a folder"])
def test_an_unusable_database_path_is_one_line_not_a_traceback(tmp_path: Path, where: str, run_bot) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    path = {"corrupt": bad, "under a file": bad / "archive.db", "a folder": tmp_path}[where]
    result = run_bot("ask", "丰台", "--db", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _fresh_project(tmp_path: Path) -> Path:
    """run_bot.py and the sample archive in a folder of their own, with no database yet."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(ROOT / "run_bot.py", project / "run_bot.py")
    shutil.copytree(SAMPLE_ARCHIVE, project / "data" / "raw")
    return project


def test_default_database_is_built_from_the_sample_archive_on_first_use(tmp_path: Path, run_bot) -> None:
    project = _fresh_project(tmp_path)
    result = run_bot("ask", "背街小巷整治", "--json", cwd=tmp_path, script=project / "run_bot.py")
    assert result.returncode == 0, result.stderr
    assert "首次使用" in result.stderr
    assert json.loads(result.stdout)["hits"][0]["total"] == 2126
    assert (project / "data" / "archive.db").exists()
    second = run_bot("stats", "--json", cwd=tmp_path, script=project / "run_bot.py")
    assert "首次使用" not in second.stderr
    assert json.loads(second.stdout)["issues"] == 2


# Asked by a long-lived process first, so that whatever it keeps between questions is warm.
WARM_UP = (
    "文明城市创建工作", "志愿服务活动有哪些", "背街小巷环境精细化整治", "2022年丰台区", "垃圾分类", "首都精神文明办",
    "驻京部队官兵", "创城工作机制", "文明", "城", "社区居民环境整治宣传活动", "冰雪运动",
)  # fmt: skip
FIRST_ANSWERS = ("丰台区创城建立了哪些工作机制？", "背街小巷整治", "志愿服务", "2022年第10期 文明城区创建")


def test_a_fresh_process_answers_as_one_that_answered_many_questions_before(db: str, run_bot) -> None:
    """Nothing a process keeps between questions (passage lengths, norms) changes an answer: the
    first answer of `run_bot.py ask` equals a warm archive's, to the last digit of every score."""
    from replies.render_json import answer_json, facets_json
    from retrieval.archive import Archive

    with Archive(Path(db)) as warm:
        for question in WARM_UP * 2:
            warm.ask(question, limit=5)
            warm.ask(question, limit=2, offset=2)
        for question in FIRST_ANSWERS:
            fresh = run_bot("ask", question, "--json", "--db", db)
            assert fresh.returncode == 0, fresh.stderr
            answer = warm.ask(question, facets=True)
            expected = answer_json(answer) | {"facets": facets_json(answer.facets)}
            expected = json.loads(json.dumps(expected, ensure_ascii=False))
            assert json.loads(fresh.stdout) == expected
            assert expected["hits"] or question == FIRST_ANSWERS[-1]


def test_a_stale_index_is_refused_by_ask_and_serve_until_reindex(tmp_path: Path, db: str, run_bot) -> None:
    path = tmp_path / "stale.db"
    shutil.copy(db, path)
    make_stale(path)
    asked = run_bot("ask", "背街小巷整治", "--db", str(path))
    assert asked.returncode == 1 and "Traceback" not in asked.stderr
    assert len(asked.stderr.strip().splitlines()) == 1
    assert "分析流程版本" in asked.stderr and "python run_bot.py reindex" in asked.stderr
    served = run_bot("serve", "--db", str(path), env={"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert served.returncode == 2 and "python run_bot.py reindex" in served.stderr
    rebuilt = run_bot("reindex", "--db", str(path))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "已重建索引（分析流程版本已更改）" in rebuilt.stderr
    answered = run_bot("ask", "背街小巷整治", "--json", "--db", str(path))
    fresh = run_bot("ask", "背街小巷整治", "--json", "--db", db)
    assert answered.returncode == 0 and json.loads(answered.stdout) == json.loads(fresh.stdout)


def test_a_database_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path, db: str, run_bot) -> None:
    path = tmp_path / "newer.db"
    shutil.copy(db, path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = _content(path)
    result = run_bot("ask", "背街小巷整治", "--db", str(path))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "更新版本" in result.stderr and "升级" in result.stderr
    assert _content(path) == before


def _content(path: Path) -> tuple[int, list[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0], list(conn.iterdump())


def test_the_default_sample_database_rebuilds_a_stale_index_itself(tmp_path: Path, run_bot) -> None:
    project = _fresh_project(tmp_path)
    first = run_bot("ask", "背街小巷整治", "--json", cwd=tmp_path, script=project / "run_bot.py")
    assert first.returncode == 0, first.stderr
    make_stale(project / "data" / "archive.db")
    again = run_bot("ask", "背街小巷整治", "--json", cwd=tmp_path, script=project / "run_bot.py")
    assert again.returncode == 0, again.stderr
    assert "重建示例档案" in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)

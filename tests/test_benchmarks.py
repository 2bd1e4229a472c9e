"""The benchmark commands at smoke size: synthetic bulletins, the whole run, the plot.

Speed itself is measured by the benchmarks, never asserted here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import synth
from retrieval.ingest.parse import parse_bulletin


def test_synthetic_bulletins_are_deterministic_and_parse_as_real_ones(tmp_path: Path) -> None:
    assert synth.write_archive(tmp_path / "a", issues=6, questions=10)
    assert not synth.write_archive(tmp_path / "a", issues=6, questions=10)  # already there: reused
    synth.write_archive(tmp_path / "b", issues=6, questions=10)
    synth.write_archive(tmp_path / "c", issues=6, questions=10, seed=7)
    files = sorted((tmp_path / "a").glob("*.txt"))
    assert len(files) == 6
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in sorted((tmp_path / "b").glob("*.txt"))]
    assert [f.read_bytes() for f in files] != [f.read_bytes() for f in sorted((tmp_path / "c").glob("*.txt"))]
    for total, path in enumerate(files, start=1):
        issue = parse_bulletin(path.read_text(encoding="utf-8"))
        assert issue.ref.total == total
        assert 3 <= len(issue.articles) <= 5
        assert all(a.source and a.paragraphs and a.title[:2] in "".join(synth.DISTRICTS) for a in issue.articles)
        assert issue.footer.editor
    questions = synth.read_questions(tmp_path / "a")
    assert len(questions) == 10
    for q in questions:
        if q["total"] is not None:
            article = parse_bulletin(files[q["total"] - 1].read_text(encoding="utf-8")).articles[q["position"]]
            assert q["question"].rstrip("？")[:2] in article.text + article.title


def test_a_changed_generator_or_size_rewrites_the_folder(tmp_path: Path) -> None:
    synth.write_archive(tmp_path, issues=4, questions=5)
    synth.write_archive(tmp_path, issues=3, questions=5)
    assert len(list(tmp_path.glob("*.txt"))) == 3


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory, run_python) -> dict:
    work = tmp_path_factory.mktemp("bench")
    result = run_python(
        "-m", "benchmarks.bench", "--issues", "12", "--questions", "30", "--load", "40", "--users", "10",
        "--json", "--work", str(work),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_benchmark_run_reports_every_figure_the_targets_need(smoke: dict) -> None:
    assert smoke["issues"] == 12 and smoke["passages"] > 12 and smoke["characters"] > 12 * 1000
    assert smoke["ingest"]["chars_per_s"] > 0 and smoke["ingest"]["db_mb"] > 0
    assert smoke["add_one_issue_s"]["serving_process"] > 0 and smoke["project"]["add_one_issue_ok"]
    assert smoke["cold_ask_s"]["median"] > 0
    console = smoke["console"]
    assert console["questions"] == 30 and 0 < console["console_ms_per_question"] < 1000
    assert console["naive_ms"]["p50"] > 0 and console["speedup_over_naive"] > 0
    for times in (smoke["project"]["server_ms"], smoke["peers"]["naive"]["question_ms"]):
        assert 0 < times["p50"] <= times["p99"] <= times["max"]
    assert smoke["peers"]["bm25s"]["passages"] == smoke["passages"]
    assert smoke["project"]["questions"] == 30
    assert set(smoke["speedup_over_naive"]) == {"p50", "p99"}
    bot = smoke["bot"]
    assert (bot["questions"], bot["answers"], bot["errors"]) == (40, 40, 0)
    assert bot["answers_per_s"] > 0 and bot["bot_peak_rss_mb"] > 0


def test_the_table_and_the_plot_come_from_the_json(smoke: dict, tmp_path: Path, run_python) -> None:
    from benchmarks.bench import table

    text = table(smoke)
    assert "naive: rank-bm25 BM25Okapi" in text and "bm25s" in text and "answers/s" in text and "console" in text
    bigger = json.loads(json.dumps(smoke)) | {"issues": 120, "passages": smoke["passages"] * 10}
    paths = []
    for name, result in (("small", smoke), ("big", bigger)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(result), encoding="utf-8")
    out = tmp_path / "plot.png"
    done = run_python("-m", "benchmarks.plot", *map(str, paths), "--out", str(out), timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_trend_benchmark_reports_each_topic_and_the_figures_over_them(tmp_path: Path, run_python) -> None:
    from retrieval.archive import Archive

    synth.write_archive(tmp_path / "synth", issues=6, questions=5)
    with Archive(tmp_path / "a.db") as archive:
        assert all(r.ok for r in archive.ingest([tmp_path / "synth"]))
    result = run_python(
        "-m", "benchmarks.trend", "--db", str(tmp_path / "a.db"), "--topics", "志愿服务,文明", "--repeat", "2"
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["issues"] == 6 and report["topics"] == 2
    for figure in ("trend_ms", "trend_best_ms", "page_ms", "png_ms"):
        assert 0 < report[figure]["p50"] <= report[figure]["max"]
    assert set(report["per_topic"]) == {"志愿服务", "文明"}
    assert report["per_topic"]["文明"]["articles"] > 0


def test_the_feature_pictures_are_a_printed_export_page_and_the_bots_chart(
    tmp_path: Path, run_python, libreoffice: str
) -> None:
    from PIL import Image

    result = run_python("-m", "benchmarks.feature_pictures", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "export-docx.png") as page:
        width, height = page.size
        assert height / width == pytest.approx(297 / 210, rel=0.02), "an A4 page, as printed"
        assert len(set(page.convert("L").getdata())) > 2, "the page holds text, not a blank sheet"
    with Image.open(tmp_path / "bot-trend.png") as chart:
        assert chart.format == "PNG" and chart.size[0] > chart.size[1]

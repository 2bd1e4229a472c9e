"""`run_bot.py export`, run in-process through cli.main: the Word file it writes, and the one
Chinese line for an --out it cannot write."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import pytest

from cli.main import main
from replies.citations import gbt7714
from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.helpers import SAMPLE_ARCHIVE

QUESTION = "丰台区创城建立了哪些工作机制？"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> str:
    path = tmp_path_factory.mktemp("export") / "archive.db"
    with Archive(path, tokenizer) as archive:
        list(archive.ingest([SAMPLE_ARCHIVE]))
    return str(path)


def lines_of(path: Path) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs]


def test_export_writes_the_cited_excerpts(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "摘录.docx"
    assert main(["export", QUESTION, "--out", str(out), "--limit", "2", "--db", db]) == 0
    lines = lines_of(out)
    assert "问题：" + QUESTION in lines
    assert f"导出日期：{dt.date.today().year}年{dt.date.today().month}月{dt.date.today().day}日" in lines
    with Archive(Path(db), readonly=True) as archive:
        hits = archive.ask(QUESTION, limit=2).hits
    assert len(hits) == 2
    for hit in hits:
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(hit.issue, hit.title, hit.source, hit.page) in lines
    err = capsys.readouterr().err
    assert err.strip() == f"已导出到 {out}（2 条摘录）。"


def test_export_into_a_folder_uses_a_chinese_name(db: str, tmp_path: Path) -> None:
    assert main(["export", "垃圾分类", "--out", str(tmp_path), "--db", db]) == 0
    (written,) = tmp_path.glob("*.docx")
    assert written.name == f"简报摘录-垃圾分类-{dt.date.today():%Y%m%d}.docx"


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("missing/摘录.docx", "不存在"),
        ("摘录.txt", ".docx"),
        ("摘录", ".docx"),
    ],
)
def test_a_bad_out_is_one_chinese_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str, reason: str
) -> None:
    target = tmp_path / out
    assert main(["export", QUESTION, "--out", str(target), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：无法写入") and reason in err
    assert "Traceback" not in err
    assert not target.exists()


def test_a_failed_write_is_one_chinese_line(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "摘录.docx"
    target.symlink_to(tmp_path / "nowhere" / "x.docx")  # a dangling link: the write itself fails
    assert main(["export", QUESTION, "--out", str(target), "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("错误：无法写入") and "Traceback" not in err

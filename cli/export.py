"""`run_bot.py export`: an answer's excerpts as a Word file, each with both citations."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from replies.render_docx import answer_document, answer_filename
from retrieval.display import printable

from .commands import open_archive
from .settings import Settings

DEFAULT_LIMIT = 10


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the .docx; a path it cannot be written to is one line and exit 2, before any search."""
    today = dt.date.today()
    target = Path(args.out) if args.out else Path(answer_filename(args.question, today))
    if target.is_dir():
        target = target / answer_filename(args.question, today)
    problem = out_problem(target)
    if problem:
        print(f"错误：无法写入 {printable(str(target))}：{problem}", file=sys.stderr)
        return 2
    with open_archive(settings) as archive:
        answer = archive.ask(args.question, limit=args.limit, year=args.year, source=args.source)
    try:
        target.write_bytes(answer_document(answer, today))
    except OSError as exc:
        print(f"错误：无法写入 {printable(str(target))}：{exc.strerror or exc}。", file=sys.stderr)
        return 2
    found = f"{len(answer.hits)} 条摘录" if answer.hits else "没有找到相关内容，文件中只有问题"
    print(f"已导出到 {printable(str(target))}（{found}）。", file=sys.stderr)
    return 0


def out_problem(target: Path) -> str | None:
    """Why the export cannot go to target, in a sentence; None when it can."""
    if target.suffix.lower() != ".docx":
        return "导出文件应以 .docx 结尾，如 --out 摘录.docx。"
    if not target.parent.is_dir():
        return f"文件夹 {printable(str(target.parent))} 不存在。"
    if target.exists() and not target.is_file():
        return "这不是普通文件。"
    return None

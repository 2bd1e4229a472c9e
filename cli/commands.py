"""The commands that work on the archive itself: ingest, ask, latest, issue, reindex, stats, backup
and console. Each prints to stdout what a user asked for and to stderr how it went."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from replies import conversation, messages
from replies.commands import find_issue, parse_issue_query
from replies.conversation import Notice
from replies.render_json import answer_json, article_json, facets_json, issue_json, stats_json
from replies.render_text import render_answer, render_article, render_facets, render_issue
from retrieval.archive import Archive, UnknownIssue, bulletin_files, needs_migration
from retrieval.display import printable

from .console import run_console
from .settings import Settings


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """One line per file on stdout; progress bars for files and a long file's pages (when stderr is
    a terminal) and a summary on stderr."""
    paths = [Path(p) for p in args.paths]
    reports = []
    started = time.perf_counter()
    with (
        Archive(settings.db_path) as archive,
        tqdm(total=len(bulletin_files(paths)), desc="导入", unit="个文件", file=sys.stderr, disable=None) as bar,
        tqdm(desc="页", unit="页", file=sys.stderr, disable=None, leave=False, position=1) as pages,
    ):
        shown = [""]  # the pages bar's description, set only when it changes

        def on_page(name: str, done: int, total: int, ocr: bool) -> None:
            if pages.total != total:
                pages.reset(total=total)
            what = ("识别 " if ocr else "读取 ") + printable(Path(name).name)[:24]
            if shown[0] != what:
                shown[0] = what
                pages.set_description(what)
            pages.n = done
            pages.refresh()

        for report in archive.ingest(paths, on_page):
            bar.write(messages.ingest_line(report), file=sys.stdout)
            bar.update()
            reports.append(report)
    print(messages.ingest_summary(reports, time.perf_counter() - started), file=sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    with open_archive(settings) as archive:
        counted = args.json or args.facets  # the whole list is counted only where it is shown
        answer = archive.ask(args.question, limit=args.limit, year=args.year, source=args.source, facets=counted)
    data = answer_json(answer) | {"facets": facets_json(answer.facets)}
    narrowed = messages.narrowed_label(args.year, args.source)
    head = messages.NARROWED_TO.format(label=narrowed) + "\n\n" if narrowed else ""
    emit(args, data, lambda: head + render_answer(answer) + (render_facets(answer.facets) if args.facets else ""))
    return 0


def cmd_latest(settings: Settings, args: argparse.Namespace) -> int:
    with open_archive(settings) as archive:
        issue = archive.latest()
    if issue is None:
        print(messages.EMPTY_ARCHIVE, file=sys.stderr)
        return 1
    emit(args, issue_json(issue), lambda: render_issue(issue, full=args.full))
    return 0


def cmd_issue(settings: Settings, args: argparse.Namespace) -> int:
    query = parse_issue_query(args.number)
    if query is None:
        print(messages.ISSUE_USAGE, file=sys.stderr)
        return 2
    with open_archive(settings) as archive:
        try:
            issue = find_issue(archive, query)
        except UnknownIssue as exc:
            print(messages.unknown_issue(query.label, exc.nearest), file=sys.stderr)
            return 1
    emit(args, issue_json(issue), lambda: render_issue(issue, full=args.full))
    return 0


def cmd_article(settings: Settings, args: argparse.Namespace) -> int:
    """One article whole, with both citations and its related articles; an id not held, exit 1."""
    with open_archive(settings) as archive:
        view = conversation.article(archive, args.id)
    if isinstance(view, Notice):
        print(view.text, file=sys.stderr)
        return 1
    emit(args, article_json(view), lambda: render_article(view))
    return 0


def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    """Rebuild the index from the stored text, after an upgrade that changes how text is indexed."""
    started = time.perf_counter()
    with Archive(settings.db_path) as archive:
        changed = archive.stale
        with tqdm(desc="重建索引", unit="篇", file=sys.stderr, disable=None) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            passages = archive.reindex(progress)
    reason = f"（{'、'.join(changed)}已更改）" if changed else ""
    print(f"已重建索引{reason}：{passages} 段，用时 {time.perf_counter() - started:.1f} 秒。", file=sys.stderr)
    return 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    with open_archive(settings) as archive:
        stats = archive.stats()
    emit(args, stats_json(stats), lambda: messages.stats(stats))
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the archive while the bot serves and ingests run (SQLite's online backup)."""
    target = Path(args.path)
    if target.is_dir():
        target = target / settings.db_path.name
    if target.exists() and not args.force:
        print(f"错误：{target} 已存在；请换一个文件名，或加 --force 覆盖它。", file=sys.stderr)
        return 2
    if target.exists() and target.resolve() == settings.db_path.resolve():
        print("错误：备份不能写到档案本身；请换一个文件名。", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with open_archive(settings) as archive:
        archive.backup(target)
    with Archive(target, readonly=True) as copy:
        stats = copy.stats()
    size = target.stat().st_size / 1e6
    print(
        f"已备份到 {target}：{stats.issues} 期，{stats.articles} 篇，{stats.passages} 段"
        f"（{size:.1f} MB，用时 {time.perf_counter() - started:.1f} 秒）。",
        file=sys.stderr,
    )
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    with open_archive(settings) as archive:
        run_console(archive, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    return 0


def open_archive(settings: Settings, create: bool = False) -> Archive:
    """The archive opened read-only, as every serving path uses it: it never writes, and an
    ingest in another process never holds it up.

    Set-up comes first, with a writable connection and only when needed: the default database is
    built from the sample archive on first use and its index rebuilt when the dictionaries
    changed (any other database asks for `reindex`); an older file is migrated; with `create`
    (the bot, whose admins upload the first issues) a missing file is created empty."""
    path = settings.db_path
    if settings.uses_default_db:
        with Archive(path) as archive:
            if archive.stale:
                print(f"词典已更改：正在重建示例档案 {path} 的索引 …", file=sys.stderr)
                archive.reindex()
            if archive.is_empty():
                print(f"首次使用：正在从 {settings.sample_archive} 建立档案 {path} …", file=sys.stderr)
                for report in archive.ingest([settings.sample_archive]):
                    print("  " + messages.ingest_line(report), file=sys.stderr)
    elif (create and not path.exists()) or needs_migration(path):
        Archive(path).close()  # creates or migrates; a newer or damaged file is refused here
    return Archive(path, readonly=True)


def emit(args: argparse.Namespace, data: dict[str, Any], text: Callable[[], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text())

#!/usr/bin/env python3
"""Entry point: the command line of the bulletin archive. The only place that reads flags and the environment."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import sys
import threading
import time
from logging.handlers import BufferingHandler
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from bot import messages
from bot.commands import find_issue, parse_issue_query
from bot.console import run_console
from bot.render_json import answer_json, issue_json, stats_json
from bot.render_text import render_answer, render_issue
from bot.settings import BotSettings, Settings
from retrieval.archive import Archive
from retrieval.display import printable
from retrieval.errors import ArchiveError, UnknownIssue, database_error
from retrieval.ingest.folders import bulletin_files
from retrieval.store.connection import schema_version_of
from retrieval.store.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "data" / "archive.db"
SAMPLE_ARCHIVE = ROOT / "data" / "raw"
MAX_LIMIT = 20


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    settings = Settings(
        db_path=Path(args.db or os.environ.get("ARCHIVE_DB") or DEFAULT_DB),
        default_db=DEFAULT_DB,
        sample_archive=SAMPLE_ARCHIVE,
    )
    try:
        return args.handler(settings, args)
    except ArchiveError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"错误：{database_error(exc, settings.db_path)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to say
        return 0


# --- commands ---------------------------------------------------------------


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
        answer = archive.ask(args.question, limit=args.limit)
    emit(args, answer_json(answer), lambda: render_answer(answer))
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


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    try:
        bot_settings = bot_settings_from(args, os.environ)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    start_up_log = configure_serve_logging(bot_settings.token)
    from bot.application import BotStartError, serve  # loads python-telegram-bot

    archive = open_archive(settings, create=True)
    try:
        archive.check_index()  # refused before anything starts, not on the first question
    except ArchiveError as exc:
        archive.close()
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    try:
        serve(bot_settings, archive, on_serving=start_up_log.pass_through)
    except BotStartError as exc:
        start_up_log.drop()  # its warnings and tracebacks say again what the one line says
        print(f"错误：{redact(str(exc), bot_settings.token)}", file=sys.stderr)
        return 2
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    """The archive in a browser (uvicorn), read-only like serve; refused at start, as serve is,
    when the database cannot be read or its index is stale."""
    try:  # the web extra: only this command needs it
        import uvicorn

        from web.app import create_app
        from web.server import ClientLimits, uvicorn_config
    except ImportError as exc:
        print(f'错误：网页需要 web 扩展（缺少 {exc.name}）；请运行 pip install -e ".[web]"。', file=sys.stderr)
        return 2
    try:
        archive = checked_archive(settings)
    except ArchiveError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    try:
        listener = listen(args.host, args.port)
    except OSError as exc:
        archive.close()
        print(f"错误：无法在 {args.host}:{args.port} 上监听（{exc.strerror or exc}）。", file=sys.stderr)
        return 2
    app = create_app(archive, ask_rate=args.ask_rate, address=args.base_url)
    limits = ClientLimits(request=args.request_timeout, send=args.send_timeout)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"网页已启动：http://{host}:{listener.getsockname()[1]}/ （Ctrl-C 停止）", flush=True)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again: this ends the run with 0.
    signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        uvicorn.Server(uvicorn_config(app, limits)).run(sockets=[listener])
    finally:
        app.state.worker.close()
        listener.close()
    return 0


def checked_archive(settings: Settings) -> Archive:
    """open_archive, with a stale index refused at start rather than on the first question, and
    SQLite's errors as the archive's one-line errors."""
    try:
        archive = open_archive(settings)
    except sqlite3.Error as exc:
        raise database_error(exc, settings.db_path) from None
    try:
        archive.check_index()
    except ArchiveError:
        archive.close()
        raise
    return archive


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket bound before the server starts, so a busy port is one clear line and
    port 0 picks a free one that the start-up line names."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    return socket.create_server((host, port), family=family)


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    with open_archive(settings) as archive:
        run_console(archive, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    return 0


# --- helpers ----------------------------------------------------------------


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
    elif (create and not path.exists()) or (path.exists() and schema_version_of(path) < SCHEMA_VERSION):
        Archive(path).close()  # creates or migrates; a newer or damaged file is refused here
    return Archive(path, readonly=True)


def bot_settings_from(args: argparse.Namespace, env: os._Environ[str] | dict[str, str]) -> BotSettings:
    """Flags first, then the environment. Raises ValueError with a one-line, actionable message."""

    def pick(flag: str | None, name: str) -> str | None:
        value = flag if flag is not None else env.get(name)
        return value.strip() if value and value.strip() else None

    token = pick(args.token, "TELEGRAM_BOT_TOKEN")
    if token is None:
        raise ValueError("没有设置 TELEGRAM_BOT_TOKEN。请向 @BotFather 申请令牌后设置该环境变量（参见 .env.example）。")
    admins = pick(args.admin_ids, "ADMIN_IDS") or ""
    try:
        admin_ids = frozenset(int(part) for part in admins.replace("，", ",").split(",") if part.strip())
    except ValueError:
        raise ValueError(
            f"ADMIN_IDS 应是逗号分隔的 Telegram 用户数字 ID，例如 12345,67890，而不是“{admins}”。"
        ) from None
    numbers = {}
    for key, flag, name, low in (
        ("questions_per_minute", args.questions_per_minute, "QUESTIONS_PER_MINUTE", 1),
        ("webhook_port", args.webhook_port, "WEBHOOK_PORT", 1),
        ("send_rate", args.send_rate, "TELEGRAM_SEND_RATE", 0),
    ):
        text = pick(flag, name)
        if text is not None:
            if not text.isdigit() or int(text) < low:
                kind = "正整数" if low else "非负整数"
                raise ValueError(f"{name} 应是{kind}，而不是“{text}”。")
            numbers[key] = int(text)
    channel_id = pick(args.channel_id, "TELEGRAM_CHANNEL_ID")
    if channel_id is not None and not _is_channel_id(channel_id):
        raise ValueError(
            f"TELEGRAM_CHANNEL_ID 应是频道的数字 ID（如 -1001234567890）或 @用户名，而不是“{channel_id}”。"
        )
    return BotSettings(
        token=token,
        api_base_url=pick(args.api_base_url, "TELEGRAM_API_BASE_URL"),
        admin_ids=admin_ids,
        channel_id=channel_id,
        webhook_url=pick(args.webhook_url, "TELEGRAM_WEBHOOK_URL"),
        webhook_listen=pick(args.webhook_listen, "WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_secret=pick(args.webhook_secret, "TELEGRAM_WEBHOOK_SECRET"),
        **numbers,
    )


def _is_channel_id(text: str) -> bool:
    """A channel's numeric id (-100…) or its public @username."""
    if text.startswith("-100"):
        return text[4:].isascii() and text[4:].isdigit()
    name = text[1:]
    return text.startswith("@") and 5 <= len(name) <= 32 and name.isascii() and name.replace("_", "a").isalnum()


REDACTED = "<token>"
MIN_SECRET_CHARS = 8
"""A token's secret part (35 characters from @BotFather) is hidden on its own from this length on;
a shorter one, as in a test's token, would hide ordinary words."""


def redact(text: str, token: str) -> str:
    """text with the bot token hidden in every spelling it can reach output in: as sent, in any case
    (python-telegram-bot lowercases an error's description after "Bad Request: "), with its colon
    URL-encoded (%3A or %3a), and its secret part, after the colon, on its own."""
    return _token_spellings(token).sub(REDACTED, text)


@functools.lru_cache(maxsize=4)
def _token_spellings(token: str) -> re.Pattern[str]:
    bot_id, colon, secret = token.partition(":")
    spellings = [f"{re.escape(bot_id)}(?::|%3a){re.escape(secret)}" if colon else re.escape(token)]
    if colon and len(secret) >= MIN_SECRET_CHARS:
        spellings.append(re.escape(secret))
    return re.compile("|".join(spellings), re.IGNORECASE)


class RedactingFormatter(logging.Formatter):
    """Request URLs, and so some errors and tracebacks, contain the bot token; no log line may show it."""

    def __init__(self, token: str):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.token)  # message, traceback and stack together


class StartUpLog(BufferingHandler):
    """Stands in front of the log's handlers while serve starts: records are held until the bot
    serves (pass_through), then written in order, and from then on as they come. When start-up fails
    they are dropped: serve's one line says what went wrong, and python-telegram-bot's tracebacks
    of the failed request would only say it again. A CRITICAL record (an uncaught error) writes
    everything held at once, so a crash is never silent."""

    def __init__(self, targets: list[logging.Handler]):
        super().__init__(capacity=10_000)  # a start-up that logs more than this writes as it goes
        self.targets = targets
        self.serving = False

    def shouldFlush(self, record: logging.LogRecord) -> bool:
        return self.serving or record.levelno >= logging.CRITICAL or super().shouldFlush(record)

    def flush(self) -> None:
        with self.lock:
            for record in self.buffer:
                for target in self.targets:
                    if record.levelno >= target.level:
                        target.handle(record)
            self.buffer.clear()

    def pass_through(self) -> None:
        with self.lock:
            self.serving = True
            self.flush()

    def drop(self) -> None:
        with self.lock:
            self.buffer.clear()


def configure_serve_logging(token: str) -> StartUpLog:
    """INFO for the bot's own lines, every line through the redacting formatter, uncaught errors and
    warnings logged rather than printed (so they are redacted too), all held until the bot serves."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry request URLs
    logging.getLogger("telegram").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    for handler in root.handlers:
        handler.setFormatter(RedactingFormatter(token))
    start_up_log = StartUpLog(root.handlers[:])
    root.handlers = [start_up_log]
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return start_up_log


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    logging.getLogger("run_bot").critical("serve stopped on an error", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(hook: Any) -> None:
    if hook.exc_type is not SystemExit:  # which ends a thread quietly, as by default
        logging.getLogger("run_bot").critical(
            "a thread stopped on an error", exc_info=(hook.exc_type, hook.exc_value, hook.exc_traceback)
        )


def emit(args: argparse.Namespace, data: dict[str, Any], text: Callable[[], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text())


def limit_type(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return number


def port_type(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return int(value)


def rate_type(value: str) -> tuple[int, float]:
    """'30/60': 30 questions per 60 seconds."""
    count, _, seconds = value.partition("/")
    try:
        rate = int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not N/SECONDS: {value!r}") from None
    if rate[0] < 1 or not 0 < rate[1] < float("inf"):
        raise argparse.ArgumentTypeError(f"N and SECONDS must be positive: {value!r}")
    return rate


def seconds_type(value: str) -> float:
    """A timeout: positive seconds, at most an hour."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"应是 0 到 3600 之间的秒数，而不是“{value}”")
    return seconds


def base_url_type(value: str) -> Any:
    """The site's public address, as web.address.SiteAddress (plain Python: no extra needed)."""
    from web.address import SiteAddress

    try:
        return SiteAddress.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    db_help = f"archive database (env ARCHIVE_DB; default {DEFAULT_DB.relative_to(ROOT)})"
    common = argparse.ArgumentParser(add_help=False)
    # Suppressed when absent, so a --db given before the command name is not reset by the command's.
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print JSON instead of text")
    full_flag = argparse.ArgumentParser(add_help=False)
    full_flag.add_argument("--full", action="store_true", help="print every article's whole text")

    parser = argparse.ArgumentParser(
        prog="run_bot.py",
        description="Question answering over the archive of 首都精神文明建设情况简报.",
    )
    parser.add_argument("--db", metavar="PATH", help=db_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="add bulletin files or folders to the archive")
    p.add_argument("paths", nargs="+", metavar="PATH", help="a bulletin .txt file, or a folder of them")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("ask", parents=[common, json_flag], help="answer a question with cited excerpts")
    p.add_argument("question", help="the question, in plain Chinese")
    p.add_argument("--limit", type=limit_type, default=3, metavar="N", help=f"hits to show (1-{MAX_LIMIT}, default 3)")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("latest", parents=[common, json_flag, full_flag], help="show the newest issue")
    p.set_defaults(handler=cmd_latest)

    p = sub.add_parser("issue", parents=[common, json_flag, full_flag], help="show one issue by number")
    p.add_argument("number", help="总期号 (2202), or year and 期号 (2022-10, 2022年第10期)")
    p.set_defaults(handler=cmd_issue)

    p = sub.add_parser(
        "reindex", parents=[common], help="rebuild the index from the stored text (after a dictionary change)"
    )
    p.set_defaults(handler=cmd_reindex)

    p = sub.add_parser("stats", parents=[common, json_flag], help="count issues, articles and passages")
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("backup", parents=[common], help="copy the archive consistently, even while the bot serves")
    p.add_argument("path", metavar="PATH", help="the copy to write (a file, or a folder to write it in)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("console", parents=[common], help="chat with the archive in the terminal")
    p.set_defaults(handler=cmd_console)

    p = sub.add_parser("serve", parents=[common], help="run the Telegram bot (long polling, or a webhook)")
    p.add_argument("--token", help="bot token from @BotFather (env TELEGRAM_BOT_TOKEN; prefer the env)")
    p.add_argument("--api-base-url", metavar="URL", help="Bot API server (env TELEGRAM_API_BASE_URL)")
    p.add_argument("--admin-ids", metavar="IDS", help="comma-separated admin user ids (env ADMIN_IDS)")
    p.add_argument("--questions-per-minute", metavar="N", help="per-user question limit (env QUESTIONS_PER_MINUTE)")
    p.add_argument(
        "--send-rate", metavar="N", help="messages sent per second at most, 0 for no limit (env TELEGRAM_SEND_RATE)"
    )
    p.add_argument(
        "--channel-id",
        metavar="ID",
        help="channel to post every new issue to, -100… or @name (env TELEGRAM_CHANNEL_ID)",
    )
    p.add_argument(
        "--webhook-url", metavar="URL", help="public HTTPS URL; webhook instead of polling (env TELEGRAM_WEBHOOK_URL)"
    )
    p.add_argument(
        "--webhook-listen", metavar="HOST", help="address to listen on (env WEBHOOK_LISTEN; default 127.0.0.1)"
    )
    p.add_argument("--webhook-port", metavar="PORT", help="port to listen on (env WEBHOOK_PORT; default 8443)")
    p.add_argument(
        "--webhook-secret", metavar="SECRET", help="secret Telegram sends back (env TELEGRAM_WEBHOOK_SECRET)"
    )
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("web", parents=[common], help="serve the archive to browsers (pages and a JSON API)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port_type, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    p.add_argument(
        "--ask-rate",
        type=rate_type,
        default=(30, 60.0),
        metavar="N/SECONDS",
        help="questions a client address may ask per window of seconds (default 30/60)",
    )
    p.add_argument(
        "--base-url",
        type=base_url_type,
        metavar="URL",
        help="the site's public address (e.g. https://wenming.example.org/archive): canonical links and "
        "redirects are built from it, never from a request's Host",
    )
    p.add_argument(
        "--request-timeout",
        type=seconds_type,
        default=10.0,
        metavar="SECONDS",
        help="a request (line, headers and body) must arrive whole within this, or the connection closes (default 10)",
    )
    p.add_argument(
        "--send-timeout",
        type=seconds_type,
        default=30.0,
        metavar="SECONDS",
        help="a client that stops reading a response is dropped after this (default 30)",
    )
    p.set_defaults(handler=cmd_web)
    return parser


if __name__ == "__main__":
    sys.exit(main())

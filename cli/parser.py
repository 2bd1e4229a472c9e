"""The command line's flags and commands, each command's help as `run_bot.py COMMAND --help` shows it."""

from __future__ import annotations

import argparse
from typing import Any

from .commands import (
    cmd_article,
    cmd_ask,
    cmd_backup,
    cmd_console,
    cmd_ingest,
    cmd_issue,
    cmd_latest,
    cmd_reindex,
    cmd_stats,
)
from .export import DEFAULT_LIMIT as EXPORT_LIMIT
from .export import cmd_export
from .serving import cmd_serve, cmd_web
from .settings import DATABASE
from .trend import cmd_trend

MAX_LIMIT = 20
MAX_SOURCE_CHARS = 100


def limit_type(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return number


def year_type(value: str) -> int:
    """A year to narrow a list to, as the web's `year`: four ASCII digits."""
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"年份应是四位数字，如 2022，而不是“{value}”")
    return int(value)


def source_type(value: str) -> str:
    """An office to narrow a list to, as its articles name it (丰台区文明办)."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_SOURCE_CHARS:
        raise argparse.ArgumentTypeError(f"来源应是 1 到 {MAX_SOURCE_CHARS} 个字的单位名称，如 丰台区文明办")
    return value


def add_narrowing(p: argparse.ArgumentParser) -> None:
    """--year and --source narrow a list as the web's facets do: the whole list cut, never widened."""
    p.add_argument("--year", type=year_type, metavar="YYYY", help="only that year's articles of the list")
    p.add_argument("--source", type=source_type, metavar="OFFICE", help="only that office's articles (丰台区文明办)")


def article_id_type(value: str) -> int:
    if not (value.isascii() and value.isdigit() and 0 < len(value) <= 12 and int(value) > 0):
        raise argparse.ArgumentTypeError(f"文章编号应是正整数，如 12，而不是“{value}”")
    return int(value)


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
    db_help = f"archive database (env ARCHIVE_DB; default {DATABASE.as_posix()})"
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
    add_narrowing(p)
    p.add_argument(
        "--facets", action="store_true", help="also count the whole list by year and office (always in --json)"
    )
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("export", parents=[common], help="write a question's cited excerpts to a Word file")
    p.add_argument("question", help="the question, in plain Chinese")
    p.add_argument(
        "--out", metavar="FILE.docx", help="the file to write (default 简报摘录-<question>-<date>.docx here)"
    )
    p.add_argument(
        "--limit",
        type=limit_type,
        default=EXPORT_LIMIT,
        metavar="N",
        help=f"excerpts (1-{MAX_LIMIT}, default {EXPORT_LIMIT})",
    )
    add_narrowing(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("trend", parents=[common, json_flag], help="count a topic's articles year by year")
    p.add_argument("topic", help="the topic, e.g. 垃圾分类")
    p.set_defaults(handler=cmd_trend)

    p = sub.add_parser("latest", parents=[common, json_flag, full_flag], help="show the newest issue")
    p.set_defaults(handler=cmd_latest)

    p = sub.add_parser("issue", parents=[common, json_flag, full_flag], help="show one issue by number")
    p.add_argument("number", help="总期号 (2202), or year and 期号 (2022-10, 2022年第10期)")
    p.set_defaults(handler=cmd_issue)

    p = sub.add_parser(
        "article", parents=[common, json_flag], help="show one article whole, its citations and related articles"
    )
    p.add_argument("id", type=article_id_type, help="the article's id (`article` in ask --json, `id` in issue --json)")
    p.set_defaults(handler=cmd_article)

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

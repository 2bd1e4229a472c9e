"""serve and web: the long-running commands. Each is refused at start, with one line, when its
settings, the database or the index cannot serve, rather than on the first message."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import sys

from bot.settings import BotSettings
from retrieval.archive import Archive, ArchiveError, database_error

from .commands import open_archive
from .logs import configure_serve_logging, redact
from .settings import Settings


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

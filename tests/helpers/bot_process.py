"""The bot as a user meets it: `run_bot.py serve` in a process of its own against the Bot API stand-in, and what the tests say to it and read back."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from retrieval.archive import state_path_of
from retrieval.display import printable
from tests.bot_api_standin import BotApiStandIn, Call, format_text
from tests.helpers import ROOT
from tests.helpers.bulletin_text import HEADER, bulletin

TOKEN = "424242:e2e-SECRET-token-never-logged"


ADMIN = 1001


CITATION_2202 = "——《首都精神文明建设情况简报》2022年第10期（总第2202期）· 2022年4月29日 · 丰台区文明办"


QUESTION = "丰台区创城建立了哪些工作机制？"


MANY_HITS = "文明城市创建工作"


LONG_HEADER = HEADER.replace("第 6 期", "第 3 期").replace("总第 2165 期", "总第 2150 期")


LONG_PARAGRAPH = "西城区组织志愿者开展背街小巷楼门院治理，逐门逐户宣传垃圾分类和文明养犬。" * 40


CHATS = itertools.count(10_000)


# Apache's proxy error page, which echoes the request line, and so the token in its path.
PROXY_PAGE = "<html><body><p>The proxy server could not handle the request {request}.</p></body></html>"


def bot_env(standin: BotApiStandIn, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_DB", "TELEGRAM_BOT_TOKEN")}
    return (
        env
        | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "ARCHIVE_DB": str(db),
            "ADMIN_IDS": f"{ADMIN}, 1002",
        }
        | extra
    )


def start_bot(standin: BotApiStandIn, db: Path, log: Path, *args: str, **extra: str) -> subprocess.Popen:
    mark = standin.mark()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_bot.py"), "serve", *args],
        cwd=ROOT,
        env=bot_env(standin, db, **extra),
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        ready = standin.wait_for("setMyCommands", after=mark, timeout=60)
        standin.wait_for("deleteWebhook", after=ready.index, timeout=30)  # polling starts
        # Its first poll is waiting here: a fault injected from now on meets a bot that serves,
        # not one still starting, which would stop on it.
        standin.wait_polling(timeout=30)
    except AssertionError as exc:
        process.kill()
        raise AssertionError(log.read_text(encoding="utf-8")) from exc
    return process


def stop_bot(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> int:
    process.send_signal(how)
    return process.wait(timeout=30)


def say(standin: BotApiStandIn, chat_id: int, text: str, **kwargs) -> Call:
    """Send text as a user and return the bot's first message in reply."""
    mark = standin.mark()
    standin.push_message(chat_id, text, **kwargs)
    return standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat_id, after=mark)


def sent_to(standin: BotApiStandIn, chat_id: int, after: int) -> list[Call]:
    """The messages the bot has sent to the chat since call number after."""
    return [c for c in standin.calls("sendMessage") if c.ok and c.index >= after and c.params["chat_id"] == chat_id]


def replies(standin: BotApiStandIn, chat_id: int, after: int, count: int) -> list[Call]:
    """Wait until the bot has sent count messages to the chat since after; return them."""
    return standin.wait_until(
        lambda: (sent := sent_to(standin, chat_id, after)) and len(sent) >= count and sent,
        timeout=15,
        what=f"{count} messages in chat {chat_id}",
    )


def age_saved_questions(archive_db: Path, seconds: int) -> None:
    """Make the questions saved for "more results" older; they live in the bot's state file beside the archive."""
    with sqlite3.connect(state_path_of(archive_db)) as db:
        assert db.execute("UPDATE saved_questions SET saved_at = saved_at - ?", [seconds]).rowcount > 0


def buttons(call: Call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button(call: Call, text: str) -> dict:
    return next(b for b in buttons(call) if b["text"].startswith(text))


def reply_entities(call: Call) -> list[dict]:
    return format_text(call.params["text"], "HTML")[1]


def entity_text(text: str, entity: dict) -> str:
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


def plain(call: Call) -> str:
    return call.result["text"]


def assert_nothing_rejected(standin: BotApiStandIn) -> None:
    assert standin.rejected() == [], [(c.method, c.error) for c in standin.rejected()]


def upload(standin: BotApiStandIn, user: int, name: str, content: bytes, timeout: float = 60) -> str:
    """Send a file as a user; the bot's answer: a refusal, or the result line its progress message
    is finally edited to (it names the file as the report line does, hidden characters escaped)."""
    mark = standin.mark()
    standin.push_document(user, user, name, content)
    first = standin.wait_for("sendMessage", lambda p: p["chat_id"] == user, after=mark)
    if not plain(first).startswith(("正在读取", "已排队")):
        return plain(first)
    message_id = first.result["message_id"]
    final = standin.wait_for(
        "editMessageText",
        lambda p: (
            p["chat_id"] == user and p["message_id"] == message_id and p["text"].startswith(f"{printable(name)}: ")
        ),
        after=mark,
        timeout=timeout,
    )
    return plain(final)


def write_long_issue(folder: Path) -> Path:
    """An issue whose one article runs past a Telegram message, written as a bulletin file."""
    path = folder / "long.txt"
    body = "西城区深化背街小巷文明创建\n\n" + "\n\n".join([LONG_PARAGRAPH] * 4) + "\n\n（西城区文明办）"
    path.write_text(bulletin(body, header=LONG_HEADER), encoding="utf-8")
    return path

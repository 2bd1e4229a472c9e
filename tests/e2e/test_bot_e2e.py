"""The bot as users meet it: `run_bot.py serve` in its own process, polling the local Bot API
stand-in over HTTP. Tests push updates into the stand-in and assert on what the bot sent.

Here is what needs the process and the network (start-up, signals, webhooks, faults and retries
over HTTP, the log, uploads read in worker processes) and one smoke test per feature; what each
handler says, in detail, is tested in-process in tests/bot/test_handlers.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.bot_api_standin import BotApiStandIn
from tests.helpers import ROOT
from tests.helpers.bot_process import (
    ADMIN,
    CITATION_2202,
    MANY_HITS,
    PROXY_PAGE,
    QUESTION,
    TOKEN,
    assert_nothing_rejected,
    bot_env,
    button,
    plain,
    say,
    start_bot,
    stop_bot,
    upload,
)
from tests.helpers.bulletin_text import HEADER, bulletin

# --- start-up ------------------------------------------------------------------


def test_command_menu_is_set_in_chinese_at_start_up(standin: BotApiStandIn, bot) -> None:
    menu = {c["command"]: c["description"] for c in standin.commands}
    assert set(menu) == {
        "latest", "issue", "years", "year", "ask", "subscribe", "unsubscribe", "follow", "unfollow", "following", "trend", "help"
    }  # fmt: skip
    assert "最新" in menu["latest"] and "期号" in menu["issue"]


# --- one smoke test per feature, through the real process -------------------------


def test_a_question_is_answered_with_cited_excerpts(standin: BotApiStandIn, bot, chat: int) -> None:
    reply = say(standin, chat, QUESTION)
    assert reply.params["parse_mode"].upper() == "HTML"
    assert reply.params["link_preview_options"]["is_disabled"] is True
    assert CITATION_2202 in plain(reply) and button(reply, "全文 1")
    assert_nothing_rejected(standin)


def test_more_results_turns_the_page(standin: BotApiStandIn, bot, chat: int) -> None:
    first = say(standin, chat, MANY_HITS)
    message_id = first.result["message_id"]
    mark = standin.mark()
    standin.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"])
    edit = standin.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    standin.wait_for("answerCallbackQuery", after=mark)
    assert "第 4–" in plain(edit)
    assert_nothing_rejected(standin)


def test_the_full_text_button_sends_the_article(standin: BotApiStandIn, bot, chat: int) -> None:
    answer = say(standin, chat, QUESTION)
    mark = standin.mark()
    standin.push_callback(chat, chat, answer.result["message_id"], button(answer, "全文 1")["callback_data"])
    article = standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    lines = [line for line in plain(article).splitlines() if line.strip()]
    assert lines[0].startswith("丰台区") and lines[-2] == CITATION_2202
    assert lines[-1].startswith("参考文献（GB/T 7714—2015）：丰台区文明办. 丰台区")
    standin.wait_for("answerCallbackQuery", after=mark)
    assert_nothing_rejected(standin)


def test_latest_shows_the_newest_issue(standin: BotApiStandIn, bot, chat: int) -> None:
    reply = say(standin, chat, "/latest")
    assert "2022年第10期（总第2202期）" in plain(reply) and button(reply, "全文 1")


def test_issue_opens_an_issue_by_its_number(standin: BotApiStandIn, bot, chat: int) -> None:
    assert "总第2202期" in plain(say(standin, chat, "/issue 2202"))


# --- admins --------------------------------------------------------------------


def test_an_admin_upload_is_ingested_like_the_cli_and_then_answers(standin: BotApiStandIn, bot) -> None:
    new_issue = bulletin().encode("utf-8")
    assert "已导入 总第2165期" in upload(standin, ADMIN, "2165.txt", new_issue)
    assert "未变化 总第2165期" in upload(standin, ADMIN, "2165.txt", new_issue)
    assert "朝阳区" in plain(say(standin, ADMIN, "朝阳区垃圾分类入户宣传"))
    refused = upload(standin, ADMIN, "notes.txt", "会议纪要：今天讨论了午餐。".encode())
    assert "未导入" in refused and "请确认" in refused
    broken = upload(standin, ADMIN, "2165.pdf", b"%PDF-1.4")  # the format is read from the bytes
    assert "未导入" in broken and "PDF" in broken
    any_name = bulletin(header=HEADER.replace("总第 2165 期", "总第 2166 期").replace("第 6 期", "第 7 期"))
    assert "已导入 总第2166期" in upload(standin, ADMIN, "简报（定稿）.doc", any_name.encode("utf-8"))
    assert "5 篇文章" not in plain(say(standin, ADMIN, "/stats")) and "期简报" in plain(say(standin, ADMIN, "/stats"))


def test_an_upload_named_with_a_line_break_is_one_line_in_the_log(standin: BotApiStandIn, bot, bot_log: Path) -> None:
    """The sender chooses the name; in the log it cannot begin a line of its own, forged or not."""
    forged = "2024-05-01 08:00:00,000 INFO bot.handlers: admin 1001 uploaded 2202.txt: added"
    name = f"2167.txt\n{forged}\r\x1b[2K\u202e"
    issue = bulletin(header=HEADER.replace("总第 2165 期", "总第 2167 期").replace("第 6 期", "第 8 期"))
    start = bot_log.stat().st_size
    reply = upload(standin, ADMIN, name, issue.encode("utf-8"))
    assert reply.startswith("2167.txt\\n2024-05-01") and "已导入 总第2167期" in reply  # the admin sees one line too
    with bot_log.open("rb") as log:  # the line is written before the result is shown
        log.seek(start)
        lines = log.read().decode("utf-8").splitlines()
    [line] = [line for line in lines if " uploaded " in line]
    assert line.endswith(f"admin {ADMIN} uploaded 2167.txt\\n{forged}\\r\\x1b[2K\\u202e: added"), line
    assert not [line for line in lines if line.startswith(forged[:10])]


# --- robustness -------------------------------------------------------------------


def test_a_429_from_telegram_is_waited_out_and_retried(standin: BotApiStandIn, bot, chat: int) -> None:
    standin.fail_next("sendMessage", error_code=429, retry_after=1)
    started = time.monotonic()
    reply = say(standin, chat, QUESTION)
    assert CITATION_2202 in plain(reply)
    assert time.monotonic() - started >= 1
    assert any(c.injected and c.error_code == 429 for c in standin.calls("sendMessage"))


def test_a_failed_update_gets_an_apology_and_the_bot_keeps_serving(
    standin: BotApiStandIn, bot, chat: int, bot_log: Path
) -> None:
    standin.fail_next("sendMessage", error_code=400, description="Bad Request: message thread not found")
    apology = say(standin, chat, QUESTION)
    assert "抱歉" in plain(apology)
    assert CITATION_2202 in plain(say(standin, chat, QUESTION))
    assert "failed to handle an update" in bot_log.read_text(encoding="utf-8")


def test_the_token_never_appears_in_the_logs(standin: BotApiStandIn, bot, chat: int, bot_log: Path) -> None:
    """A proxy's error page echoes the request's path, token and all, into the error the bot logs."""
    standin.fail_next("sendMessage", 502, page=PROXY_PAGE)
    assert CITATION_2202 in plain(say(standin, chat, QUESTION))  # retried after the 502
    failed = next(c for c in reversed(standin.calls("sendMessage")) if c.injected)
    assert failed.error_code == 502 and failed.params["chat_id"] == chat
    log = bot_log.read_text(encoding="utf-8")  # the line is written before the retry is sent
    assert "sendMessage failed: Bad Gateway (502)" in log and "request POST /bot<token>/sendMessage" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_bot_cleanly(archive_db: Path, tmp_path: Path, how: signal.Signals) -> None:
    log = tmp_path / "bot.log"
    with BotApiStandIn(TOKEN) as own:  # its own server: a second poller would conflict with the module's bot
        process = start_bot(own, archive_db, log)
        assert CITATION_2202 in plain(say(own, 3003, QUESTION))
        assert stop_bot(process, how) == 0
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text and "ERROR" not in text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webhook_mode_registers_its_url_and_answers_updates_that_carry_the_secret(
    archive_db: Path, tmp_path: Path
) -> None:
    port = free_port()
    url = "https://bot.example.test/bulletin"  # public URL for Telegram; a proxy forwards to the port
    local = f"http://127.0.0.1:{port}/bulletin"
    with BotApiStandIn(TOKEN) as own:
        mark = own.mark()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run_bot.py"), "serve", "--webhook-url", url, "--webhook-port", str(port)],
            cwd=ROOT,
            env=bot_env(own, archive_db, TELEGRAM_WEBHOOK_SECRET="s3cret-hook"),
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "bot.log").open("w"),
        )
        try:
            registered = own.wait_for("setWebhook", after=mark, timeout=60)
            assert registered.params["url"] == url and registered.params["secret_token"] == "s3cret-hook"
            own.push_message(4004, QUESTION)  # queued, not polled: the test delivers it as Telegram would
            update = own.pending_updates()[-1]
            forged = httpx.post(local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=10)
            assert forged.status_code == 403
            mark = own.mark()
            delivered = httpx.post(
                local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-hook"}, timeout=10
            )
            assert delivered.status_code == 200
            reply = own.wait_for("sendMessage", lambda p: p["chat_id"] == 4004, after=mark)
            assert CITATION_2202 in plain(reply)
        finally:
            assert stop_bot(process) == 0


def test_a_token_telegram_refuses_is_one_line_exit_2_and_never_printed(archive_db: Path, tmp_path: Path) -> None:
    wrong = "999:wrong-SECRET-token"
    with BotApiStandIn(TOKEN) as own:
        env = bot_env(own, archive_db, TELEGRAM_BOT_TOKEN=wrong)
        result = subprocess.run(
            [sys.executable, str(ROOT / "run_bot.py"), "serve"], env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "令牌" in result.stderr
    assert "wrong-SECRET" not in result.stderr + result.stdout


def test_serve_without_a_token_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"} | {"ARCHIVE_DB": str(tmp_path / "a.db")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize("rate", ["fast", "-5", "2.5"])
def test_a_send_rate_that_is_not_a_whole_number_is_one_line_and_exit_2(tmp_path: Path, rate: str) -> None:
    env = {k: v for k, v in os.environ.items()} | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_SEND_RATE": rate,
        "ARCHIVE_DB": str(tmp_path / "a.db"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "TELEGRAM_SEND_RATE" in result.stderr and "非负整数" in result.stderr

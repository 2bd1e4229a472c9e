"""The bot as users meet it: `run_bot.py serve` in its own process, polling the local Bot API
stand-in over HTTP. Tests push updates into the stand-in and assert on what the bot sent."""

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

from replies import messages
from retrieval.archive import Archive
from retrieval.models import Match
from tests.bot_api_standin import BotApiStandIn
from tests.helpers import ROOT, SAMPLE_ARCHIVE
from tests.helpers.bot_process import (
    ADMIN,
    CITATION_2202,
    MANY_HITS,
    PROXY_PAGE,
    QUESTION,
    TOKEN,
    age_saved_questions,
    assert_nothing_rejected,
    bot_env,
    button,
    buttons,
    entity_text,
    plain,
    replies,
    reply_entities,
    say,
    sent_to,
    start_bot,
    stop_bot,
    upload,
)
from tests.helpers.bulletin_text import HEADER, bulletin

# --- start-up ------------------------------------------------------------------


def test_command_menu_is_set_in_chinese_at_start_up(standin: BotApiStandIn, bot) -> None:
    menu = {c["command"]: c["description"] for c in standin.commands}
    assert set(menu) == {
        "latest", "issue", "years", "year", "ask", "subscribe", "unsubscribe", "follow", "unfollow", "following", "help"
    }  # fmt: skip
    assert "最新" in menu["latest"] and "期号" in menu["issue"]


# --- questions -----------------------------------------------------------------


def test_a_question_gets_cited_excerpts_with_the_answer_in_bold(
    standin: BotApiStandIn, bot, chat: int, archive_db: Path
) -> None:
    reply = say(standin, chat, QUESTION)
    assert reply.params["parse_mode"].upper() == "HTML"
    assert reply.params["link_preview_options"]["is_disabled"] is True
    assert "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗" in plain(reply)
    assert CITATION_2202 in plain(reply)
    with Archive(archive_db, readonly=True) as archive:
        first = archive.ask(QUESTION).hits[0]
    assert first.answer is not None
    sentence = first.excerpt[first.answer[0] : first.answer[1]]
    bold = [e for e in reply_entities(reply) if e["type"] == "bold"]
    # The title, then the answer sentence of each hit: the first hit's is the archive's.
    assert entity_text(plain(reply), bold[1]) == sentence
    assert "<u>创城</u>" in reply.params["text"]  # the question's words, underlined
    assert button(reply, "全文 1")
    assert_nothing_rejected(standin)


def test_a_weak_match_is_labelled_and_an_off_topic_question_gets_the_hint(
    standin: BotApiStandIn, bot, chat: int, archive_db: Path
) -> None:
    weak_question = "学雷锋志愿服务"  # the sample names volunteer work, never 学雷锋
    with Archive(archive_db, readonly=True) as archive:
        assert archive.ask(weak_question).match is Match.RELATED, "the test wants a weak match"
    weak = plain(say(standin, chat, weak_question))
    assert weak.startswith(messages.RELATED_ONLY) and "——《首都精神文明建设情况简报》" in weak
    confident = plain(say(standin, chat, QUESTION))
    assert messages.RELATED_ONLY not in confident
    silent = plain(say(standin, chat, "推荐一部好看的电影"))
    assert silent.startswith("没有找到与“推荐一部好看的电影”相关的内容") and "——" not in silent
    assert_nothing_rejected(standin)


def test_more_results_turns_the_page_in_place(standin: BotApiStandIn, bot, chat: int) -> None:
    first = say(standin, chat, MANY_HITS)
    assert "3." in plain(first) and "4." not in plain(first)
    message_id = first.result["message_id"]
    mark = standin.mark()
    standin.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"])
    edit = standin.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    standin.wait_for("answerCallbackQuery", after=mark)
    assert "第 4–" in plain(edit) and "\n4. " in plain(edit)
    assert button(edit, "全文 4")
    mark = standin.mark()
    standin.push_callback(chat, chat, message_id, button(edit, "‹ 上一页")["callback_data"])
    back = standin.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    assert back.result["text"] == first.result["text"]
    assert_nothing_rejected(standin)


def test_a_page_turn_after_the_question_expired_says_so(
    standin: BotApiStandIn, bot, chat: int, archive_db: Path
) -> None:
    first = say(standin, chat, MANY_HITS)
    age_saved_questions(archive_db, 8 * 24 * 3600)
    mark = standin.mark()
    standin.push_callback(chat, chat, first.result["message_id"], button(first, "更多结果")["callback_data"])
    answered = standin.wait_for("answerCallbackQuery", after=mark)
    assert "过期" in answered.params["text"] and answered.params["show_alert"] is True
    assert not [c for c in standin.calls("editMessageText") if c.index >= mark]


def test_buttons_on_messages_too_old_to_arrive_whole_still_work(standin: BotApiStandIn, bot, chat: int) -> None:
    first = say(standin, chat, MANY_HITS)
    message_id = first.result["message_id"]
    mark = standin.mark()
    standin.push_callback(chat, chat, message_id, button(first, "全文 1")["callback_data"], old=True)
    article = standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert plain(article).startswith(plain(first).split("\n")[2][3:13])
    mark = standin.mark()
    standin.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"], old=True)
    edit = standin.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    assert "第 4–" in plain(edit)
    assert_nothing_rejected(standin)


def test_a_failure_after_a_button_was_answered_is_apologised_for_in_the_chat(
    standin: BotApiStandIn, bot, chat: int
) -> None:
    answer = say(standin, chat, QUESTION)
    standin.fail_next("sendMessage", error_code=400, description="Bad Request: message thread not found")
    mark = standin.mark()
    standin.push_callback(chat, chat, answer.result["message_id"], button(answer, "全文 1")["callback_data"])
    apology = standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert "抱歉" in plain(apology)


def test_full_text_button_sends_the_whole_article(standin: BotApiStandIn, bot, chat: int, archive_db: Path) -> None:
    answer = say(standin, chat, QUESTION)
    mark = standin.mark()
    standin.push_callback(chat, chat, answer.result["message_id"], button(answer, "全文 1")["callback_data"])
    article = standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    text = plain(article)
    with Archive(archive_db) as archive:
        stored = next(a for a in archive.issue(2202).articles if a.title.startswith("丰台区"))
    assert text.startswith(stored.title)
    assert "".join(stored.text.split()) in "".join(text.split()), "every paragraph, nothing cut"
    assert text.rstrip().endswith(CITATION_2202)
    standin.wait_for("answerCallbackQuery", after=mark)
    assert_nothing_rejected(standin)


def test_a_long_article_is_split_over_messages_under_4096(standin: BotApiStandIn, bot, chat: int) -> None:
    issue = say(standin, chat, "/issue 2150")
    mark = standin.mark()
    standin.push_callback(chat, chat, issue.result["message_id"], button(issue, "全文 1")["callback_data"])
    standin.wait_until(lambda: any(plain(c).rstrip().endswith("西城区文明办") for c in sent_to(standin, chat, mark)))
    standin.wait_idle()
    parts = sent_to(standin, chat, mark)
    assert len(parts) >= 2
    texts = [plain(p) for p in parts]
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    assert "".join(texts).count("西城区组织志愿者开展背街小巷楼门院治理") == 160, "no sentence lost or repeated"
    assert "（2/" in texts[1]
    assert texts[-1].rstrip().endswith("西城区文明办")
    assert_nothing_rejected(standin)


def test_greetings_get_the_help_text(standin: BotApiStandIn, bot, chat: int) -> None:
    assert "/latest" in plain(say(standin, chat, "你好"))


def test_no_answer_says_so_with_a_hint(standin: BotApiStandIn, bot, chat: int) -> None:
    text = plain(say(standin, chat, "量子计算机的超导芯片"))
    assert "没有找到" in text and "/latest" in text


@pytest.mark.parametrize(
    "hostile",
    [
        "<b>丰台区</b> <script>alert(1)</script> & 创城 &amp; &lt;",
        'NEAR(创城 机制) OR "丰台" AND title:* ^背街',
        "'; DROP TABLE passages; --",
        "丰台区创城" * 800,
        "🏙️🚮 背街小巷 👍🏽‍ \u202e\u200b 整治",
        "</blockquote></b><i>",
    ],
    ids=["html", "query-operators", "sql", "4000-chars", "emoji-bidi", "closing-tags"],
)
def test_hostile_text_gets_a_normal_reply_and_never_a_bad_request(
    standin: BotApiStandIn, bot, chat: int, hostile: str
) -> None:
    reply = say(standin, chat, hostile)
    assert reply.ok and plain(reply).strip()
    assert "Traceback" not in plain(reply)
    assert_nothing_rejected(standin)


def test_an_unknown_command_points_to_help(standin: BotApiStandIn, bot, chat: int) -> None:
    assert "/help" in plain(say(standin, chat, "/search 背街小巷"))


def test_a_sticker_is_answered_with_a_request_for_text(standin: BotApiStandIn, bot, chat: int) -> None:
    mark = standin.mark()
    standin.push_sticker(chat)
    reply = standin.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert "请用文字提问" in plain(reply)


# --- issues --------------------------------------------------------------------


def test_latest_shows_the_newest_issue_with_a_button_per_article(standin: BotApiStandIn, bot, chat: int) -> None:
    reply = say(standin, chat, "/latest")
    text = plain(reply)
    assert "2022年第10期（总第2202期）" in text and "2022年4月29日" in text
    assert "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗（丰台区文明办）" in text
    assert [b["text"][:4] for b in buttons(reply)] == ["全文 1", "全文 2", "全文 3", "原文（文"]
    assert buttons(reply)[-1]["text"] == "原文（文本）", "the issue was read from a text file, which is kept"


def test_the_source_button_sends_the_file_the_issue_was_read_from(standin: BotApiStandIn, bot, chat: int) -> None:
    issue = say(standin, chat, "/issue 2202")
    mark = standin.mark()
    standin.push_callback(chat, chat, issue.result["message_id"], button(issue, "原文")["callback_data"])
    sent = standin.wait_for("sendDocument", lambda p: p["chat_id"] == chat, after=mark)
    standin.wait_for("answerCallbackQuery", after=mark)
    [document] = standin.documents(chat)
    assert document["content"] == (SAMPLE_ARCHIVE / "000_f4e19954fc935b60.txt").read_bytes()
    assert document["file_name"] == "000_f4e19954fc935b60.txt"
    assert document["caption"] == "《首都精神文明建设情况简报》2022年第10期（总第2202期）" == sent.result["caption"]
    assert_nothing_rejected(standin)


@pytest.mark.parametrize("argument", ["2202", "2022-10", "2022年第10期"])
def test_issue_opens_by_total_or_by_year_and_number(standin: BotApiStandIn, bot, chat: int, argument: str) -> None:
    assert "总第2202期" in plain(say(standin, chat, f"/issue {argument}"))


def test_issue_without_a_number_gives_usage_and_an_unknown_one_names_the_nearest(
    standin: BotApiStandIn, bot, chat: int
) -> None:
    assert "用法" in plain(say(standin, chat, "/issue"))
    text = plain(say(standin, chat, "/issue 2199"))
    assert "没有总第2199期" in text and "总第2202期" in text


def test_start_deep_link_opens_an_issue_and_plain_start_explains(standin: BotApiStandIn, bot, chat: int) -> None:
    assert "2020年第17期（总第2126期）" in plain(say(standin, chat, "/start issue_2126"))
    assert "/issue 2202" in plain(say(standin, chat, "/start"))
    assert "/issue 2202" in plain(say(standin, chat, "/help"))


# --- groups --------------------------------------------------------------------


def test_in_groups_the_bot_answers_ask_replies_and_mentions_only(standin: BotApiStandIn, bot) -> None:
    group, member = -5005, 5005
    ask = say(standin, group, f"/ask {QUESTION}", user_id=member, chat_type="supergroup")
    assert CITATION_2202 in plain(ask)
    assert ask.params["reply_parameters"]["message_id"] > 0, "answers quote the question in groups"
    mention = say(
        standin, group, f"@{standin.bot_user['username']} 背街小巷整治", user_id=member, chat_type="supergroup"
    )
    assert "背街小巷" in plain(mention)
    follow = say(
        standin,
        group,
        "驻京部队怎样参加创建？",
        user_id=member,
        chat_type="supergroup",
        reply_to_message_id=mention.result["message_id"],
    )
    assert "驻京部队" in plain(follow)
    mark = standin.mark()
    standin.push_message(group, "大家中午吃什么", user_id=member, chat_type="supergroup")
    usage = say(standin, group, "/ask", user_id=member, chat_type="supergroup")
    assert "用法" in plain(usage)
    standin.wait_idle()
    assert len(sent_to(standin, group, mark)) == 1, "chatter not addressed to the bot gets no reply"


# --- inline mode -----------------------------------------------------------------


def test_inline_query_lists_hits_that_are_sent_with_their_citation(standin: BotApiStandIn, bot) -> None:
    mark = standin.mark()
    standin.push_inline_query(7007, MANY_HITS)
    call = standin.wait_for("answerInlineQuery", after=mark)
    results = call.params["results"]
    assert 3 < len(results) <= 10
    assert all(r["title"] and r["description"] for r in results)
    content = results[0]["input_message_content"]
    assert content["parse_mode"].upper() == "HTML" and "——《首都精神文明建设情况简报》" in content["message_text"]
    assert content["message_text"].startswith(f"<b>{results[0]['title'][:10]}"), "the hit's title heads the message"
    assert_nothing_rejected(standin)


def test_an_empty_inline_query_offers_help(standin: BotApiStandIn, bot) -> None:
    mark = standin.mark()
    standin.push_inline_query(7008, "")
    call = standin.wait_for("answerInlineQuery", after=mark)
    assert call.params["results"] == [] and call.params["button"]["start_parameter"] == "help"


# --- admins --------------------------------------------------------------------


def test_an_admin_upload_is_ingested_like_the_cli_and_then_answers(standin: BotApiStandIn, bot) -> None:
    new_issue = bulletin().encode("utf-8")
    assert "已导入 总第2165期" in upload(standin, ADMIN, "2165.txt", new_issue)
    assert "未变化 总第2165期" in upload(standin, ADMIN, "2165.txt", new_issue)
    assert "朝阳区" in plain(say(standin, ADMIN, "朝阳区垃圾分类入户宣传"))
    refused = upload(standin, ADMIN, "notes.txt", "会议纪要：今天讨论了午餐。".encode("utf-8"))
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


def test_anyone_else_is_refused_politely_and_nothing_is_stored(standin: BotApiStandIn, bot, chat: int) -> None:
    before = plain(say(standin, ADMIN, "/stats"))
    other = bulletin(header=HEADER.replace("总第 2165 期", "总第 2170 期").replace("第 6 期", "第 9 期")).encode()
    assert "只有管理员" in upload(standin, chat, "2170.txt", other)
    assert plain(say(standin, ADMIN, "/stats")) == before
    assert "管理员" in plain(say(standin, chat, "/stats"))


# --- robustness -------------------------------------------------------------------


def test_questions_beyond_the_per_user_limit_get_one_polite_reply(standin: BotApiStandIn, bot, chat: int) -> None:
    mark = standin.mark()
    for _ in range(13):
        standin.push_message(chat, QUESTION)
    replies(standin, chat, mark, 11)
    standin.wait_idle()
    sent = sent_to(standin, chat, mark)
    limited = [c for c in sent if "太频繁" in plain(c)]
    assert len(sent) == 11 and len(limited) == 1, "10 answers, then one notice, then silence"


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

"""One handler at a time, through python-telegram-bot's own request class: the project's real
Application (build_application) over a real archive, its Bot API calls answered in-process by the
stand-in (StandInRequest), no HTTP and no process. Tests push updates and assert on the calls the
bot made, as the end-to-end tests do; those keep what needs the process and the network."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
from pathlib import Path

import docx
import pytest

from replies import conversation, messages
from replies.citations import gbt7714
from retrieval.archive import Archive
from retrieval.models import Match
from retrieval.tokenize import Tokenizer
from tests.bot_api_standin import BotApiStandIn, Call
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.bot_in_process import InProcessBot
from tests.helpers.bot_process import (
    ADMIN,
    CITATION_2202,
    MANY_HITS,
    QUESTION,
    age_saved_questions,
    assert_nothing_rejected,
    button,
    buttons,
    entity_text,
    plain,
    replies,
    reply_entities,
    say,
    sent_to,
    upload,
)
from tests.helpers.bulletin_text import HEADER, bulletin

# --- questions -----------------------------------------------------------------


def test_a_question_gets_cited_excerpts_with_the_answer_in_bold(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    reply = say(api, chat, QUESTION)
    assert reply.params["parse_mode"].upper() == "HTML"
    assert reply.params["link_preview_options"]["is_disabled"] is True
    assert "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗" in plain(reply)
    assert CITATION_2202 in plain(reply)
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        first = archive.ask(QUESTION).hits[0]
    assert first.answer is not None
    sentence = first.excerpt[first.answer[0] : first.answer[1]]
    bold = [e for e in reply_entities(reply) if e["type"] == "bold"]
    # The title, then the answer sentence of each hit: the first hit's is the archive's.
    assert entity_text(plain(reply), bold[1]) == sentence
    assert "<u>创城</u>" in reply.params["text"]  # the question's words, underlined
    assert button(reply, "全文 1")
    assert_nothing_rejected(api)


def test_a_weak_match_is_labelled_and_an_off_topic_question_gets_the_hint(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    weak_question = "学雷锋志愿服务"  # the sample names volunteer work, never 学雷锋
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        assert archive.ask(weak_question).match is Match.RELATED, "the test wants a weak match"
    weak = plain(say(api, chat, weak_question))
    assert weak.startswith(messages.RELATED_ONLY) and "——《首都精神文明建设情况简报》" in weak
    confident = plain(say(api, chat, QUESTION))
    assert messages.RELATED_ONLY not in confident
    silent = plain(say(api, chat, "推荐一部好看的电影"))
    assert silent.startswith("没有找到与“推荐一部好看的电影”相关的内容") and "——" not in silent
    assert_nothing_rejected(api)


def test_more_results_turns_the_page_in_place(api: BotApiStandIn, telegram_app: InProcessBot, chat: int) -> None:
    first = say(api, chat, MANY_HITS)
    assert "3." in plain(first) and "4." not in plain(first)
    message_id = first.result["message_id"]
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"])
    edit = api.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    api.wait_for("answerCallbackQuery", after=mark)
    assert "第 4–" in plain(edit) and "\n4. " in plain(edit)
    assert button(edit, "全文 4")
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(edit, "‹ 上一页")["callback_data"])
    back = api.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    assert back.result["text"] == first.result["text"]
    assert_nothing_rejected(api)


def test_export_button_sends_the_answer_as_a_word_file(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    answer = say(api, chat, QUESTION)
    export = button(answer, "导出Word")
    assert len(export["callback_data"].encode()) <= 64
    mark = api.mark()
    api.push_callback(chat, chat, answer.result["message_id"], export["callback_data"])
    api.wait_for("sendDocument", lambda p: p["chat_id"] == chat, after=mark)
    api.wait_for("answerCallbackQuery", after=mark)
    [document] = api.documents(chat)
    assert (
        document["file_name"] == f"简报摘录-{''.join(c for c in QUESTION if c.isalnum())}-{dt.date.today():%Y%m%d}.docx"
    )
    assert document["caption"].startswith(f"“{QUESTION}”的查询结果：")
    lines = [p.text for p in docx.Document(io.BytesIO(document["content"])).paragraphs]
    assert "问题：" + QUESTION in lines
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        hits = archive.ask(QUESTION, limit=conversation.EXPORT_HITS).hits
    assert f"{len(hits)} 条摘录" in document["caption"]
    for hit in hits:
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(hit.issue, hit.title, hit.source, hit.page) in lines
        assert "引用（简报格式）：" + messages.citation(hit.issue, hit.source, hit.page) in lines
    assert_nothing_rejected(api)


def test_export_button_stays_on_later_pages_and_an_expired_one_says_so(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path
) -> None:
    first = say(api, chat, MANY_HITS)
    message_id = first.result["message_id"]
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"])
    edit = api.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    assert button(edit, "导出Word")["callback_data"] == button(first, "导出Word")["callback_data"]
    age_saved_questions(bot_archive_db, 8 * 24 * 3600)
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(edit, "导出Word")["callback_data"])
    answered = api.wait_for("answerCallbackQuery", after=mark)
    assert "过期" in answered.params["text"] and answered.params["show_alert"] is True
    telegram_app.wait_idle()
    assert not api.documents(chat)


def test_a_page_turn_after_the_question_expired_says_so(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path
) -> None:
    first = say(api, chat, MANY_HITS)
    age_saved_questions(bot_archive_db, 8 * 24 * 3600)
    mark = api.mark()
    api.push_callback(chat, chat, first.result["message_id"], button(first, "更多结果")["callback_data"])
    answered = api.wait_for("answerCallbackQuery", after=mark)
    assert "过期" in answered.params["text"] and answered.params["show_alert"] is True
    telegram_app.wait_idle()
    assert not [c for c in api.calls("editMessageText") if c.index >= mark]


def test_buttons_on_messages_too_old_to_arrive_whole_still_work(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    first = say(api, chat, MANY_HITS)
    message_id = first.result["message_id"]
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(first, "全文 1")["callback_data"], old=True)
    article = api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert plain(article).startswith(plain(first).split("\n")[2][3:13])
    mark = api.mark()
    api.push_callback(chat, chat, message_id, button(first, "更多结果")["callback_data"], old=True)
    edit = api.wait_for("editMessageText", lambda p: p["message_id"] == message_id, after=mark)
    assert "第 4–" in plain(edit)
    assert_nothing_rejected(api)


def test_a_failure_after_a_button_was_answered_is_apologised_for_in_the_chat(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    answer = say(api, chat, QUESTION)
    api.fail_next("sendMessage", error_code=400, description="Bad Request: message thread not found")
    mark = api.mark()
    api.push_callback(chat, chat, answer.result["message_id"], button(answer, "全文 1")["callback_data"])
    apology = api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert "抱歉" in plain(apology)


def open_first_full_text(api: BotApiStandIn, chat: int) -> tuple[Call, int]:
    """Ask QUESTION and press 全文 1: the article's first message, and the mark before the press."""
    answer = say(api, chat, QUESTION)
    mark = api.mark()
    api.push_callback(chat, chat, answer.result["message_id"], button(answer, "全文 1")["callback_data"])
    return api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark), mark


def test_full_text_button_sends_the_whole_article(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    article, mark = open_first_full_text(api, chat)
    text = plain(article)
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        issue = archive.issue(2202)
        stored = next(a for a in issue.articles if a.title.startswith("丰台区"))
    assert text.startswith(stored.title)
    assert "".join(stored.text.split()) in "".join(text.split()), "every paragraph, nothing cut"
    cited, reference = [line for line in text.rstrip().splitlines() if line.strip()][-2:]
    assert cited.strip() == CITATION_2202
    assert reference == "参考文献（GB/T 7714—2015）：" + gbt7714(issue.ref, stored.title, stored.source, stored.page)
    assert "<code>" in article.params["text"], "the reference is one tap to copy in Telegram's apps"
    api.wait_for("answerCallbackQuery", after=mark)
    assert_nothing_rejected(api)


def test_the_full_text_offers_the_related_articles_of_other_issues_as_buttons(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    article, mark = open_first_full_text(api, chat)
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        stored = next(a for a in archive.issue(2202).articles if a.title.startswith("丰台区"))
        related = archive.related(stored.id)
    assert related, "the sample archive's other issue shares 丰台区's theme of 创城"
    offered = buttons(article)
    assert [b["text"] for b in offered] == [
        messages.RELATED_BUTTON.format(title=messages.shorten(h.title, 20)) for h in related
    ]
    # A related article's button opens it whole.
    mark = api.mark()
    api.push_callback(chat, chat, article.result["message_id"], offered[0]["callback_data"])
    opened = api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert plain(opened).startswith(related[0].title)
    assert_nothing_rejected(api)


def test_a_long_article_is_split_over_messages_under_4096(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    issue = say(api, chat, "/issue 2150")
    mark = api.mark()
    api.push_callback(chat, chat, issue.result["message_id"], button(issue, "全文 1")["callback_data"])
    api.wait_until(lambda: any("[J]. 首都精神文明建设情况简报" in plain(c) for c in sent_to(api, chat, mark)))
    telegram_app.wait_idle()
    parts = sent_to(api, chat, mark)
    assert len(parts) >= 2
    texts = [plain(p) for p in parts]
    assert all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    assert "".join(texts).count("西城区组织志愿者开展背街小巷楼门院治理") == 160, "no sentence lost or repeated"
    assert "（2/" in texts[1]
    assert texts[-1].rstrip().splitlines()[-3].endswith("西城区文明办")
    assert_nothing_rejected(api)


def test_greetings_get_the_help_text(api: BotApiStandIn, telegram_app: InProcessBot, chat: int) -> None:
    assert "/latest" in plain(say(api, chat, "你好"))


def test_no_answer_says_so_with_a_hint(api: BotApiStandIn, telegram_app: InProcessBot, chat: int) -> None:
    text = plain(say(api, chat, "量子计算机的超导芯片"))
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
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, hostile: str
) -> None:
    reply = say(api, chat, hostile)
    assert reply.ok and plain(reply).strip()
    assert "Traceback" not in plain(reply)
    assert_nothing_rejected(api)


def test_an_unknown_command_points_to_help(api: BotApiStandIn, telegram_app: InProcessBot, chat: int) -> None:
    assert "/help" in plain(say(api, chat, "/search 背街小巷"))


def test_a_sticker_is_answered_with_a_request_for_text(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    mark = api.mark()
    api.push_sticker(chat)
    reply = api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    assert "请用文字提问" in plain(reply)


def test_questions_beyond_the_per_user_limit_get_one_polite_reply(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    mark = api.mark()
    for _ in range(13):
        api.push_message(chat, QUESTION)
    replies(api, chat, mark, 11)
    telegram_app.wait_idle()
    sent = sent_to(api, chat, mark)
    limited = [c for c in sent if "太频繁" in plain(c)]
    assert len(sent) == 11 and len(limited) == 1, "10 answers, then one notice, then silence"


# --- issues --------------------------------------------------------------------


def test_latest_shows_the_newest_issue_with_a_button_per_article(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    reply = say(api, chat, "/latest")
    text = plain(reply)
    assert "2022年第10期（总第2202期）" in text and "2022年4月29日" in text
    assert "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗（丰台区文明办）" in text
    assert [b["text"][:4] for b in buttons(reply)] == ["全文 1", "全文 2", "全文 3", "原文（文"]
    assert buttons(reply)[-1]["text"] == "原文（文本）", "the issue was read from a text file, which is kept"


def test_the_source_button_sends_the_file_the_issue_was_read_from(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    issue = say(api, chat, "/issue 2202")
    mark = api.mark()
    api.push_callback(chat, chat, issue.result["message_id"], button(issue, "原文")["callback_data"])
    sent = api.wait_for("sendDocument", lambda p: p["chat_id"] == chat, after=mark)
    api.wait_for("answerCallbackQuery", after=mark)
    [document] = api.documents(chat)
    assert document["content"] == (SAMPLE_ARCHIVE / "000_f4e19954fc935b60.txt").read_bytes()
    assert document["file_name"] == "000_f4e19954fc935b60.txt"
    assert document["caption"] == "《首都精神文明建设情况简报》2022年第10期（总第2202期）" == sent.result["caption"]
    assert_nothing_rejected(api)


@pytest.mark.parametrize("argument", ["2202", "2022-10", "2022年第10期"])
def test_issue_opens_by_total_or_by_year_and_number(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, argument: str
) -> None:
    assert "总第2202期" in plain(say(api, chat, f"/issue {argument}"))


def test_issue_without_a_number_gives_usage_and_an_unknown_one_names_the_nearest(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    assert "用法" in plain(say(api, chat, "/issue"))
    text = plain(say(api, chat, "/issue 2199"))
    assert "没有总第2199期" in text and "总第2202期" in text


def test_start_deep_link_opens_an_issue_and_plain_start_explains(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    assert "2020年第17期（总第2126期）" in plain(say(api, chat, "/start issue_2126"))
    assert "/issue 2202" in plain(say(api, chat, "/start"))
    assert "/issue 2202" in plain(say(api, chat, "/help"))


# --- groups --------------------------------------------------------------------


def test_in_groups_the_bot_answers_ask_replies_and_mentions_only(
    api: BotApiStandIn, telegram_app: InProcessBot
) -> None:
    group, member = -5005, 5005
    ask = say(api, group, f"/ask {QUESTION}", user_id=member, chat_type="supergroup")
    assert CITATION_2202 in plain(ask)
    assert ask.params["reply_parameters"]["message_id"] > 0, "answers quote the question in groups"
    mention = say(api, group, f"@{api.bot_user['username']} 背街小巷整治", user_id=member, chat_type="supergroup")
    assert "背街小巷" in plain(mention)
    follow = say(
        api,
        group,
        "驻京部队怎样参加创建？",
        user_id=member,
        chat_type="supergroup",
        reply_to_message_id=mention.result["message_id"],
    )
    assert "驻京部队" in plain(follow)
    mark = api.mark()
    api.push_message(group, "大家中午吃什么", user_id=member, chat_type="supergroup")
    usage = say(api, group, "/ask", user_id=member, chat_type="supergroup")
    assert "用法" in plain(usage)
    telegram_app.wait_idle()
    assert len(sent_to(api, group, mark)) == 1, "chatter not addressed to the bot gets no reply"


# --- inline mode ---------------------------------------------------------------


def test_inline_query_lists_hits_that_are_sent_with_their_citation(
    api: BotApiStandIn, telegram_app: InProcessBot
) -> None:
    mark = api.mark()
    api.push_inline_query(7007, MANY_HITS)
    call = api.wait_for("answerInlineQuery", after=mark)
    results = call.params["results"]
    assert 3 < len(results) <= 10
    assert all(r["title"] and r["description"] for r in results)
    content = results[0]["input_message_content"]
    assert content["parse_mode"].upper() == "HTML" and "——《首都精神文明建设情况简报》" in content["message_text"]
    assert content["message_text"].startswith(f"<b>{results[0]['title'][:10]}"), "the hit's title heads the message"
    assert_nothing_rejected(api)


def test_an_empty_inline_query_offers_help(api: BotApiStandIn, telegram_app: InProcessBot) -> None:
    mark = api.mark()
    api.push_inline_query(7008, "")
    call = api.wait_for("answerInlineQuery", after=mark)
    assert call.params["results"] == [] and call.params["button"]["start_parameter"] == "help"


# --- uploads by users who are not admins ---------------------------------------


def test_anyone_else_is_refused_politely_and_nothing_is_stored(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    before = plain(say(api, ADMIN, "/stats"))
    other = bulletin(header=HEADER.replace("总第 2165 期", "总第 2170 期").replace("第 6 期", "第 9 期")).encode()
    assert "只有管理员" in upload(api, chat, "2170.txt", other)
    assert plain(say(api, ADMIN, "/stats")) == before
    assert "管理员" in plain(say(api, chat, "/stats"))


# --- the harness ------------------------------------------------------------------


def test_the_bot_runs_in_this_process_without_a_server(api: BotApiStandIn, telegram_app: InProcessBot) -> None:
    """What keeps these tests quick: no HTTP server behind `api`, no process beside the test's."""
    with pytest.raises(RuntimeError, match="not running"):
        api.port
    assert multiprocessing.active_children() == []
    assert [c.method for c in api.calls()] == ["getMe"]  # the application's initialize(), in-process

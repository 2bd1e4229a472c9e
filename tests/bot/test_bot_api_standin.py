"""The Bot API stand-in, driven by python-telegram-bot itself: it must refuse what Telegram refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import ssl
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.bot_api_standin import BotApiError, BotApiStandIn, StandInRequest, format_text, utf16_len
from tests.helpers.properties import examples

TOKEN = "123456:TEST-token"
CHAT = 1001
USER = CHAT
GROUP = -100200


@pytest.fixture
def standin():
    with BotApiStandIn(TOKEN) as running:
        yield running


# Building an SSL context takes ~30 ms and every Bot builds two; one shared context keeps the file fast.
SHARED_SSL = ssl.create_default_context()


def with_bot(standin: BotApiStandIn, body, token: str = TOKEN):
    """Runs `await body(bot)` with a real PTB Bot talking to the stand-in."""

    async def main():
        bot = Bot(
            token,
            base_url=standin.base_url,
            base_file_url=standin.base_file_url,
            request=HTTPXRequest(httpx_kwargs={"verify": SHARED_SSL}),
            get_updates_request=HTTPXRequest(httpx_kwargs={"verify": SHARED_SSL}),
        )
        async with bot:
            return await body(bot)

    return asyncio.run(main())


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"按钮{i}", callback_data=d)] for i, d in enumerate(data)])


def seconds(value) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# ------------------------------------------------------------------------------ basics


def test_get_me_round_trip(standin):
    me = with_bot(standin, lambda bot: bot.get_me())
    assert (me.id, me.username, me.first_name, me.is_bot) == (123456, "bulletin_test_bot", "简报助手", True)
    assert me.supports_inline_queries and me.can_join_groups and not me.can_read_all_group_messages
    assert [c.method for c in standin.calls()] == ["getMe", "getMe"]  # initialize() and ours
    assert standin.rejected() == []


def test_a_wrong_token_is_unauthorized(standin):
    with pytest.raises(InvalidToken):
        with_bot(standin, lambda bot: bot.get_me(), token="654321:wrong")
    assert standin.rejected()[0].error_code == 401


def test_an_unknown_method_is_not_found(standin):
    with pytest.raises(EndPointNotFound):
        with_bot(standin, lambda bot: bot.do_api_request("sendTelepathy", {"chat_id": CHAT}))
    assert standin.rejected()[0].error == "Not Found: method not found"


def test_the_bot_can_only_write_to_chats_it_has_seen(standin):
    with pytest.raises(BadRequest, match="Chat not found"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "你好"))
    standin.push_message(GROUP, "/start@bulletin_test_bot", user_id=7, chat_type="group")
    with pytest.raises(Forbidden, match="initiate conversation"):
        with_bot(standin, lambda bot: bot.send_message(7, "私聊"))
    standin.push_message(CHAT, "/start")
    assert with_bot(standin, lambda bot: bot.send_message(CHAT, "你好")).text == "你好"


# ------------------------------------------------------------------------------ text rules


def test_valid_html_is_accepted_and_stored_as_plain_text(standin):
    standin.push_message(CHAT, "/start")
    raw = (
        "<b>总第2202期</b> &amp; <i>摘要</i>\n"
        "<a href='https://example.com/a?b=1&amp;c=2'>原文</a> <code>x&lt;y</code>\n"
        '<blockquote expandable>引用 <span class="tg-spoiler">剧透</span></blockquote>'
    )
    sent = with_bot(standin, lambda bot: bot.send_message(CHAT, raw, parse_mode="HTML"))
    plain = "总第2202期 & 摘要\n原文 x<y\n引用 剧透"
    assert sent.text == plain
    kinds = {e.type: e for e in sent.entities}
    assert set(kinds) == {"bold", "italic", "text_link", "code", "expandable_blockquote", "spoiler"}
    assert kinds["text_link"].url == "https://example.com/a?b=1&c=2"
    assert sent.text[kinds["italic"].offset : kinds["italic"].offset + kinds["italic"].length] == "摘要"
    [stored] = standin.messages(CHAT)
    assert (stored["text"], stored["html"], stored["parse_mode"]) == (plain, raw, "HTML")
    assert stored["message_id"] == 2  # the user's /start was 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("<b>未闭合", 'Can\'t find end tag corresponding to start tag "b"'),
        ("多余</b>", "Unexpected end tag at byte offset 6"),  # two 3-byte characters before it
        ("<b>交错</i>", 'Unmatched end tag at byte offset 9, expected "</b>", found "</i>"'),
        ("<x>未知</x>", 'Unsupported start tag "x" at byte offset 0'),
        ("<br>换行", 'Unsupported start tag "br" at byte offset 0'),
        ("<span>未标</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("A & B", 'Unescaped "&" at byte offset 2'),
        ("&nbsp;空格", 'Unescaped "&" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<a href=x/>链接</a>", "Unexpected end of name token"),
        ("标题 <b", "Unclosed start tag at byte offset 7"),
    ],
)
def test_bad_html_is_rejected(standin, raw, reason):
    standin.push_message(CHAT, "/start")
    with pytest.raises(BadRequest) as caught:
        with_bot(standin, lambda bot: bot.send_message(CHAT, raw, parse_mode="HTML"))
    assert "parse entities" in caught.value.message
    [rejected] = standin.rejected()
    assert rejected.method == "sendMessage" and reason in rejected.error
    assert standin.messages(CHAT) == []


def test_without_parse_mode_text_is_literal(standin):
    standin.push_message(CHAT, "/start")
    sent = with_bot(standin, lambda bot: bot.send_message(CHAT, "<b>1 < 2 & 3</b>"))
    assert sent.text == "<b>1 < 2 & 3</b>" and not sent.entities


@pytest.mark.parametrize("mode", ["MarkdownV2", "Markdown", "markdown", "XML"])
def test_parse_modes_other_than_html_are_unsupported(standin, mode):
    standin.push_message(CHAT, "/start")
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, r"*版本* 1\.0", parse_mode=mode))
    [rejected] = standin.rejected()
    assert rejected.error == "Bad Request: unsupported parse_mode"
    assert standin.messages(CHAT) == []


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("字" * 4096, True),
        ("字" * 4097, False),
        ("😀" * 2048, True),  # each emoji is a surrogate pair: 2 UTF-16 units
        ("😀" * 2048 + "a", False),
        ("\n  " + "a" * 4096 + "  \n", True),  # surrounding whitespace is trimmed before counting
    ],
)
def test_message_length_counts_utf16_units(standin, text, accepted):
    standin.push_message(CHAT, "/start")
    send = lambda bot: bot.send_message(CHAT, text)  # noqa: E731
    if accepted:
        assert with_bot(standin, send).text == text.strip()
    else:
        with pytest.raises(BadRequest, match="Message is too long"):
            with_bot(standin, send)


def test_markup_does_not_count_towards_the_limit_but_entities_do(standin):
    standin.push_message(CHAT, "/start")
    body = "<b>" + "a" * 4090 + "</b>&lt;&gt;&amp;"
    assert utf16_len(with_bot(standin, lambda bot: bot.send_message(CHAT, body, parse_mode="HTML")).text) == 4093
    with pytest.raises(BadRequest, match="Message is too long"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, body + "&#128512;" * 2, parse_mode="HTML"))


@pytest.mark.parametrize("text", ["", "   \n\t ", "<b> </b>"])
def test_empty_text_is_rejected(standin, text):
    standin.push_message(CHAT, "/start")
    with pytest.raises(BadRequest, match="Message text is empty"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, text, parse_mode="HTML"))


# ------------------------------------------------------------------------------ keyboards


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        ("a" * 64, True),
        ("期" * 21 + "a", True),  # 63 + 1 bytes
        ("期" * 22, False),  # 22 characters but 66 bytes
        ("a" * 65, False),
    ],
)
def test_callback_data_is_limited_to_64_bytes(standin, data, accepted):
    standin.push_message(CHAT, "/start")
    send = lambda bot: bot.send_message(CHAT, "选择", reply_markup=keyboard(data))  # noqa: E731
    if accepted:
        with_bot(standin, send)
        assert standin.messages(CHAT)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == data
    else:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            with_bot(standin, send)


@pytest.mark.parametrize(
    "markup",
    [
        InlineKeyboardMarkup([[InlineKeyboardButton("只有文字")]]),
        InlineKeyboardMarkup([[InlineKeyboardButton("链接", url="ftp://example.com")]]),
        InlineKeyboardMarkup([[InlineKeyboardButton(str(i), callback_data=str(i)) for i in range(101)]]),
    ],
)
def test_invalid_inline_keyboards_are_rejected(standin, markup):
    standin.push_message(CHAT, "/start")
    with pytest.raises(BadRequest):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "选择", reply_markup=markup))


# ------------------------------------------------------------------------------ edits and queries


def test_edit_message_text_refuses_an_edit_that_changes_nothing(standin):
    standin.push_message(CHAT, "/start")

    async def body(bot: Bot):
        sent = await bot.send_message(CHAT, "<b>第一页</b>", parse_mode="HTML", reply_markup=keyboard("p2"))
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text(
                "<b>第一页</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard("p2")
            )
        # Same text without bold is a change; so is dropping the keyboard.
        await bot.edit_message_text("第一页", CHAT, sent.message_id, reply_markup=keyboard("p2"))
        await bot.edit_message_text("第一页", CHAT, sent.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("第二页", CHAT, 999)
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("改别人的", CHAT, 1)

    with_bot(standin, body)
    [stored] = standin.messages(CHAT)
    assert stored["text"] == "第一页" and "reply_markup" not in stored and "entities" not in stored
    assert len(standin.rejected()) == 3


def test_a_callback_query_is_answered_once(standin):
    standin.push_message(CHAT, "/start")

    async def body(bot: Bot):
        sent = await bot.send_message(CHAT, "选择", reply_markup=keyboard("next"))
        with pytest.raises(ValueError, match="no button"):
            standin.push_callback(CHAT, USER, sent.message_id, "forged")
        query_id = standin.push_callback(CHAT, USER, sent.message_id, "next")
        updates = await bot.get_updates(timeout=0)
        query = updates[-1].callback_query
        assert (query.id, query.data, query.message.text) == (query_id, "next", "选择")
        assert standin.unanswered_callback_queries() == [query_id]
        assert await bot.answer_callback_query(query_id, text="好的")
        assert standin.unanswered_callback_queries() == []
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query("42")

    with_bot(standin, body)


def test_inline_answers_need_unique_valid_results(standin):
    def article(result_id: str, text: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id, "标题", InputTextMessageContent(text, parse_mode="HTML"))

    async def body(bot: Bot):
        query_id = standin.push_inline_query(USER, "地铁")
        with pytest.raises(BadRequest, match="Result_id_duplicate"):
            await bot.answer_inline_query(query_id, [article("1", "甲"), article("1", "乙")])
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.answer_inline_query(query_id, [article("1", "<b>甲")])
        with pytest.raises(BadRequest, match="Results_too_much"):
            await bot.answer_inline_query(query_id, [article(str(i), "甲") for i in range(51)])
        assert await bot.answer_inline_query(query_id, [article("1", "<b>甲</b>"), article("2", "乙")])
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_inline_query(query_id, [article("3", "丙")])

    with_bot(standin, body)
    assert standin.push_chosen_inline_result(USER, "2")["result_id"] == "2"


def test_set_my_commands_checks_names_and_descriptions(standin):
    good = [BotCommand("start", "开始"), BotCommand("issue", "按期号查看简报")]

    async def body(bot: Bot):
        assert await bot.set_my_commands(good)
        assert [c.command for c in await bot.get_my_commands()] == ["start", "issue"]
        for bad in (BotCommand("Start", "大写"), BotCommand("a" * 33, "太长"), BotCommand("查", "中文")):
            with pytest.raises(BadRequest, match="Bot_command_invalid"):
                await bot.set_my_commands([bad])
        with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
            await bot.set_my_commands([BotCommand("help", "")])

    with_bot(standin, body)
    assert standin.commands == [c.to_dict() for c in good]
    assert len(standin.rejected()) == 4


# ------------------------------------------------------------------------------ updates and files


def test_get_updates_long_polls_and_respects_offset(standin):
    async def body(bot: Bot):
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.to_thread(standin.wait_polling)
        message = standin.push_message(CHAT, "/issue 2202")
        updates = await poll
        assert time.monotonic() - started < 1.0
        assert [u.message.text for u in updates] == ["/issue 2202"]
        assert updates[0].update_id == 1 and updates[0].message.message_id == message["message_id"]
        assert updates[0].message.entities[0].type == "bot_command"
        # Not confirmed yet: asked again without an offset, it comes again.
        assert [u.update_id for u in await bot.get_updates(timeout=0)] == [1]
        assert await bot.get_updates(offset=2, timeout=0) == ()
        assert standin.pending_updates() == []

    with_bot(standin, body)


def test_stop_wakes_a_waiting_poll(standin):
    async def body(bot: Bot):
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.to_thread(standin.wait_polling)
        started = time.monotonic()
        await asyncio.to_thread(standin.stop)
        assert await poll == ()
        assert time.monotonic() - started < 0.5

    with_bot(standin, body)


def test_requests_as_form_json_and_query_string_are_understood(standin):
    standin.push_message(CHAT, "/start")
    api = standin.base_url + TOKEN
    markup = {"inline_keyboard": [[{"text": "下一页", "callback_data": "p2"}]]}
    with httpx.Client(verify=SHARED_SSL) as http:
        form = {"chat_id": str(CHAT), "text": "[1] {原文}", "protect_content": "true"}
        assert http.post(f"{api}/sendMessage", data=form).json()["result"]["text"] == "[1] {原文}"
        body = {"chat_id": CHAT, "text": "<b>甲</b>", "parse_mode": "HTML", "reply_markup": markup}
        assert http.post(f"{api}/sendMessage", json=body).json()["result"]["reply_markup"] == markup
        query = {"chat_id": str(CHAT), "text": "a & b", "parse_mode": "HTML"}
        refused = http.get(f"{api}/sendMessage", params=query)
        assert refused.status_code == 400
        assert refused.json()["description"].startswith("Bad Request: can't parse entities")
        wrong = http.post(f"{standin.base_url}654321:wrong/getMe")
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    # Form values arrive as strings: "true" is a boolean, text that looks like JSON stays text.
    assert standin.calls("sendMessage")[0].params["protect_content"] is True


def test_privacy_mode_keeps_plain_group_chatter_from_the_bot(standin):
    standin.push_message(GROUP, "今天地铁几点开", user_id=7, chat_type="group")
    standin.push_message(GROUP, "/issue@other_bot 2202", user_id=7, chat_type="group")
    asked = standin.push_message(GROUP, "/issue@bulletin_test_bot 2202", user_id=7, chat_type="group")
    mention = standin.push_message(GROUP, "@bulletin_test_bot 地铁", user_id=8, chat_type="group")
    delivered = [u["message"]["message_id"] for u in standin.pending_updates()]
    assert delivered == [asked["message_id"], mention["message_id"]]  # mentions pass, as BotFather says
    assert mention["entities"] == [{"type": "mention", "offset": 0, "length": 18}]


def test_user_entities_are_found_like_telegram(standin):
    message = standin.push_message(CHAT, "/start@bulletin_test_bot 😀 @user_name")
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 24},
        {"type": "mention", "offset": 28, "length": 10},  # the emoji counts 2 UTF-16 units
    ]
    assert "entities" not in standin.push_message(CHAT, "/search地铁")  # a letter right after: no command


def test_a_document_downloads_through_get_file(standin):
    content = "总第2202期\n首都精神文明建设情况简报\n".encode("gb18030")
    sent = standin.push_document(CHAT, USER, "简报2202.txt", content, caption="请导入")
    big = standin.push_document(CHAT, USER, "big.txt", b"x", file_size=20 * 1024 * 1024 + 1)

    async def body(bot: Bot):
        [update, _] = await bot.get_updates(timeout=0)
        document = update.message.document
        assert (document.file_name, document.file_size) == ("简报2202.txt", len(content))
        telegram_file = await bot.get_file(document.file_id)
        assert telegram_file.file_path.endswith("documents/file_1.txt")
        assert bytes(await telegram_file.download_as_bytearray()) == content
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file(big["document"]["file_id"])
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("no-such-file")

    with_bot(standin, body)
    assert sent["caption"] == "请导入"


# Bytes no text decoder would keep: every byte value, NULs and invalid UTF-8 included.
BINARY_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64 + b"\r\n--\r\n%%EOF\n"


def test_a_pdf_document_downloads_byte_for_byte(standin):
    sent = standin.push_document(CHAT, USER, "总第2202期.pdf", BINARY_PDF)
    assert sent["document"]["mime_type"] == "application/pdf", "the type the name suggests"

    async def body(bot: Bot):
        telegram_file = await bot.get_file(sent["document"]["file_id"])
        assert telegram_file.file_path.endswith(".pdf")
        return bytes(await telegram_file.download_as_bytearray())

    assert with_bot(standin, body) == BINARY_PDF


def test_send_document_keeps_the_uploaded_bytes_name_and_caption(standin):
    standin.push_message(CHAT, "/start")
    caption = "<b>《首都精神文明建设情况简报》</b>2022年第10期 &amp; 附件"

    async def body(bot: Bot):
        sent = await bot.send_document(
            CHAT, InputFile(BINARY_PDF, filename="简报 “2202”.pdf"), caption=caption, parse_mode="HTML"
        )
        again = await bot.send_document(CHAT, sent.document.file_id)  # a file Telegram holds, by its id
        downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        return sent, again, bytes(downloaded)

    sent, again, downloaded = with_bot(standin, body)
    assert sent.document.file_name == "简报 “2202”.pdf" and sent.document.file_size == len(BINARY_PDF)
    assert sent.caption == "《首都精神文明建设情况简报》2022年第10期 & 附件"
    assert [e.type for e in sent.caption_entities] == ["bold"]
    assert again.document.file_id == sent.document.file_id and again.caption is None
    assert downloaded == BINARY_PDF
    first, second = standin.documents(CHAT)
    assert (first["content"], first["file_name"], first["caption"]) == (BINARY_PDF, "简报 “2202”.pdf", sent.caption)
    assert first["message_id"] == sent.message_id and second["content"] == BINARY_PDF
    assert standin.rejected() == []


def test_send_document_enforces_telegrams_limits(standin):
    standin.push_message(CHAT, "/start")
    too_big = b"%PDF" + bytes(50 * 1024 * 1024 - 3)

    async def body(bot: Bot):
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_document(CHAT, InputFile(b"%PDF-1.4", filename="a.pdf"), caption="字" * 1025)
        await bot.send_document(CHAT, InputFile(b"%PDF-1.4", filename="a.pdf"), caption="字" * 1024)
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_document(CHAT, InputFile(b"%PDF-1.4", filename="a.pdf"), caption="<b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Wrong file identifier"):
            await bot.send_document(CHAT, "no-such-file-id")
        with pytest.raises(BadRequest, match="File must be non-empty"):
            await bot.send_document(CHAT, InputFile(b"", filename="empty.pdf"))
        with pytest.raises(NetworkError, match="Request Entity Too Large"):  # Telegram's 413
            await bot.send_document(CHAT, InputFile(too_big, filename="big.pdf"))
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_document(424242, InputFile(b"%PDF-1.4", filename="a.pdf"))

    with_bot(standin, body)
    assert [c.error_code for c in standin.rejected()] == [400, 400, 400, 400, 413, 400]
    assert len(standin.documents(CHAT)) == 1


def test_a_document_message_has_no_text_to_edit(standin):
    standin.push_message(CHAT, "/start")

    async def body(bot: Bot):
        sent = await bot.send_document(CHAT, InputFile(b"%PDF-1.4", filename="a.pdf"), caption="原文")
        with pytest.raises(BadRequest, match="There is no text in the message to edit"):
            await bot.edit_message_text("改成文字", CHAT, sent.message_id)

    with_bot(standin, body)


# PTB announces that RetryAfter.retry_after will become a timedelta; seconds() takes either.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_an_injected_429_surfaces_as_retry_after(standin):
    standin.push_message(CHAT, "/start")
    standin.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        with_bot(standin, lambda bot: bot.send_message(CHAT, "第一次"))
    assert seconds(caught.value.retry_after) == 3
    assert with_bot(standin, lambda bot: bot.send_message(CHAT, "第二次")).text == "第二次"
    [failed, sent] = standin.calls("sendMessage")
    assert failed.injected and failed.error == "Too Many Requests: retry after 3" and sent.ok
    assert standin.rejected() == []


@pytest.mark.parametrize(
    ("kind", "error"),
    [("reset", "httpx.(ReadError|RemoteProtocolError)"), ("garbled", "Invalid server response"), ("slow", "Timed out")],
)
@pytest.mark.parametrize("applied", [False, True], ids=["lost-on-the-way", "answer-lost"])
def test_an_injected_fault_of_the_network_fails_the_call_and_applies_it_only_if_told(standin, kind, error, applied):
    standin.push_message(CHAT, "/start")
    standin.fault_next("sendMessage", kind, applied=applied)

    async def body(bot: Bot):
        with pytest.raises(TelegramError, match=error):
            await bot.send_message(CHAT, "第一次", read_timeout=0.3)
        await asyncio.to_thread(standin.wait_until, lambda: standin.calls("sendMessage"))  # a slow one: when it gave up
        return await bot.send_message(CHAT, "第二次")

    assert with_bot(standin, body).text == "第二次"
    [faulted, sent] = standin.calls("sendMessage")
    assert faulted.injected and faulted.fault == kind and faulted.ok is applied and sent.ok and not sent.injected
    assert [m["text"] for m in standin.messages(CHAT)] == ["第一次", "第二次"] if applied else ["第二次"]
    assert standin.rejected() == []


def test_an_injected_5xx_can_be_a_proxy_page_that_echoes_the_request(standin):
    standin.push_message(CHAT, "/start")
    standin.fail_next("sendMessage", 502, page="<html><p>could not handle {request}</p></html>")
    standin.fail_next("sendMessage", 500)
    with pytest.raises(NetworkError, match=rf"Bad Gateway \(502\).*POST /bot{TOKEN}/sendMessage"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "第一次"))
    with pytest.raises(NetworkError, match="Internal Server Error"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "第二次"))
    assert [(c.error_code, c.injected) for c in standin.calls("sendMessage")] == [(502, True), (500, True)]
    assert standin.messages(CHAT) == [] and standin.pending_faults("sendMessage") == 0


@pytest.mark.parametrize(
    ("code", "description", "error", "echo"),
    [
        (403, "Forbidden: {request}", Forbidden, f"Forbidden: POST /bot{TOKEN}/getMe"),
        (409, "Conflict: {request}", Conflict, f"Conflict: POST /bot{TOKEN}/getMe"),
        # python-telegram-bot capitalises what follows "Bad Request: ", and so lowercases the echo.
        (400, "Bad Request: {request}", BadRequest, f"Post /bot{TOKEN.lower()}/getme"),
    ],
)
def test_an_injected_error_can_echo_the_request_in_telegrams_json(standin, code, description, error, echo):
    standin.fail_next("getMe", code, description=description)
    with pytest.raises(error) as caught:
        with_bot(standin, lambda bot: bot.get_me())
    assert str(caught.value) == echo
    [call] = standin.calls("getMe")
    assert call.injected and call.error_code == code


def test_faults_on_get_updates_leave_the_updates_to_the_next_poll(standin):
    standin.push_message(CHAT, "/start")
    standin.fault_next("getUpdates", "reset", applied=True)
    standin.fault_next("getUpdates", "garbled", applied=True)

    async def body(bot: Bot):
        for _ in range(2):
            with pytest.raises(TelegramError):
                await bot.get_updates(timeout=0)
        return await bot.get_updates(timeout=0)

    assert [u.message.text for u in with_bot(standin, body)] == ["/start"]


def test_a_slow_poll_whose_client_left_hands_out_nothing(standin):
    standin.push_message(CHAT, "/start")
    standin.fault_next("getUpdates", "slow", applied=True)

    async def body(bot: Bot):
        with pytest.raises(TelegramError, match="Timed out"):
            await bot.get_updates(timeout=0, read_timeout=0.3)
        await asyncio.to_thread(standin.wait_until, lambda: standin.calls("getUpdates"))
        return await bot.get_updates(timeout=0)

    assert [u.message.text for u in with_bot(standin, body)] == ["/start"]
    assert [(c.ok, c.fault) for c in standin.calls("getUpdates")] == [(False, "slow"), (True, None)]


def test_end_polls_sends_a_parked_poll_home_empty(standin):
    async def body(bot: Bot):
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.to_thread(standin.wait_polling)
        started = time.monotonic()
        standin.end_polls()
        assert await poll == ()
        assert time.monotonic() - started < 0.5

    with_bot(standin, body)


def test_wait_idle_waits_for_every_update_fetched_and_a_parked_poll(standin):
    async def body(bot: Bot):
        with pytest.raises(AssertionError, match="not idle"):
            await asyncio.to_thread(standin.wait_idle, 0.2)  # no poll parked
        standin.push_message(CHAT, "/start")
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        assert len(await poll) == 1
        with pytest.raises(AssertionError, match="not idle"):
            await asyncio.to_thread(standin.wait_idle, 0.3)  # the update is not confirmed yet
        confirm = asyncio.create_task(bot.get_updates(offset=2, timeout=5))
        await asyncio.to_thread(standin.wait_idle, 2)
        assert not confirm.done()
        standin.end_polls()
        assert await confirm == ()

    with_bot(standin, body)


# ------------------------------------------------------------------------------ a real Application


def test_a_running_application_answers_through_the_standin(standin):
    async def issue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html(f"<b>总第{html.escape(' '.join(context.args))}期</b>")

    async def main():
        app = ApplicationBuilder().token(TOKEN).base_url(standin.base_url).base_file_url(standin.base_file_url).build()
        app.add_handler(CommandHandler("issue", issue))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=5)
            standin.push_message(CHAT, "/issue 2202")
            call = await asyncio.to_thread(standin.wait_for, "sendMessage", lambda p: p["chat_id"] == CHAT, 5)
            await app.updater.stop()
            await app.stop()
        return call

    started = time.monotonic()
    call = asyncio.run(main())
    assert time.monotonic() - started < 3
    assert call.params["parse_mode"] == "HTML" and call.result["text"] == "总第2202期"
    assert standin.rejected() == []


def test_wait_for_times_out_with_a_summary(standin):
    standin.push_message(CHAT, "/start")
    with pytest.raises(BadRequest):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "<b>", parse_mode="HTML"))
    with pytest.raises(AssertionError, match=r"(?s)no accepted sendMessage.*sendMessage 400"):
        standin.wait_for("sendMessage", timeout=0.1)


# ------------------------------------------------------------------------------ the parsers on their own


@settings(max_examples=examples(100), deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_escaped_text_always_round_trips(text):
    """Whatever users write, escaped for HTML, it comes back unchanged."""
    expected = text.strip(" \t\n\r\x0b\x0c")
    try:
        plain, entities = format_text(html.escape(text, quote=False), "HTML")
    except BotApiError as exc:
        assert not expected and exc.description == "Bad Request: message text is empty"
    else:
        assert (plain, entities) == (expected, [])


MARKUP_PIECES = list("<>/&;#x0 ab=\"'\n`*_~|[]()!\\.") + [
    "<b>", "</b>", "<a href='https://e.cn'>", "</a>", "&amp;", "&#128512;", "<pre>", "</pre>",
    '<code class="language-py">', "</code>", "```", "||", "__", "😀", "期", "<blockquote expandable>",
    "</blockquote>", '<span class="tg-spoiler">', "</span>",
]  # fmt: skip


@settings(max_examples=examples(120), deadline=None)
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=30).map("".join))
def test_any_markup_is_either_refused_cleanly_or_yields_entities_inside_the_text(text):
    try:
        plain, entities = format_text(text, "HTML")
    except BotApiError as exc:
        assert exc.error_code == 400 and exc.description.startswith("Bad Request: ")
        return
    for entity in entities:
        assert 0 <= entity["offset"] < entity["offset"] + entity["length"] <= utf16_len(plain)


# ------------------------------------------------------------------------------ broadcast chats and flood limits


def test_a_user_who_blocked_the_bot_is_forbidden(standin):
    standin.open_private_chat(CHAT)
    standin.block_bot(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        with_bot(standin, lambda bot: bot.send_message(CHAT, "新一期"))
    assert standin.rejected()[0].error_code == 403


def test_a_migrated_group_names_its_supergroup(standin):
    standin.add_group(-4242)
    standin.migrate_group(-4242, -1004242)
    with pytest.raises(ChatMigrated) as raised:
        with_bot(standin, lambda bot: bot.send_message(-4242, "新一期"))
    assert raised.value.new_chat_id == -1004242
    assert with_bot(standin, lambda bot: bot.send_message(-1004242, "新一期")).chat.type == "supergroup"


def test_a_channel_is_written_to_by_id_or_username(standin):
    standin.add_channel(-1009, username="feed")
    assert with_bot(standin, lambda bot: bot.send_message("@feed", "新一期")).chat.id == -1009
    assert standin.messages(-1009)[0]["text"] == "新一期"


def test_flood_limits_refuse_a_second_message_in_a_chat_within_a_second_and_the_31st_in_a_second(standin):
    standin.enforce_flood_limits(per_second=3, chat_gap=1.0)
    for chat in (1, 2, 3, 4):
        standin.open_private_chat(chat)

    async def burst(bot):
        await bot.send_message(1, "一")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "二")  # the same chat within a second
        await bot.send_message(2, "一")
        await bot.send_message(3, "一")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "一")  # the fourth in a second

    with_bot(standin, burst)
    assert [c.error_code for c in standin.rejected()] == [429, 429]
    busiest, gap = standin.flood_figures()
    assert busiest == 3 and gap is None


# ------------------------------------------------------------------------------ the in-process transport


class Capturing:
    """A request class that keeps every (status, body) it returned to python-telegram-bot."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers: list[tuple[int, bytes]] = []

    async def do_request(self, *args, **kwargs):
        answer = await super().do_request(*args, **kwargs)
        self.answers.append(answer)
        return answer


class CapturingHttp(Capturing, HTTPXRequest):
    pass


class CapturingInProcess(Capturing, StandInRequest):
    pass


def with_in_process_bot(standin: BotApiStandIn, body, token: str = TOKEN, request: StandInRequest | None = None):
    """Runs `await body(bot)` with a PTB Bot whose requests the stand-in answers in-process."""
    request = request or StandInRequest(standin)

    async def main():
        async with Bot(token, request=request, get_updates_request=request) as bot:
            return await body(bot)

    return asyncio.run(main())


def outcome(run) -> tuple[str, str]:
    """What python-telegram-bot made of a call: its result's type, or its error's type and message."""
    try:
        return type(run()).__name__, ""
    except TelegramError as exc:
        return type(exc).__name__, str(exc)


def comparable(answer: tuple[int, bytes]) -> tuple[int, object]:
    """An answer with what differs between two sends of the same message (ids, dates) left out."""
    code, payload = answer
    data = json.loads(payload)
    if isinstance(data.get("result"), dict):
        data["result"] = {k: v for k, v in data["result"].items() if k not in ("message_id", "date")}
    return code, data


IN_PROCESS_CASES = {
    "get-me": lambda bot: bot.get_me(),
    "sent": lambda bot: bot.send_message(CHAT, "<b>粗体</b> &amp; 正文", parse_mode="HTML", reply_markup=keyboard("a")),
    "bad-html": lambda bot: bot.send_message(CHAT, "<b>未闭合", parse_mode="HTML"),
    "too-long": lambda bot: bot.send_message(CHAT, "长" * 4097),
    "unknown-chat": lambda bot: bot.send_message(4242, "你好"),
    "bad-button": lambda bot: bot.send_message(CHAT, "按钮", reply_markup=keyboard("x" * 65)),
    "old-query": lambda bot: bot.answer_callback_query("123"),
    "unknown-method": lambda bot: bot.do_api_request("sendTelepathy", {"chat_id": CHAT}),
}


@pytest.mark.parametrize("case", list(IN_PROCESS_CASES))
def test_the_in_process_transport_answers_as_http_does(standin, case):
    standin.push_message(CHAT, "/start")
    http, in_process = CapturingHttp(httpx_kwargs={"verify": SHARED_SSL}), CapturingInProcess(standin)

    async def over(request):
        bot = Bot(TOKEN, base_url=standin.base_url, request=request, get_updates_request=request)
        await request.initialize()  # the Bot's own initialize would call getMe first
        try:
            return await IN_PROCESS_CASES[case](bot)
        finally:
            await request.shutdown()

    by_http = outcome(lambda: asyncio.run(over(http)))
    by_call = outcome(lambda: asyncio.run(over(in_process)))
    assert by_call == by_http
    assert [comparable(a) for a in in_process.answers] == [comparable(a) for a in http.answers]
    first, second = standin.calls()[-2:]
    assert (second.method, second.params, second.ok, second.error, second.error_code) == (
        first.method,
        first.params,
        first.ok,
        first.error,
        first.error_code,
    )


def test_the_in_process_transport_needs_no_server_and_checks_the_token():
    standin = BotApiStandIn(TOKEN)  # never started
    with pytest.raises(RuntimeError, match="not running"):
        standin.port
    me = with_in_process_bot(standin, lambda bot: bot.get_me())
    assert me.username == "bulletin_test_bot"
    with pytest.raises(InvalidToken):
        with_in_process_bot(standin, lambda bot: bot.get_me(), token="654321:wrong")
    calls = [(c.method, c.ok, c.error_code) for c in standin.calls()]
    assert calls == [("getMe", True, None)] * 2 + [("getMe", False, 401)]  # initialize() and ours, then the wrong token


def test_the_in_process_transport_uploads_and_downloads_files():
    standin = BotApiStandIn(TOKEN)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    standin.push_document(CHAT, USER, "2202.pdf", pdf, caption="简报")
    file_id = standin.pending_updates()[0]["message"]["document"]["file_id"]

    async def body(bot: Bot):
        downloaded = await (await bot.get_file(file_id)).download_as_bytearray()
        sent = await bot.send_document(
            CHAT, InputFile(b"\xef\xbb\xbf2202", filename="2202.txt"), caption="<i>原文</i>", parse_mode="HTML"
        )
        return bytes(downloaded), sent

    downloaded, sent = with_in_process_bot(standin, body)
    assert downloaded == pdf
    assert sent.caption == "原文" and sent.document.file_name == "2202.txt"
    [document] = standin.documents(CHAT)
    assert document["content"] == b"\xef\xbb\xbf2202" and document["caption"] == "原文"


# PTB announces that RetryAfter.retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(("kind", "error"), [("reset", NetworkError), ("garbled", TelegramError), ("slow", TimedOut)])
@pytest.mark.parametrize("applied", [False, True], ids=["lost-on-the-way", "answer-lost"])
def test_in_process_faults_fail_the_call_as_over_http(kind, error, applied):
    standin = BotApiStandIn(TOKEN)
    standin.push_message(CHAT, "/start")
    standin.fault_next("sendMessage", kind, applied=applied)
    standin.fail_next("sendMessage", retry_after=2)

    async def body(bot: Bot):
        with pytest.raises(error):
            await bot.send_message(CHAT, "第一次", read_timeout=0.2)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "第二次")
        return await bot.send_message(CHAT, "第三次")

    assert with_in_process_bot(standin, body).text == "第三次"
    faulted, refused, sent = standin.calls("sendMessage")
    assert faulted.injected and faulted.fault == kind and faulted.ok is applied
    assert refused.injected and refused.error_code == 429 and sent.ok
    assert [m["text"] for m in standin.messages(CHAT)] == (["第一次", "第三次"] if applied else ["第三次"])


def test_an_application_polls_in_process():
    standin = BotApiStandIn(TOKEN)

    async def issue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html(f"<b>总第{html.escape(' '.join(context.args))}期</b>")

    async def main():
        request = StandInRequest(standin)
        app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
        app.add_handler(CommandHandler("issue", issue))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=5)
            standin.push_message(CHAT, "/issue 2202")
            call = await asyncio.to_thread(standin.wait_for, "sendMessage", lambda p: p["chat_id"] == CHAT, 5)
            await asyncio.to_thread(standin.wait_idle)
            await app.updater.stop()
            await app.stop()
        return call

    call = asyncio.run(main())
    assert call.params["parse_mode"] == "HTML" and call.result["text"] == "总第2202期"
    assert standin.rejected() == [] and standin.pending_updates() == []

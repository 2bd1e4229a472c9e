"""/trend 话题 in the chat: a PNG chart with a one-line caption and a button per year with
articles, each opening that year's hits; the stand-in's sendPhoto checks the image as Telegram
does. In-process, through python-telegram-bot's request class (tests/bot/conftest.py)."""

from __future__ import annotations

import asyncio
import io
import ssl
from pathlib import Path

import pytest
from PIL import Image
from telegram import Bot, InputFile
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from bot.application import command_menu
from replies import messages
from replies.trend import trend_caption
from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from tests.bot_api_standin import BotApiStandIn
from tests.helpers.bot_in_process import InProcessBot
from tests.helpers.bot_process import TOKEN, assert_nothing_rejected, buttons, plain, say

TOPIC = "背街小巷"


def trend_photo(api: BotApiStandIn, chat: int, text: str):
    mark = api.mark()
    api.push_message(chat, text)
    return api.wait_for("sendPhoto", lambda p: p["chat_id"] == chat, after=mark)


def test_trend_sends_a_chart_with_a_caption_and_a_button_per_year(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        trend = archive.trend(TOPIC)
    with_articles = [y for y in trend.years if y.articles]
    assert len(with_articles) >= 2, "the test wants a topic over several years"
    call = trend_photo(api, chat, f"/trend {TOPIC}")
    (photo,) = api.photos(chat)
    image = Image.open(io.BytesIO(photo["content"]))
    assert image.format == "PNG" and image.size == (photo["width"], photo["height"]) == (720, 400)
    assert photo["caption"] == trend_caption(trend)
    assert photo["caption"].startswith(f"“{TOPIC}”：") and f"共 {trend.articles} 篇" in photo["caption"]
    assert "\n" not in photo["caption"]
    assert [b["text"] for b in buttons(call)] == [f"{y.year}年（{y.articles}）" for y in with_articles]
    assert_nothing_rejected(api)


def test_a_years_button_sends_that_years_hits(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path, tokenizer: Tokenizer
) -> None:
    call = trend_photo(api, chat, f"/trend {TOPIC}")
    first = buttons(call)[0]
    year = int(first["text"][:4])
    mark = api.mark()
    api.push_callback(chat, chat, call.result["message_id"], first["callback_data"])
    answer = api.wait_for("sendMessage", lambda p: p["chat_id"] == chat, after=mark)
    api.wait_for("answerCallbackQuery", after=mark)
    with Archive(bot_archive_db, tokenizer, readonly=True) as archive:
        expected = archive.ask(f"{TOPIC} {year}年")
    assert expected.hits and all(h.issue.year == year for h in expected.hits)
    assert expected.hits[0].title in plain(answer)
    assert f"{year}年" in plain(answer)
    assert_nothing_rejected(api)


@pytest.mark.parametrize("text", ["/trend", "/trend   ", "/trend 的了吗"])
def test_trend_without_a_topic_says_how(api: BotApiStandIn, telegram_app: InProcessBot, chat: int, text: str) -> None:
    assert plain(say(api, chat, text)) == messages.TREND_USAGE
    assert api.photos(chat) == []


def test_a_topic_nothing_answers_gets_a_line_not_a_chart(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    reply = plain(say(api, chat, "/trend 量子计算机芯片"))
    assert reply.startswith("档案中没有谈到“量子计算机芯片”的文章")
    assert api.photos(chat) == []


def test_trend_is_in_the_help_and_the_command_menu() -> None:
    assert "/trend 垃圾分类" in messages.HELP
    assert "trend" in [name for name, _ in command_menu()]


# --- the stand-in's sendPhoto -----------------------------------------------------------

CHAT = 1001
SHARED_SSL = ssl.create_default_context()


def with_bot(standin: BotApiStandIn, body):
    async def main():
        request = HTTPXRequest(httpx_kwargs={"verify": SHARED_SSL})
        bot = Bot(TOKEN, base_url=standin.base_url, base_file_url=standin.base_file_url, request=request)
        async with bot:
            return await body(bot)

    return asyncio.run(main())


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 255, 255)).save(out, format="PNG")
    return out.getvalue()


def test_the_standin_keeps_a_photo_and_refuses_what_telegram_would() -> None:
    with BotApiStandIn(TOKEN) as standin:
        standin.push_message(CHAT, "/start")
        picture = png(300, 200)

        async def good(bot: Bot):
            return await bot.send_photo(
                CHAT, InputFile(picture, filename="a.png"), caption="<b>图</b>", parse_mode="HTML"
            )

        sent = with_bot(standin, good)
        assert sent.caption == "图" and sent.photo[-1].width == 300
        (kept,) = standin.photos(CHAT)
        assert kept["content"] == picture and kept["caption"] == "图"
        assert standin.rejected() == []
        for content, reason in ((b"not an image", "IMAGE_PROCESS_FAILED"), (png(5000, 5001), "PHOTO_INVALID_DIMENSIONS"),
                                (png(2100, 100), "PHOTO_INVALID_DIMENSIONS")):  # fmt: skip

            async def bad(bot: Bot, content: bytes = content):
                return await bot.send_photo(CHAT, InputFile(content, filename="b.png"))

            with pytest.raises(BadRequest, match=f"(?i){reason}"):
                with_bot(standin, bad)
        assert len(standin.photos(CHAT)) == 1

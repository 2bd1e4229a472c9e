"""按年份筛选 in the chat: an answer whose list spans several years offers its years, each with
the count of the whole list's facets; a year's button sends the answer narrowed to that year, whose
更多结果 pages within the year and whose 导出Word exports only that year's hits. In-process, as
tests/bot/test_handlers.py (tests/bot/conftest.py), over an archive with one year of many hits."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.keyboards import (
    MAX_YEAR_BUTTONS,
    ExportRequest,
    FacetBackRequest,
    FacetYearsRequest,
    NarrowRequest,
    PageRequest,
    answer_keyboard,
    export_data,
    facet_back_data,
    facet_years_data,
    facet_years_keyboard,
    narrow_data,
    page_data,
    parse_callback,
)
from bot.render_html import answer_message
from replies import conversation, messages
from replies.conversation import AnswerPage, Notice
from retrieval.archive import Archive
from retrieval.models import Answer, Facets, Hit, IssueRef
from retrieval.tokenize import Tokenizer
from tests.bot_api_standin import BotApiStandIn
from tests.bot_api_standin.records import Call
from tests.helpers import SAMPLE_ARCHIVE
from tests.helpers.bot_in_process import InProcessBot
from tests.helpers.bot_process import (
    TOKEN,
    age_saved_questions,
    assert_nothing_rejected,
    button,
    buttons,
    plain,
    say,
    write_long_issue,
)
from tests.helpers.bulletin_text import HEADER, bulletin

TOPIC = "垃圾分类"
ONE_YEAR = "驻京部队"  # only the sample's 2022 issue speaks of it
DEEDS = [
    ("东城区", "撤桶并站，定时定点投放"),
    ("朝阳区", "在小区设置厨余垃圾就地处理设备"),
    ("海淀区", "组织党员在桶前值守引导"),
    ("石景山区", "开展积分兑换激励居民参与"),
    ("门头沟区", "把分类知识编成快板进校园"),
    ("房山区", "为物业企业开展专项培训"),
    ("通州区", "公布各街道分出率排名"),
    ("顺义区", "在菜市场推行净菜上市"),
]
# (总期号, 期号, date, the DEEDS it reports): 2021 holds more hits than a page shows.
ISSUES = [
    (2166, 7, "2021 年 4 月 2 日", DEEDS[0:2]),
    (2167, 8, "2021 年 4 月 16 日", DEEDS[2:4]),
    (2168, 9, "2021 年 4 月 30 日", DEEDS[4:6]),
    (2260, 2, "2023 年 1 月 13 日", DEEDS[6:8]),
]
KEY_CHARS = "ABCDEFabcdef0123456789_-"
CITED_YEAR = re.compile(r"——《首都精神文明建设情况简报》(\d{4})年第")


def write_issue(folder: Path, total: int, number: int, date: str, deeds: list[tuple[str, str]]) -> Path:
    body = "\n\n".join(
        f"{office}{deed[:6]}推动垃圾分类\n\n{office}{deed}，垃圾分类参与率达到{80 + total % 10 + i}%。\n\n（{office}文明办）"
        for i, (office, deed) in enumerate(deeds)
    )
    header = (
        HEADER.replace("第 6 期", f"第 {number} 期")
        .replace("总第 2165 期", f"总第 {total} 期")
        .replace("2021 年 3 月 12 日", date)
    )
    path = folder / f"{total}.txt"
    path.write_text(bulletin(body, header=header), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bot_archive_db(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer) -> Path:
    """The sample bulletins, the long issue and four more on 垃圾分类 (conftest's, with more years)."""
    folder = tmp_path_factory.mktemp("facets")
    files = [write_long_issue(folder)] + [write_issue(folder, *issue) for issue in ISSUES]
    db = folder / "archive.db"
    with Archive(db, tokenizer) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE, *files]))
    assert [r.error for r in reports] == [None] * len(reports)
    return db


@pytest.fixture
def archive(bot_archive_db: Path, tokenizer: Tokenizer):
    with Archive(bot_archive_db, tokenizer, readonly=True) as opened:
        yield opened


def press(api: BotApiStandIn, chat: int, message: Call, data: str, method: str) -> Call:
    """Press a button of `message` and return the bot's first call of `method` in the chat after it."""
    mark = api.mark()
    api.push_callback(chat, chat, message.result["message_id"], data)
    return api.wait_for(method, lambda p: p.get("chat_id") == chat, after=mark)


def forge(api: BotApiStandIn, chat: int, message_id: int, data: str) -> None:
    """Put a button with `data` on a bot's message, as a client that forges callback data would
    send it: the stand-in delivers only the data of buttons a message holds."""
    status, _, _ = api.answer(
        TOKEN,
        "editMessageReplyMarkup",
        lambda: {
            "chat_id": chat,
            "message_id": message_id,
            "reply_markup": {"inline_keyboard": [[{"text": "forged", "callback_data": data}]]},
        },
        request_line="POST /bot<token>/editMessageReplyMarkup",
    )
    assert status == 200


def alert_after(api: BotApiStandIn, chat: int, message_id: int, data: str, forged: bool = False) -> dict:
    """Press `data` (forged onto the message first, when asked) and return the bot's answer to the press."""
    if forged:
        forge(api, chat, message_id, data)
    mark = api.mark()
    api.push_callback(chat, chat, message_id, data)
    return api.wait_for("answerCallbackQuery", after=mark).params


def show_years(api: BotApiStandIn, chat: int, answer: Call) -> Call:
    return press(api, chat, answer, button(answer, messages.FACETS_BUTTON)["callback_data"], "editMessageReplyMarkup")


def article_ids(call: Call) -> list[int]:
    return [int(b["callback_data"][2:]) for b in buttons(call) if b["callback_data"].startswith("a:")]


def rows(call: Call) -> list[list[dict]]:
    return call.params["reply_markup"]["inline_keyboard"]


def test_the_button_shows_only_under_an_answer_over_several_years(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, archive: Archive
) -> None:
    several, one = (archive.ask(q, facets=True).facets for q in (TOPIC, ONE_YEAR))
    assert several is not None and len(several.years) > 1 and one is not None and len(one.years) == 1
    answer = say(api, chat, TOPIC)
    assert [b["text"] for b in rows(answer)[-1]] == [messages.EXPORT_BUTTON, messages.FACETS_BUTTON]
    assert messages.FACETS_BUTTON not in [b["text"] for b in buttons(say(api, chat, ONE_YEAR))]
    # Asked with facets, the page holds the hits it held without them.
    assert article_ids(answer) == [h.article_id for h in archive.ask(TOPIC).hits]
    assert_nothing_rejected(api)


def test_pressing_it_shows_each_year_with_its_count_and_back_restores_the_keyboard(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, archive: Archive
) -> None:
    facets = archive.ask(TOPIC, facets=True).facets
    assert facets is not None
    answer = say(api, chat, TOPIC)
    shown = show_years(api, chat, answer)
    assert shown.params["message_id"] == answer.result["message_id"]
    years = [b["text"] for row in rows(shown)[:-1] for b in row]
    assert years == [messages.FACET_COUNT.format(label=f"{y}年", count=n) for y, n in facets.years]
    assert years[0] == "2023年（2）" and all(len(row) <= 4 for row in rows(shown))
    assert [b["text"] for b in rows(shown)[-1]] == [messages.BACK_BUTTON]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(shown))
    back = press(api, chat, answer, rows(shown)[-1][0]["callback_data"], "editMessageReplyMarkup")
    assert back.params["reply_markup"] == answer.params["reply_markup"]
    assert_nothing_rejected(api)


def test_back_restores_the_keyboard_of_the_page_shown(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    answer = say(api, chat, TOPIC)
    second = press(api, chat, answer, button(answer, messages.MORE_BUTTON)["callback_data"], "editMessageText")
    assert button(second, messages.FACETS_BUTTON), "按年份筛选 stays on later pages"
    shown = show_years(api, chat, second)
    back = press(api, chat, answer, rows(shown)[-1][0]["callback_data"], "editMessageReplyMarkup")
    assert back.params["reply_markup"] == second.params["reply_markup"]
    assert button(back, messages.PREVIOUS_BUTTON) and button(back, "全文 4")


def narrowed_pages(api: BotApiStandIn, chat: int, first: Call) -> list[Call]:
    """The narrowed answer's pages, turned in place by its 更多结果 until there is none."""
    pages = [first]
    while any(b["text"] == messages.MORE_BUTTON for b in buttons(pages[-1])):
        more = button(pages[-1], messages.MORE_BUTTON)["callback_data"]
        assert more.startswith("py:")
        pages.append(press(api, chat, first, more, "editMessageText"))
        assert pages[-1].params["message_id"] == first.result["message_id"]
    return pages


def test_a_years_button_sends_that_years_hits_page_by_page(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, archive: Archive
) -> None:
    facets = archive.ask(TOPIC, facets=True).facets
    assert facets is not None and max(n for _, n in facets.years) > conversation.PER_PAGE, "a year of several pages"
    answer = say(api, chat, TOPIC)
    shown = show_years(api, chat, answer)
    for (year, count), year_button in zip(facets.years, buttons(shown)[:-1], strict=True):
        narrowed = press(api, chat, answer, year_button["callback_data"], "sendMessage")
        assert narrowed.result["message_id"] != answer.result["message_id"], "a new message"
        assert plain(narrowed).startswith(f"只看：{year}年\n")
        assert messages.FACETS_BUTTON not in [b["text"] for b in buttons(narrowed)]
        pages = narrowed_pages(api, chat, narrowed)
        ids = [i for page in pages for i in article_ids(page)]
        cited = [int(y) for page in pages for y in CITED_YEAR.findall(plain(page))]
        assert len(ids) == len(set(ids)) == count == len(cited)
        assert set(cited) == {year}
        assert all(plain(page).startswith(f"只看：{year}年") for page in pages)
        assert ids == [h.article_id for h in archive.ask(TOPIC, limit=50, year=year).hits]
        if len(pages) > 1:
            previous = button(pages[-1], messages.PREVIOUS_BUTTON)["callback_data"]
            assert previous.startswith("py:") and previous.endswith(f":{year}:{len(pages) - 2}")
    assert_nothing_rejected(api)


def test_a_narrowed_export_holds_only_that_years_hits(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, archive: Archive
) -> None:
    facets = archive.ask(TOPIC, facets=True).facets
    assert facets is not None
    year, count = max(facets.years, key=lambda pair: pair[1])
    answer = say(api, chat, TOPIC)
    year_button = button(show_years(api, chat, answer), f"{year}年")
    narrowed = press(api, chat, answer, year_button["callback_data"], "sendMessage")
    export = button(narrowed, messages.EXPORT_BUTTON)["callback_data"]
    assert export.startswith("xy:")
    press(api, chat, narrowed, export, "sendDocument")
    [document] = api.documents(chat)
    assert document["caption"].startswith(f"只看：{year}年\n“{TOPIC}”的查询结果：{count} 条摘录")
    lines = [p.text for p in docx.Document(io.BytesIO(document["content"])).paragraphs]
    cited = [line for line in lines if line.startswith("引用（简报格式）：")]
    assert len(cited) == count and all(f"》{year}年第" in line for line in cited)
    assert_nothing_rejected(api)


@pytest.mark.parametrize(
    "make",
    [
        lambda key: f"n:{key}x:2021",
        lambda key: "fy:nosuchkey:0",
        lambda key: "fb:nosuchkey:0",
        lambda key: "py:nosuchkey:2021:1",
        lambda key: "xy:nosuchkey:2021",
        lambda key: f"n:{key}:02021",  # not a spelling this bot writes
        lambda key: f"py:{key}:2021:01",
    ],
    ids=["narrow", "years", "back", "narrowed-page", "narrowed-export", "year-leading-zero", "page-leading-zero"],
)
def test_forged_data_gets_the_expired_alert(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, make: Callable[[str], str]
) -> None:
    answer = say(api, chat, TOPIC)
    key = button(answer, messages.FACETS_BUTTON)["callback_data"].split(":")[1]
    data = make(key)
    forge(api, chat, answer.result["message_id"], data)
    mark = api.mark()
    api.push_callback(chat, chat, answer.result["message_id"], data)
    alert = api.wait_for("answerCallbackQuery", after=mark).params
    assert alert["text"] == messages.EXPIRED and alert["show_alert"] is True
    telegram_app.wait_idle()
    assert [c.method for c in api.calls() if c.index >= mark] == ["answerCallbackQuery"]


def test_another_chats_key_and_an_expired_one_get_the_expired_alert(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int, bot_archive_db: Path
) -> None:
    mine = say(api, chat, TOPIC)
    shown = show_years(api, chat, mine)
    other = chat + 50_000
    theirs = say(api, other, TOPIC)
    mark = api.mark()
    carried = [button(mine, messages.FACETS_BUTTON)["callback_data"], *(b["callback_data"] for b in buttons(shown))]
    for data in carried:
        assert alert_after(api, other, theirs.result["message_id"], data, forged=True)["text"] == messages.EXPIRED
    age_saved_questions(bot_archive_db, 8 * 24 * 3600)
    for data in (buttons(shown)[0]["callback_data"], rows(shown)[-1][0]["callback_data"]):
        assert alert_after(api, chat, mine.result["message_id"], data)["text"] == messages.EXPIRED
    telegram_app.wait_idle()
    assert not [c for c in api.calls("sendMessage") if c.index >= mark]
    assert not [c for c in api.calls("editMessageText") if c.index >= mark]
    assert not api.documents(chat) and not api.documents(other)


def test_a_year_the_list_does_not_hold_is_answered_politely(
    api: BotApiStandIn, telegram_app: InProcessBot, chat: int
) -> None:
    answer = say(api, chat, TOPIC)
    message_id = answer.result["message_id"]
    key = button(answer, messages.FACETS_BUTTON)["callback_data"].split(":")[1]
    mark = api.mark()
    for year in (2019, 9999):  # a year without hits, and one outside the archive
        for data in (f"n:{key}:{year}", f"xy:{key}:{year}"):
            alert = alert_after(api, chat, message_id, data, forged=True)
            assert alert["text"] == messages.NARROWED_NONE.format(year=year) and alert["show_alert"] is True
        alert = alert_after(api, chat, message_id, f"py:{key}:{year}:0", forged=True)
        assert alert["text"] == messages.NARROWED_NONE.format(year=year)
    # A narrowed page past the year's end (only forged data asks for one) says there is no more.
    forge(api, chat, message_id, f"py:{key}:2021:4")
    edit = press(api, chat, answer, f"py:{key}:2021:4", "editMessageText")
    assert plain(edit) == f"只看：2021年\n\n关于“{TOPIC}”没有更多结果了。"
    telegram_app.wait_idle()
    assert not [c for c in api.calls("sendMessage") if c.index >= mark] and not api.documents(chat)
    assert_nothing_rejected(api)


def test_year_buttons_count_against_the_rate_limit(api: BotApiStandIn, telegram_app: InProcessBot, chat: int) -> None:
    answer = say(api, chat, TOPIC)
    shown = show_years(api, chat, answer)
    mark = api.mark()
    for _ in range(10):
        api.push_callback(chat, chat, answer.result["message_id"], buttons(shown)[0]["callback_data"])
    api.wait_until(lambda: len([c for c in api.calls("answerCallbackQuery") if c.index >= mark]) == 10)
    telegram_app.wait_idle()
    sent = [c for c in api.calls("sendMessage") if c.index >= mark]
    alerts = [c.params.get("text") or "" for c in api.calls("answerCallbackQuery") if c.index >= mark]
    # The question and 按年份筛选 took two of the ten a minute.
    assert len(sent) == 8 and sum("太频繁" in a for a in alerts) == 1


# --- the data behind the buttons, the keyboards and the conversation, without Telegram -----------


@given(
    key=st.text(st.sampled_from(KEY_CHARS), min_size=1, max_size=32),
    year=st.integers(1000, 9999),
    page=st.integers(0, 99),
)
def test_each_facet_datum_parses_back_to_what_made_it(key: str, year: int, page: int) -> None:
    made = {
        page_data(key, page, year): PageRequest(key, page, year),
        export_data(key, year): ExportRequest(key, year),
        facet_years_data(key, page): FacetYearsRequest(key, page),
        facet_back_data(key, page): FacetBackRequest(key, page),
        narrow_data(key, year): NarrowRequest(key, year),
    }
    for data, request in made.items():
        assert parse_callback(data) == request and len(data.encode()) <= 64


@pytest.mark.parametrize(
    "data",
    ["py:key:02:1", "py:key:2023:01", "py:key:02023:1", "py:key:2023", "py:key:2023:1\n", "py:key:２０２３:1",
     "py:key:2023:100", "py::2023:1", "xy:key:02023", "xy:key:2023:0", "xy:key", "fy:key:01", "fy:key:-1",
     "fy:key", "fb:key:00", "fb:key:100", "n:key:0999", "n:key:2023:0", "n:key:20231", "n:key:2023\n", "n:key",
     "N:key:2023", "py:k" + "k" * 32 + ":2023:1"],
)  # fmt: skip
def test_each_facet_datum_has_one_spelling(data: str) -> None:
    assert parse_callback(data) is None


def page_of(years: tuple[tuple[int, int], ...], year: int | None = None, page: int = 0) -> AnswerPage:
    hits = tuple(archive_hit(n) for n in range(3))
    answer = Answer("垃圾分类", hits, facets=Facets(years=years), more=True)
    return AnswerPage(answer, page=page, has_more=True, year=year)


def archive_hit(number: int) -> Hit:
    ref = IssueRef(total=2166, number=7, year=2021, date=dt.date(2021, 4, 2), issuer="首都精神文明办")
    return Hit(ref, number + 1, f"标题{number}", "本刊", "垃圾分类", 1.0, ("垃圾分类",))


def labels(keyboard: InlineKeyboardMarkup | None) -> list[list[tuple[str, str | None]]]:
    assert keyboard is not None
    return [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard]


def test_the_answer_keyboard_offers_the_years_once_the_list_spans_two() -> None:
    assert labels(answer_keyboard(page_of(((2021, 7), (2020, 1)), page=1), "k"))[1:] == [
        [("‹ 上一页", "p:k:0"), ("更多结果 ›", "p:k:2")],
        [("导出Word", "x:k"), ("按年份筛选", "fy:k:1")],
    ]
    assert labels(answer_keyboard(page_of(((2021, 7),)), "k"))[-1] == [("导出Word", "x:k")]
    assert labels(answer_keyboard(page_of(()), "k"))[-1] == [("导出Word", "x:k")], "asked without facets"
    assert labels(answer_keyboard(page_of(((2021, 7), (2020, 1)), year=2021, page=1), "k"))[1:] == [
        [("‹ 上一页", "py:k:2021:0"), ("更多结果 ›", "py:k:2021:2")],
        [("导出Word", "xy:k:2021")],
    ]


def test_the_years_keyboard_is_newest_first_four_a_row_and_ends_with_back() -> None:
    years = tuple((year, year % 7 + 1) for year in range(2130, 2000, -1))
    rows = labels(facet_years_keyboard(page_of(years, page=2), "k"))
    assert rows[0] == [(f"{y}年（{n}）", f"n:k:{y}") for y, n in years[:4]]
    assert [b for row in rows[:-1] for b in row] == [(f"{y}年（{n}）", f"n:k:{y}") for y, n in years[:MAX_YEAR_BUTTONS]]
    assert rows[-1] == [("返回", "fb:k:2")]
    assert sum(len(row) for row in rows) <= 100, "Telegram's limit for a keyboard"


def test_a_narrowed_answer_says_so_above_its_hits() -> None:
    text = answer_message(page_of(((2021, 7), (2020, 1)), year=2021))
    assert text.startswith("<b>只看：2021年</b>\n\n找到 3 条相关内容：")
    assert not answer_message(page_of(((2021, 7), (2020, 1)))).startswith("<b>只看")


def test_the_conversation_narrows_a_saved_question_for_its_own_chat_only(archive: Archive) -> None:
    key = archive.save_question(TOPIC, 1)
    assert key is not None
    facets = archive.ask(TOPIC, facets=True).facets
    assert facets is not None
    for year, count in facets.years:
        first = conversation.turn_page(archive, key, 0, 1, year=year)
        assert isinstance(first, AnswerPage) and first.year == year
        assert {h.issue.year for h in first.answer.hits} == {year}
        found = conversation.saved_answer(archive, key, 1, year=year)
        assert isinstance(found, Answer) and len(found.hits) == count
    assert conversation.turn_page(archive, key, 0, 2, year=2021) == Notice(messages.EXPIRED)
    assert conversation.saved_answer(archive, key, 2, year=2021) == Notice(messages.EXPIRED)
    assert conversation.turn_page(archive, "nosuchkey", 0, 1, year=2021) == Notice(messages.EXPIRED)
    none = Notice(messages.NARROWED_NONE.format(year=2019))
    assert conversation.turn_page(archive, key, 0, 1, year=2019) == none
    assert conversation.saved_answer(archive, key, 1, year=2019) == none

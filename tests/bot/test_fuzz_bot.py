"""Hostile input to the bot, fuzzed: forged button data, inline queries, and commands with odd
arguments. The button parser never raises; a forged or expired page key is answered politely; a
chat never sees another chat's question; every command and query gets a notice or a view that
renders to messages Telegram accepts (checked by the stand-in's parser)."""

from __future__ import annotations

import inspect
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.keyboards import (
    YEARS_DATA,
    ArticleRequest,
    ExportRequest,
    FacetBackRequest,
    FacetYearsRequest,
    IssueRequest,
    NarrowRequest,
    PageRequest,
    SourceRequest,
    YearRequest,
    YearsRequest,
    answer_keyboard,
    article_data,
    export_data,
    facet_back_data,
    facet_years_data,
    issue_data,
    narrow_data,
    page_data,
    parse_callback,
    source_data,
    year_data,
    year_keyboard,
    years_keyboard,
)
from bot.render_html import (
    MESSAGE_LIMIT,
    answer_message,
    article_messages,
    hit_block,
    issue_messages,
    notice_message,
    utf16_length,
    year_message,
    years_message,
)
from replies import conversation, messages
from replies.conversation import AnswerPage, ArticleView, IssueView, Notice, StatsView, YearsView, YearView
from retrieval import archive as archive_module
from retrieval.archive import Archive
from tests.bot_api_standin import format_text
from tests.helpers.properties import examples

CALLBACK_BYTES = 64  # Telegram's limit for callback_data
INLINE_QUERY_CHARS = 256  # Telegram's limit for an inline query


def fuzz(count: int) -> settings:
    return settings(
        max_examples=examples(count),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def fits_callback(text: str) -> bool:
    return len(text.encode("utf-8", "surrogatepass")) <= CALLBACK_BYTES


# Callback data as a forger would write it: noise, and near misses of the forms this bot makes.
PREFIXES = ["p:", "a:", "f:", "p:abc:", "f:2202:", "P:", "p::", "y:", "y:2022:", "i:", "ys", "", "x:", "xy:abc:",
            "py:abc:", "py:abc:2022:", "fy:abc:", "fb:abc:", "n:abc:", "n:abc:2022"]  # fmt: skip
NEAR_MISS = st.tuples(
    st.sampled_from(PREFIXES),
    st.text(st.sampled_from("0123456789abcdefABC_-:٣３\n\x00 /pf"), max_size=40),
    st.sampled_from(["", "\n", ":1", ":99", ":-1", " "]),
).map("".join)
CALLBACK_TEXT = st.one_of(st.text(max_size=CALLBACK_BYTES), NEAR_MISS).filter(fits_callback)
CALLBACK_BYTES_DATA = st.binary(max_size=CALLBACK_BYTES)


def valid_telegram_messages(reply) -> list[str]:
    """A reply as the bot would send it, each message checked as Telegram would (markup, length)."""
    if isinstance(reply, AnswerPage):
        texts = [answer_message(reply)]
        answer_keyboard(reply, "k" * 12)  # building the buttons must not fail either
    elif isinstance(reply, IssueView):
        texts = issue_messages(reply.issue)
    elif isinstance(reply, ArticleView):
        texts = article_messages(reply)
    elif isinstance(reply, StatsView):
        texts = [notice_message(messages.stats(reply.stats))]
    elif isinstance(reply, YearsView):
        texts = [years_message(reply)]
        years_keyboard(reply)
    elif isinstance(reply, YearView):
        texts = [year_message(reply)]
        year_keyboard(reply)
    else:
        assert isinstance(reply, Notice), reply
        assert reply.text.strip()
        texts = [notice_message(reply.text)]
    plains = [format_text(text, "HTML")[0] for text in texts]  # raises BotApiError as Telegram would
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in plains)
    return plains


# --- forged callback data -----------------------------------------------------------------


@fuzz(400)
@given(data=CALLBACK_TEXT | CALLBACK_BYTES_DATA | CALLBACK_BYTES_DATA.map(lambda b: b.decode("utf-8", "replace")))
def test_any_callback_data_parses_to_nothing_or_to_exactly_what_the_bot_makes(data) -> None:
    request = parse_callback(data)
    if request is None:
        return
    assert isinstance(data, str)
    if isinstance(request, PageRequest):
        assert page_data(request.key, request.page, request.year) == data
    elif isinstance(request, ExportRequest):
        assert export_data(request.key, request.year) == data
    elif isinstance(request, FacetYearsRequest):
        assert facet_years_data(request.key, request.page) == data
    elif isinstance(request, FacetBackRequest):
        assert facet_back_data(request.key, request.page) == data
    elif isinstance(request, NarrowRequest):
        assert narrow_data(request.key, request.year) == data
    elif isinstance(request, ArticleRequest):
        assert article_data(request.article_id) == data
    elif isinstance(request, YearRequest):
        assert year_data(request.year, request.page) == data
    elif isinstance(request, IssueRequest):
        assert issue_data(request.total) == data
    elif isinstance(request, YearsRequest):
        assert data == YEARS_DATA
    else:
        assert isinstance(request, SourceRequest)
        assert source_data(request.total, request.sha256) == data
    assert fits_callback(data)


@pytest.mark.parametrize(
    "data", [None, "", "a:12\n", "p:key:1\n", "a:١٢", "a:１２", "a:" + "9" * 13, "f:1:" + "0" * 15, 12, b"a:1"]
)
def test_near_misses_and_data_that_is_not_text_are_not_ours(data) -> None:
    assert parse_callback(data) is None


@fuzz(60)
@given(key=st.text(st.sampled_from("ABCDEFabcdef0123456789_-"), min_size=1, max_size=32), number=st.integers(0, 99))
def test_a_forged_page_key_gets_the_polite_expired_notice(
    shared_sample_archive: Archive, key: str, number: int
) -> None:
    request = parse_callback(page_data(key, number))
    assert isinstance(request, PageRequest)
    reply = conversation.turn_page(shared_sample_archive, request.key, request.page)
    assert reply == Notice(messages.EXPIRED)
    assert valid_telegram_messages(reply) == [messages.EXPIRED]


def test_a_saved_key_turns_the_page_until_it_expires(shared_sample_archive: Archive, monkeypatch) -> None:
    key = shared_sample_archive.save_question("丰台区创城建立了哪些工作机制")
    reply = conversation.turn_page(shared_sample_archive, key, 1)
    assert isinstance(reply, AnswerPage) and reply.page == 1
    valid_telegram_messages(reply)
    later = time.time() + archive_module.QUESTION_KEEP_SECONDS + 60
    monkeypatch.setattr(archive_module.time, "time", lambda: later)
    assert conversation.turn_page(shared_sample_archive, key, 1) == Notice(messages.EXPIRED)


# Saved questions bound to the chat that saved them: archive.save_question(question, owner=chat_id)
# and archive.saved_question(key, owner=chat_id). Until that API lands, this test is skipped.
OWNER_API = "owner" in inspect.signature(Archive.save_question).parameters


@pytest.mark.skipif(not OWNER_API, reason="enable when Archive.save_question/saved_question take owner=chat_id")
@fuzz(30)
@given(
    owners=st.lists(st.integers(-(10**13), 10**13), min_size=2, max_size=4, unique=True),
    questions=st.lists(st.text(min_size=1, max_size=50).filter(str.strip), min_size=4, max_size=4),
)
def test_a_key_saved_by_one_chat_never_returns_its_question_to_another(
    shared_sample_archive: Archive, owners: list[int], questions: list[str]
) -> None:
    keys = {
        owner: shared_sample_archive.save_question(question, owner=owner)  # type: ignore[call-arg]
        for owner, question in zip(owners, questions)
    }
    for owner, key in keys.items():
        assert shared_sample_archive.saved_question(key, owner=owner) == questions[owners.index(owner)]  # type: ignore[call-arg]
        for other in owners:
            if other != owner:
                assert shared_sample_archive.saved_question(key, owner=other) is None  # type: ignore[call-arg]
                assert conversation.turn_page(shared_sample_archive, key, 1, owner=other) == Notice(messages.EXPIRED)


# --- commands with odd arguments ----------------------------------------------------------

ODD_ARGUMENTS = [
    "", " ", "0", "-1", "-2202", "+2202", "2202", "２２０２", "٢٢٠٢", "总第２２０２期", "第2202期", "2202期",
    "99999", "100000", "9" * 40, "9" * 5000, "1e9", "0x89A", "2202.0", "22 02", "2022 5", "2022-10",
    "2022年第10期", "2022年第0期", "2022-999", "1900-1", "2099/1", "🎉", "2202🎉", "\u202e2202", "2202\x00",
    "<b>2202</b>", "&amp;", "'; DROP TABLE issues; --", "文" * 4000, "2202 " * 800, "\n2202\n",
]  # fmt: skip
START_PAYLOADS = [
    "", "help", "issue_", "issue_2202", "issue_2126", "issue_0", "issue_-1", "issue_" + "9" * 60, "issue_２２０２",
    "ISSUE_2202", "issue_2202_extra", "issue_2022-10", "issue_🎉", "x" * 64, "issue_\u202e", "<script>",
]  # fmt: skip


@pytest.mark.parametrize("argument", ODD_ARGUMENTS, ids=[repr(a)[:30] for a in ODD_ARGUMENTS])
def test_issue_with_odd_arguments_gives_a_notice_or_the_issue(shared_sample_archive: Archive, argument: str) -> None:
    reply = conversation.issue(shared_sample_archive, argument)
    assert isinstance(reply, IssueView | Notice) or (isinstance(reply, YearsView) and not argument.strip())
    valid_telegram_messages(reply)
    through_console = conversation.respond(shared_sample_archive, f"/issue {argument}")
    assert type(through_console) is type(reply)
    valid_telegram_messages(through_console)


def test_issue_arguments_that_name_a_held_issue_open_it(shared_sample_archive: Archive) -> None:
    for argument in ("2202", "２２０２", "总第２２０２期", "2022-10", "2022年第10期"):
        reply = conversation.issue(shared_sample_archive, argument)
        assert isinstance(reply, IssueView) and reply.issue.ref.total == 2202, argument


@pytest.mark.parametrize("payload", START_PAYLOADS, ids=[repr(p)[:30] for p in START_PAYLOADS])
def test_start_with_any_deep_link_payload_gives_help_a_notice_or_the_issue(
    shared_sample_archive: Archive, payload: str
) -> None:
    reply = conversation.start(shared_sample_archive, payload)
    assert isinstance(reply, IssueView | Notice)
    valid_telegram_messages(reply)
    if payload == "issue_2202":
        assert isinstance(reply, IssueView) and reply.issue.ref.total == 2202


COMMAND = st.sampled_from(
    ["/issue", "/years", "/year", "/start", "/latest", "/stats", "/ask", "/help", "/Issue@bot", "/unknown", "", "/"]
)
ARGUMENT = st.one_of(
    st.text(max_size=60),
    st.integers(-(10**30), 10**30).map(str),
    st.text("0123456789０１２３４５６７８９-/年第期总 ", max_size=12),
    st.sampled_from(ODD_ARGUMENTS + START_PAYLOADS),
)


@fuzz(120)
@given(command=COMMAND, argument=ARGUMENT)
def test_any_command_line_gives_a_reply_that_renders_for_telegram(
    shared_sample_archive: Archive, command: str, argument: str
) -> None:
    reply = conversation.respond(shared_sample_archive, f"{command} {argument}")
    if reply is not None:
        valid_telegram_messages(reply)


# --- inline queries -------------------------------------------------------------------------

INLINE_QUERY = st.one_of(
    st.text(max_size=INLINE_QUERY_CHARS),
    st.text(st.sampled_from("丰台区创城背街小巷文明总第期年月2022<>&\"'*()@/ \n"), max_size=80),
)


@fuzz(100)
@given(query=INLINE_QUERY)
def test_any_inline_query_answers_with_results_telegram_accepts(shared_sample_archive: Archive, query: str) -> None:
    """As the inline handler does: up to ten hits, each sent as its own HTML message."""
    if not query.strip():
        return
    answer = shared_sample_archive.ask(query, 10)
    assert bool(answer.hits) != bool(answer.no_answer)
    assert len({hit.article_id for hit in answer.hits}) == len(answer.hits)  # result ids are unique
    for hit in answer.hits:
        plain, _ = format_text(hit_block(hit), "HTML")
        assert utf16_length(plain) <= MESSAGE_LIMIT
        assert messages.shorten(hit.title, 100).strip()
    valid_telegram_messages(conversation.ask(shared_sample_archive, query))

"""Browsing by year over the development archive: /years counts what the bulletins hold, /year pages
cover each year's issues once and in order, the buttons lead through them and back, every page is a
message Telegram accepts, and odd arguments or forged buttons get a polite notice."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.keyboards import (
    IssueRequest,
    YearRequest,
    YearsRequest,
    issue_data,
    parse_callback,
    year_data,
    year_keyboard,
    years_keyboard,
)
from bot.render_html import MESSAGE_LIMIT, notice_message, utf16_length, year_message, years_message
from cli.console import reply_to
from replies import browse_text, conversation
from replies.conversation import IssueView, Notice, YearsView, YearView
from retrieval.archive import Archive
from retrieval.ingest.parse import parse_bulletin
from retrieval.models import Footer, IssueRef, StoredArticle, StoredIssue
from tests.bot_api_standin import _check_reply_markup, format_text
from tests.helpers import ROOT
from tests.helpers.properties import examples

BULLETINS = ROOT / "data" / "eval" / "dev-archive" / "bulletins"


@pytest.fixture(scope="module")
def expected() -> dict[int, list[tuple[int, int, tuple[str, ...]]]]:
    """Per year, (期号, 总期号, titles) of each bulletin file, read straight from the files."""
    by_year: dict[int, list[tuple[int, int, tuple[str, ...]]]] = {}
    for path in sorted(BULLETINS.glob("*.txt")):
        issue = parse_bulletin(path.read_text(encoding="utf-8"))
        titles = tuple(a.title for a in issue.articles)
        by_year.setdefault(issue.ref.year, []).append((issue.ref.number, issue.ref.total, titles))
    return {year: sorted(issues) for year, issues in by_year.items()}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Archive:
    with Archive(tmp_path_factory.mktemp("browse") / "archive.db", tokenizer) as held:
        reports = list(held.ingest([BULLETINS]))
        assert len(reports) == 24 and all(r.error is None for r in reports)
        yield held


def telegram_accepts(text: str, keyboard=None) -> str:
    """The plain text Telegram would show; raises as Telegram would for bad markup or length."""
    plain, _ = format_text(text, "HTML")
    assert utf16_length(plain) <= MESSAGE_LIMIT
    if keyboard is not None:
        _check_reply_markup(keyboard.to_dict(), inline_only=True)
    return plain


def buttons(keyboard) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data) for row in keyboard.inline_keyboard for b in row]


def press(archive: Archive, data: str):
    """What a button's data asks for, as the handlers answer it."""
    request = parse_callback(data)
    if isinstance(request, YearRequest):
        return conversation.year_page(archive, request.year, request.page)
    if isinstance(request, YearsRequest):
        return conversation.years(archive)
    if isinstance(request, IssueRequest):
        return conversation.open_issue(archive, request.total)
    raise AssertionError(f"not a browsing button: {data!r}")


def nav(view: YearView, label: str) -> str | None:
    found = [data for text, data in buttons(year_keyboard(view)) if text == label]
    return found[0] if found else None


# --- /years ---------------------------------------------------------------------------------


def test_years_counts_each_year_as_the_bulletins_do(archive: Archive, expected) -> None:
    view = conversation.years(archive)
    assert isinstance(view, YearsView)
    assert dict(view.years) == {year: len(issues) for year, issues in expected.items()}
    assert [year for year, _ in view.years] == sorted(expected)
    assert sum(count for _, count in view.years) == 24
    plain = telegram_accepts(years_message(view), years_keyboard(view))
    for year, issues in expected.items():
        assert f"{year}年 · {len(issues)}期" in plain


def test_each_year_button_opens_the_first_page_of_that_year(archive: Archive, expected) -> None:
    view = conversation.years(archive)
    pressed = [press(archive, data) for _, data in buttons(years_keyboard(view))]
    assert [(v.year, v.page) for v in pressed] == [(year, 0) for year in sorted(expected)]


def test_the_console_lists_the_years_as_text(archive: Archive, expected) -> None:
    text = reply_to(archive, "/years")
    assert [line for line in text.splitlines() if " · " in line] == [
        browse_text.year_count(year, len(issues)) for year, issues in sorted(expected.items())
    ]
    assert "<" not in text


# --- /year: paging --------------------------------------------------------------------------


@pytest.mark.parametrize("per_page", [1, 2, 3, conversation.YEAR_PAGE_ISSUES])
def test_the_pages_of_a_year_cover_its_issues_once_in_order_and_lead_there_and_back(
    archive: Archive, expected, monkeypatch, per_page: int
) -> None:
    monkeypatch.setattr(conversation, "YEAR_PAGE_ISSUES", per_page)
    for year, issues in expected.items():
        first = conversation.year(archive, str(year))
        assert isinstance(first, YearView) and first.page == 0
        assert nav(first, browse_text.PREVIOUS_PAGE_BUTTON) is None
        seen, forward, view = [], [], first
        while True:
            assert view.issues and len(view.issues) <= per_page  # no empty page
            assert view.count == len(issues) and view.pages == -(-len(issues) // per_page)
            telegram_accepts(year_message(view), year_keyboard(view))
            seen += [(i.ref.number, i.ref.total, tuple(a.title for a in i.articles)) for i in view.issues]
            forward.append(view.page)
            data = nav(view, browse_text.NEXT_PAGE_BUTTON)
            if data is None:
                break
            view = press(archive, data)
            assert isinstance(view, YearView)
        assert seen == issues  # every issue once, by 期号, with its titles
        assert forward == list(range(view.pages))
        backward = [view.page]
        while (data := nav(view, browse_text.PREVIOUS_PAGE_BUTTON)) is not None:
            view = press(archive, data)
            backward.append(view.page)
        assert backward == forward[::-1] and view == first


def test_a_page_shows_each_issues_numbers_date_and_titles(archive: Archive, expected) -> None:
    year = max(expected, key=lambda y: len(expected[y]))
    view = conversation.year(archive, str(year))
    plain = telegram_accepts(year_message(view), year_keyboard(view))
    assert f"第1/{view.pages}页" in plain
    for issue in view.issues:
        ref = issue.ref
        assert f"第{ref.number}期 · 总第{ref.total}期 · {ref.year}年{ref.date.month}月{ref.date.day}日" in plain
        assert all(article.title in plain for article in issue.articles)


def test_each_issue_button_opens_that_issue(archive: Archive, expected) -> None:
    for year in expected:
        view = conversation.year(archive, str(year))
        opened = [press(archive, data) for _, data in buttons(year_keyboard(view)) if data.startswith("i:")]
        assert [o.issue.ref.total for o in opened if isinstance(o, IssueView)] == [i.ref.total for i in view.issues]


def test_the_all_years_button_returns_to_the_years(archive: Archive, expected) -> None:
    view = conversation.year(archive, str(min(expected)))
    [data] = [data for text, data in buttons(year_keyboard(view)) if text == browse_text.ALL_YEARS_BUTTON]
    assert press(archive, data) == conversation.years(archive)


def test_the_console_pages_a_year_by_command(archive: Archive, expected, monkeypatch) -> None:
    monkeypatch.setattr(conversation, "YEAR_PAGE_ISSUES", 2)
    year = max(expected, key=lambda y: len(expected[y]))
    first, second = reply_to(archive, f"/year {year}"), reply_to(archive, f"/year {year} 2")
    assert f"/year {year} 2" in first and f"第2/{-(-len(expected[year]) // 2)}页" in second
    titles = [t for _, _, titles in expected[year][:4] for t in titles]
    assert all(t in first + second for t in titles)


# --- arguments and forged buttons -------------------------------------------------------------


@pytest.mark.parametrize("argument", ["2022", "２０２２", "2022年", " 2022 ", "２０２２年", "2022 年"])
def test_a_year_written_any_usual_way_opens_it(archive: Archive, argument: str) -> None:
    view = conversation.year(archive, argument)
    assert isinstance(view, YearView) and view.year == 2022 and view.page == 0


ODD = ["", " ", "abc", "二〇二二", "1800", "2099", "0", "-2022", "٢٠٢٢", "2022-10", "2022年第10期", "9" * 40,
       "2022 0", "2022 99", "<b>2022</b>", "20 22", "文" * 5000]  # fmt: skip


@pytest.mark.parametrize("argument", ODD, ids=[repr(a)[:20] for a in ODD])
def test_odd_arguments_get_a_polite_notice(archive: Archive, argument: str) -> None:
    reply = conversation.year(archive, argument)
    assert isinstance(reply, Notice), reply
    plain = telegram_accepts(notice_message(reply.text))
    assert "/year" in plain
    assert conversation.respond(archive, f"/year {argument}") == reply


def test_a_plausible_year_not_held_says_so_and_offers_the_years(archive: Archive, expected) -> None:
    missing = next(y for y in range(2010, 2030) if y not in expected)
    reply = conversation.year(archive, str(missing))
    assert isinstance(reply, YearsView) and reply.years == conversation.years(archive).years
    assert f"没有{missing}年" in telegram_accepts(years_message(reply), years_keyboard(reply))


@pytest.mark.parametrize("line", ["/issue", "/issue   ", "/Issue@bot"])
def test_issue_without_a_number_offers_the_years(archive: Archive, line: str) -> None:
    reply = conversation.respond(archive, line)
    assert isinstance(reply, YearsView) and reply.years == conversation.years(archive).years
    plain = telegram_accepts(years_message(reply), years_keyboard(reply))
    assert "用法" in plain and "2022年 · " in plain
    assert "2022年 · " in reply_to(archive, line)


@pytest.mark.parametrize(
    "data", ["y:9999:0", "y:1000:0", "y:1800:5", "y:2022:999", "y:2022:1", "y:2031:0", "i:999999", "i:1"]
)
def test_forged_browsing_buttons_get_a_polite_notice(archive: Archive, data: str) -> None:
    reply = press(archive, data)
    assert isinstance(reply, Notice), reply
    telegram_accepts(notice_message(reply.text))


@pytest.mark.parametrize(
    "data", ["y:2022:01", "y:02022:0", "y:2022:1000", "y:2022:-1", "y:２０２２:0", "y:2022:0\n", "y:2022", "i:0",
             "i:01", "i:1234567", "i:", "ys:", "YS", "y:0999:0"]
)  # fmt: skip
def test_near_misses_of_browsing_buttons_are_not_ours(data: str) -> None:
    assert parse_callback(data) is None


@given(year=st.integers(1000, 9999), page=st.integers(0, 999), total=st.integers(1, 999_999))
def test_browsing_buttons_parse_back_to_what_made_them(year: int, page: int, total: int) -> None:
    assert parse_callback(year_data(year, page)) == YearRequest(year, page)
    assert parse_callback(issue_data(total)) == IssueRequest(total)
    assert len(year_data(year, page).encode()) <= 64


# --- the message limit with long titles ---------------------------------------------------------

TITLE = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&;\n😀"), max_size=400)


def synthetic_issue(number: int, titles: list[str]) -> StoredIssue:
    ref = IssueRef(total=2200 + number, number=number, year=2022, date=dt.date(2022, 1, 1), issuer="首都精神文明办")
    articles = tuple(StoredArticle(i, i, t, None, "正文") for i, t in enumerate(titles, start=1))
    return StoredIssue(ref, articles, Footer())


@settings(max_examples=examples(60), deadline=None)
@given(titles=st.lists(st.lists(TITLE, max_size=60), min_size=1, max_size=conversation.YEAR_PAGE_ISSUES))
def test_any_page_of_titles_renders_to_one_valid_message_naming_every_issue(titles: list[list[str]]) -> None:
    issues = tuple(synthetic_issue(n, t) for n, t in enumerate(titles, start=1))
    view = YearView(2022, issues, 0, 3, 15)
    plain = telegram_accepts(year_message(view), year_keyboard(view))
    assert all(f"总第{i.ref.total}期" in plain for i in issues)


def test_a_page_of_long_titles_fills_the_message_but_never_overflows_it() -> None:
    issues = tuple(synthetic_issue(n, ["😀" * 300 + "<&>"] * 40) for n in range(1, 6))
    plain = telegram_accepts(year_message(YearView(2022, issues, 0, 1, 5)))
    assert MESSAGE_LIMIT * 0.8 < utf16_length(plain) <= MESSAGE_LIMIT
    assert plain.count("……另有") == 5


def test_more_years_than_a_keyboard_holds_keep_the_latest() -> None:
    view = YearsView(tuple((year, 12) for year in range(1850, 2030)))
    plain = telegram_accepts(years_message(view), years_keyboard(view))
    data = [d for _, d in buttons(years_keyboard(view))]
    assert "2029年 · 12期" in plain and data[-1] == year_data(2029, 0) and len(set(data)) == len(data)

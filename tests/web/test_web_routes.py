"""The web pages over a real archive: the same answers, issues, articles and years as the bot,
as pages a reader can follow and share. Each page is compared with what replies.conversation returns
for the same request."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from replies import browse_text, conversation, messages
from replies.conversation import MAX_PAGES, PER_PAGE
from tests.helpers import ISSUE_2202, ROOT
from tests.helpers.web_client import DEV_ARCHIVE, assert_page_contract, parse, text_of
from web import text as web_text
from web.render import environment

QUESTION = "志愿服务活动是怎么开展的？"  # answered by many articles: its results run to several pages


def hits_of(doc) -> list[dict]:
    found = []
    for item in doc.xpath("//ol[@class='hits']/li[@class='hit']"):
        (link,) = item.xpath("./h2[@class='hit-title']/a")
        (excerpt,) = item.xpath("./p[@class='excerpt']")
        found.append(
            {
                "title": text_of(link),
                "href": link.get("href"),
                "excerpt": excerpt.text_content(),
                "marks": [m.text_content() for m in excerpt.iter("mark")],
                "citation": text_of(item.xpath("./p[@class='citation']")[0]),
                "issue": item.xpath(".//a[@class='issue-link']/@href")[0],
            }
        )
    return found


# --- home, years ---------------------------------------------------------------------------


def test_home_has_the_search_form_the_latest_issue_and_the_years_held(client, web_archive) -> None:
    response = client.get("/")
    assert response.status_code == 200
    doc = assert_page_contract(response.text, "/")
    latest = web_archive.latest()
    assert f"/issues/{latest.ref.total}" in doc.xpath("//main//a/@href")
    assert messages.issue_label(latest.ref) in text_of(doc)
    years = {a.get("href"): text_of(a) for a in doc.xpath("//ul[@class='years']/li/a")}
    assert years == {f"/years/{y}": browse_text.year_count(y, n) for y, n in web_archive.years()}


def test_years_lists_every_year_with_its_count(client, web_archive) -> None:
    doc = assert_page_contract(client.get("/years").text, "/years")
    listed = [text_of(a) for a in doc.xpath("//ul[@class='years']/li/a")]
    assert sorted(listed) == sorted(browse_text.year_count(y, n) for y, n in web_archive.years())
    assert len(listed) >= 5


def test_a_year_pages_through_all_its_issues_by_number(client, web_archive, monkeypatch) -> None:
    year, count = max(web_archive.years(), key=lambda held: held[1])
    per_page = 2  # the dev archive's longest year fits the bot's page of 5: make it run to three
    monkeypatch.setattr(conversation, "YEAR_PAGE_ISSUES", per_page)
    assert count > per_page * 2
    seen, path = [], f"/years/{year}"
    while path:
        response = client.get(path)
        assert response.status_code == 200, path
        doc = assert_page_contract(response.text, path)
        entries = doc.xpath("//ol[@class='year-issues']/li/h2/a")
        assert 0 < len(entries) <= per_page
        seen += [int(a.get("href").rsplit("/", 1)[1]) for a in entries]
        for entry in entries:
            assert "总第" in text_of(entry) and "第" in text_of(entry) and f"{year}年" in text_of(entry)
        following = doc.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        path = following[0] if following else None
    issues, held = web_archive.issues_in_year(year, 0, 100)
    assert seen == [issue.ref.total for issue in issues] and held == count
    assert path is None and len(seen) > per_page * 2


def test_a_year_page_lists_each_issues_titles_linking_to_the_articles(client, web_archive) -> None:
    issue = web_archive.issue(2202)
    doc = parse(client.get("/years/2022").text)
    links = doc.xpath("//ol[@class='year-issues']//ol[@class='articles']//a/@href")
    assert {f"/articles/{a.id}" for a in issue.articles} <= set(links)


def test_a_missing_page_of_a_year_is_explained_in_the_sites_words(client) -> None:
    for path, sentence in (
        ("/years/1800", web_text.YEAR_OUT_OF_RANGE.format(year=1800)),
        ("/years/2023?page=9", web_text.YEAR_PAGE_GONE.format(year=2023, page=9)),
    ):
        doc = parse(client.get(path).text)
        assert [n.text_content() for n in doc.xpath("//p[@class='notice']")] == [sentence]
        assert "/year " not in text_of(doc)  # no Telegram command on a web page


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/years/1800", 404),  # no year a bulletin can carry
        ("/years/2031", 404),  # past next year
        ("/years/2023?page=9", 404),  # a page the year does not have
        ("/years/abcd", 404),
        ("/years/20221", 404),
        ("/years/2022?page=0", 400),
        ("/years/2022?page=x", 400),
        ("/years/2022?page=99999999999", 400),
    ],
)
def test_years_not_held_and_bad_pages_get_a_page_that_says_so(client, path, status) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert_page_contract(response.text, path)
    assert '<p class="notice">' in response.text or 'class="notice"' in response.text


def test_a_year_not_held_offers_the_years_that_are(client, web_archive) -> None:
    response = client.get("/years/2000")
    assert response.status_code == 404
    doc = parse(response.text)
    assert browse_text.YEAR_EMPTY.format(year=2000) in text_of(doc)
    assert len(doc.xpath("//ul[@class='years']/li")) == len(web_archive.years())


# --- answers ---------------------------------------------------------------------------------


def test_an_answer_is_the_bots_with_titles_marks_citations_and_issue_links(client, web_archive) -> None:
    path = "/ask?q=" + quote(QUESTION)
    response = client.get(path)
    assert response.status_code == 200
    doc = assert_page_contract(response.text, path)
    expected = conversation.ask(web_archive, QUESTION)
    hits = hits_of(doc)
    assert len(hits) == len(expected.answer.hits) == PER_PAGE
    for shown, hit in zip(hits, expected.answer.hits):
        assert shown["title"] == " ".join(hit.title.split())
        assert shown["href"] == f"/articles/{hit.article_id}"
        assert shown["excerpt"] == hit.excerpt
        assert shown["marks"] == [hit.excerpt[start:end] for start, end in hit.marks]
        assert shown["marks"], "the question's terms are highlighted"
        assert shown["citation"] == messages.citation(hit.issue, hit.source, hit.page)
        assert shown["issue"] == f"/issues/{hit.issue.total}"
    assert messages.answer_heading(expected.answer, 1) in text_of(doc)
    assert doc.xpath("//input[@id='q']/@value") == [QUESTION]
    assert QUESTION in text_of(doc.xpath("//h1")[0])


def test_the_sentence_that_answers_is_marked_and_a_weak_match_is_labelled(client, web_archive) -> None:
    path = "/ask?q=" + quote(QUESTION)
    doc = assert_page_contract(client.get(path).text, path)
    expected = conversation.ask(web_archive, QUESTION).answer
    assert expected.match.value == "answer" and not doc.xpath("//p[@class='related-only']")
    for item, hit in zip(doc.xpath("//p[@class='excerpt']"), expected.hits):
        strong = item.xpath("./strong[@class='answer']")
        if hit.answer is None:
            assert not strong
            continue
        (sentence,) = strong
        assert sentence.text_content() == hit.excerpt[hit.answer[0] : hit.answer[1]]
    weak = "高考期间的交通"  # only 礼让斑马线 articles come near it
    path = "/ask?q=" + quote(weak)
    doc = assert_page_contract(client.get(path).text, path)
    assert conversation.ask(web_archive, weak).answer.match.value == "related"
    assert [text_of(p) for p in doc.xpath("//p[@class='related-only']")] == [messages.RELATED_ONLY]
    assert hits_of(doc)


def test_pages_of_an_answer_follow_on_and_back_like_the_bots(client, web_archive) -> None:
    seen, path, number = [], "/ask?q=" + quote(QUESTION), 1
    while path:
        doc = assert_page_contract(client.get(path).text, path)
        expected = conversation.ask(web_archive, QUESTION, number - 1)
        hits = hits_of(doc)
        assert [h["href"] for h in hits] == [f"/articles/{h.article_id}" for h in expected.answer.hits]
        assert doc.xpath("//ol[@class='hits']/@start") == [str(expected.first_number)]
        previous = doc.xpath("//nav[@class='pager' and @aria-label='翻页']/a[@rel='prev']/@href")
        assert bool(previous) == (number > 1)
        if previous:
            query = parse_qs(urlsplit(previous[0]).query)
            assert query["q"] == [QUESTION] and query.get("page", ["1"]) == [str(number - 1)]
        seen += [h["href"] for h in hits]
        following = doc.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        assert bool(following) == expected.has_more
        path, number = (following[0], number + 1) if following else (None, number)
    assert number >= 2, "the question should have a second page"
    assert number <= MAX_PAGES
    assert len(seen) == len(set(seen)), "no hit twice across pages"


def test_a_page_past_the_last_is_a_polite_notice(client) -> None:
    response = client.get(f"/ask?q={quote(QUESTION)}&page={MAX_PAGES + 1}")
    assert response.status_code == 404
    assert messages.NO_MORE.format(question=messages.shorten(QUESTION, 30)) in response.text


@pytest.mark.parametrize(
    ("question", "notice"),
    [
        ("推荐一部好看的电影", "no_answer"),
        ("的了吗", "no_answer"),
        ("", "no_answer"),
        ("总第2202期", "no_answer"),  # an issue named, nothing to look for in it
        ("你好", "intro"),
    ],
)
def test_questions_without_an_answer_get_the_bots_hint(client, web_archive, question, notice) -> None:
    """The bot's hints; a greeting gets what the site does (the bot's help names Telegram commands)."""
    path = "/ask?q=" + quote(question)
    response = client.get(path)
    assert response.status_code == 200
    doc = assert_page_contract(response.text, path)
    assert not doc.xpath("//ol[@class='hits']")
    reply = conversation.ask(web_archive, question)
    expected = web_text.HOME_INTRO if notice == "intro" else messages.no_hits(reply.answer, 1, web_text.HINTS)
    assert [n.text_content() for n in doc.xpath("//p[@class='notice']")] == [expected]
    assert "/latest" not in expected and "/issue" not in expected  # the bot's commands mean nothing here


def test_a_question_naming_a_year_is_searched_in_that_year(client, web_archive) -> None:
    question = "2022年 创城工作"
    doc = parse(client.get("/ask?q=" + quote(question)).text)
    hits = hits_of(doc)
    assert hits and all("2022年第" in h["citation"] for h in hits)
    assert [h["href"] for h in hits] == [
        f"/articles/{h.article_id}" for h in conversation.ask(web_archive, question).answer.hits
    ]


def test_citations_name_the_page_when_the_source_has_pages(client, web_archive, tmp_path) -> None:
    """The sample archive is text (no pages); a citation with a page comes from messages.citation,
    which the hit renders as given: checked on a hit built with a page."""
    hit = conversation.ask(web_archive, QUESTION).answer.hits[0]
    paged = dataclasses.replace(hit, page=3)
    html = environment().get_template("ask.html").render(
        title="t", canonical="http://x/", q="q", hits=(paged,), heading=None, related=False, notice=None, first=1,
        previous=None, next=None, facets=None, capped=None, narrowing={"year": None, "source": None}, narrowed="",
    )  # fmt: skip
    citation = text_of(parse(html).xpath("//p[@class='citation']")[0])
    assert citation == messages.citation(hit.issue, hit.source, 3) and "第3页" in citation


# --- issues, originals, articles -------------------------------------------------------------


def test_an_issue_has_its_header_articles_original_and_neighbours(client, web_archive) -> None:
    response = client.get("/issues/2202")
    assert response.status_code == 200
    doc = assert_page_contract(response.text, "/issues/2202")
    issue = web_archive.issue(2202)
    heading = text_of(doc.xpath("//h1")[0])
    assert "总第2202期" in heading and "2022年第10期" in heading
    page = text_of(doc)
    assert messages.cn_date(issue.ref.date) in page and issue.ref.issuer in page
    links = doc.xpath("//ol[@class='articles']/li/a")
    assert [a.get("href") for a in links] == [f"/articles/{a.id}" for a in issue.articles]
    assert [text_of(a) for a in links] == [" ".join(a.title.split()) for a in issue.articles]
    for article in issue.articles:
        if article.source:
            assert article.source in page
    assert doc.xpath("//a[@class='original']/@href") == ["/issues/2202/original"]
    # What the download is, before it is taken: its format and size, not the stored file name.
    details = doc.xpath("string(//p[@class='original-file'])")
    assert "文本" in details and "KB" in details and "000_" not in details
    totals = sorted(total for year, _ in web_archive.years() for total in _totals(web_archive, year))
    index = totals.index(2202)
    assert doc.xpath("//nav[@class='issue-nav']/a[@rel='prev']/@href") == [f"/issues/{totals[index - 1]}"]
    assert doc.xpath("//nav[@class='issue-nav']/a[@rel='next']/@href") == [f"/issues/{totals[index + 1]}"]


def _totals(archive, year: int) -> list[int]:
    return [issue.ref.total for issue in archive.issues_in_year(year, 0, 1000)[0]]


def test_the_first_and_last_issues_link_only_inwards(client, web_archive) -> None:
    totals = sorted(total for year, _ in web_archive.years() for total in _totals(web_archive, year))
    first = parse(client.get(f"/issues/{totals[0]}").text)
    assert not first.xpath("//nav[@class='issue-nav']/a[@rel='prev']")
    assert first.xpath("//nav[@class='issue-nav']/a[@rel='next']/@href") == [f"/issues/{totals[1]}"]
    last = parse(client.get(f"/issues/{totals[-1]}").text)
    assert not last.xpath("//nav[@class='issue-nav']/a[@rel='next']")


@pytest.mark.parametrize("spelling", ["2022-10", "2022年第10期", "总第2202期", "02202", "2022.10"])
def test_other_spellings_of_an_issue_redirect_to_its_address(client, spelling) -> None:
    response = client.get("/issues/" + quote(spelling))
    assert response.status_code in (301, 302)
    assert response.headers["location"] == "/issues/2202"


@pytest.mark.parametrize("path", ["/issues/99999", "/issues/2022-40", "/issues/1999-1", "/issues/0"])
def test_an_issue_not_held_names_the_nearest(client, web_archive, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    doc = assert_page_contract(response.text, path)
    notice = text_of(doc.xpath("//p[@class='notice']")[0])
    assert notice.startswith("档案中没有") and "现有最接近的" in notice


@pytest.mark.parametrize("path", ["/issues/abc", "/issues/2202x", "/issues/" + "9" * 40, "/issues/%E2%80%AE1"])
def test_what_is_no_issue_number_is_a_404_page(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_page_contract(response.text, path)


def test_the_original_file_downloads_byte_for_byte(client) -> None:
    response = client.get("/issues/2202/original")
    assert response.status_code == 200
    assert response.content == ISSUE_2202.read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{ISSUE_2202.name}" in disposition


def test_every_dev_issue_downloads_the_file_it_was_read_from(client, web_archive) -> None:
    for path in sorted(DEV_ARCHIVE.glob("*.txt")):
        total = int(path.stem.split("_")[1])
        response = client.get(f"/issues/{total}/original")
        assert response.status_code == 200, path
        assert response.content == path.read_bytes(), path


@pytest.mark.parametrize("path", ["/issues/99999/original", "/issues/abc/original", "/issues/-1/original"])
def test_an_original_of_no_issue_is_a_404_page(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_page_contract(response.text, path)


def test_an_article_is_whole_with_its_citation_and_copy_button(client, web_archive) -> None:
    article, ref = web_archive.article(web_archive.issue(2202).articles[2].id)
    path = f"/articles/{article.id}"
    response = client.get(path)
    assert response.status_code == 200
    doc = assert_page_contract(response.text, path)
    (body,) = doc.xpath("//article")
    assert text_of(body.xpath(".//h1")[0]) == " ".join(article.title.split())
    paragraphs = [p.text_content() for p in body.xpath(".//div[@class='body']/p")]
    assert paragraphs == [line.strip() for line in article.text.splitlines() if line.strip()]
    assert text_of(body.xpath(".//p[@id='citation']")[0]) == messages.citation(ref, article.source, article.page)
    (button,) = body.xpath(".//button[@id='copy-citation']")
    assert button.get("type") == "button" and text_of(button) == "复制引用"
    assert (button.get("data-target"), button.get("data-status")) == ("citation", "copy-status")
    # The GB/T 7714 line, with a copy button of its own that names it.
    assert text_of(body.xpath(".//p[@id='citation-gbt7714']")[0]) == (
        f"丰台区文明办. {' '.join(article.title.split())}[J]. 首都精神文明建设情况简报, 2022(10)."
    )
    (gbt_button,) = body.xpath(".//button[@id='copy-gbt7714']")
    assert gbt_button.get("type") == "button" and gbt_button.get("data-target") == "citation-gbt7714"
    assert body.xpath(f".//*[@id='{gbt_button.get('data-status')}']")
    assert body.xpath(".//a[@class='issue-link']/@href") == [f"/issues/{ref.total}"]
    (script,) = doc.xpath("//script/@src")  # the script under its content's hash, as served
    assert re.fullmatch(r"/static/copy\.[0-9a-f]{12}\.js", script)
    assert client.get(script).content == (ROOT / "web" / "static" / "copy.js").read_bytes()


@pytest.mark.parametrize("path", ["/articles/999999", "/articles/abc", "/articles/" + "9" * 30, "/articles/0"])
def test_an_article_not_held_is_a_404_page(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    doc = assert_page_contract(response.text, path)
    assert doc.xpath("//p[@class='notice']")


def test_the_pages_link_only_to_pages_that_exist(client) -> None:
    """Every link on the home page, an answer, an issue and a year page answers 200 (or redirects)."""
    links = set()
    for path in ("/", "/ask?q=" + quote(QUESTION), "/issues/2202", "/years/2022", "/years"):
        doc = parse(client.get(path).text)
        links |= {href for href in doc.xpath("//a/@href") if href.startswith("/") and not href.startswith("//")}
    links |= {"/static/site.css", "/static/copy.js"}
    for link in sorted(links):
        assert client.get(link).status_code in (200, 302), link


def test_head_requests_get_headers_without_a_body(client) -> None:
    for path in ("/", "/issues/2202", "/api/stats", "/static/site.css"):
        response = client.head(path)
        assert response.status_code == 200 and response.content == b"", path

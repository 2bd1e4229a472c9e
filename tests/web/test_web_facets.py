"""Facets: beside the hits, how many articles answer per year and per source office, each a link
that narrows the list. The counts add up to the whole list's hits, a narrowed list holds only what
its facet says, and it pages like any other."""

from __future__ import annotations

import io
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import docx
import pytest

from replies.conversation import MAX_PAGES, PER_PAGE
from tests.helpers.web_client import assert_page_contract, parse, text_of

QUESTIONS = ("志愿服务", "垃圾分类", "文明城市创建")
EVERYTHING = 1000  # more hits than any of these questions has


@pytest.mark.parametrize("question", QUESTIONS)
def test_facets_add_up_to_the_whole_lists_hits(web_archive, question: str) -> None:
    answer = web_archive.ask(question, limit=EVERYTHING, facets=True)
    assert answer.facets is not None and answer.facets.hits == len(answer.hits) > PER_PAGE
    assert dict(answer.facets.years) == Counter(hit.issue.year for hit in answer.hits)
    assert dict(answer.facets.sources) == Counter(hit.source for hit in answer.hits if hit.source)
    # The first page's facets are the whole list's, not the page's.
    first_page = web_archive.ask(question, limit=PER_PAGE, facets=True)
    assert first_page.facets == answer.facets and len(first_page.hits) == PER_PAGE


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_narrowed_list_holds_only_what_its_facet_says(web_archive, question: str) -> None:
    facets = web_archive.ask(question, limit=PER_PAGE, facets=True).facets
    assert facets is not None
    for year, count in facets.years[:3]:
        narrowed = web_archive.ask(question, limit=EVERYTHING, year=year, facets=True)
        assert {hit.issue.year for hit in narrowed.hits} == {year}
        assert len(narrowed.hits) == count and narrowed.facets.years == ((year, count),)
        assert not narrowed.relaxed, "a reader's narrowing is never widened to the archive"
    for source, count in facets.sources[:3]:
        narrowed = web_archive.ask(question, limit=EVERYTHING, source=source)
        assert {hit.source for hit in narrowed.hits} == {source} and len(narrowed.hits) == count


def test_a_year_with_nothing_on_the_question_says_so_and_lists_nothing(web_archive) -> None:
    held = {year for year, _ in web_archive.years()}
    empty = next(year for year in range(2000, 2100) if year not in held)
    answer = web_archive.ask("志愿服务", year=empty, facets=True)
    assert answer.hits == () and not answer.relaxed


def test_the_answer_page_lists_the_facets_as_links_that_narrow(client, web_archive) -> None:
    question = "志愿服务"
    response = client.get("/ask", params={"q": question})
    doc = assert_page_contract(response.text, response.request.url.path + "?" + response.request.url.query.decode())
    nav = doc.xpath("//nav[@class='facets']")[0]
    years = [a for a in nav.xpath(".//a") if "year=" in a.get("href")]
    facets = web_archive.ask(question, limit=PER_PAGE, facets=True).facets
    assert [text_of(a) for a in years] == [f"{year}年（{count}）" for year, count in facets.years]
    year, count = facets.years[0]
    narrowed = client.get(years[0].get("href").removeprefix(str(client.base_url)))
    assert narrowed.status_code == 200
    page = parse(narrowed.text)
    citations = [text_of(p) for p in page.xpath("//p[@class='citation']")]
    assert citations and all(f"》{year}年" in c for c in citations)
    assert f"只看：{year}年" in text_of(page.xpath("//p[@class='narrowed']")[0])
    # The facet chosen is marked, not linked, and the list pages on within it.
    assert page.xpath(f"//nav[@class='facets']//span[@aria-current='true'][starts-with(., '{year}年')]")
    if count > PER_PAGE:
        following = page.xpath("//nav[@class='pager']/a[@rel='next']")[0].get("href")
        assert parse_qs(urlsplit(following).query)["year"] == [str(year)]


def test_the_last_page_says_how_many_more_the_facets_reach(client, web_archive) -> None:
    question = "志愿服务"
    facets = web_archive.ask(question, limit=PER_PAGE, facets=True).facets
    shown = MAX_PAGES * PER_PAGE
    assert facets is not None and facets.hits > shown
    last = parse(client.get("/ask", params={"q": question, "page": MAX_PAGES}).text)
    assert not last.xpath("//nav[@class='pager']/a[@rel='next']")
    assert text_of(last.xpath("//p[@class='capped']")[0]) == (
        f"按相关度只列出前 {shown} 篇，其余 {facets.hits - shown} 篇可按下面的年份或来源查看。"
    )
    earlier = parse(client.get("/ask", params={"q": question, "page": MAX_PAGES - 1}).text)
    assert not earlier.xpath("//p[@class='capped']")


def test_the_api_carries_the_same_facets_and_narrows_by_them(client, web_archive) -> None:
    question = "垃圾分类"
    body = client.get("/api/ask", params={"q": question}).json()
    facets = web_archive.ask(question, limit=PER_PAGE, facets=True).facets
    assert body["facets"]["years"] == [{"year": y, "articles": n} for y, n in facets.years]
    assert body["facets"]["sources"] == [{"source": s, "articles": n} for s, n in facets.sources]
    source = facets.sources[0][0]
    narrowed = client.get("/api/ask", params={"q": question, "source": source}).json()
    assert narrowed["hits"] and {hit["source"] for hit in narrowed["hits"]} == {source}
    assert sum(item["articles"] for item in narrowed["facets"]["sources"]) == facets.sources[0][1]


@pytest.mark.parametrize("year", ["22", "二〇二二", "20222", "-1"])
def test_a_year_that_is_not_one_is_refused_with_a_sentence(client, year: str) -> None:
    response = client.get("/ask", params={"q": "志愿服务", "year": year})
    assert response.status_code == 400 and "年份应是四位数字" in response.text


def test_a_narrowed_list_exports_only_what_it_shows(client, web_archive) -> None:
    """The answer page's 导出 Word link keeps its narrowing, and the file holds that year only."""
    question = "志愿服务"
    year = web_archive.ask(question, limit=PER_PAGE, facets=True).facets.years[0][0]
    page = parse(client.get("/ask", params={"q": question, "year": str(year)}).text)
    link = page.xpath("//a[@class='export-link']")[0].get("href")
    assert parse_qs(urlsplit(link).query)["year"] == [str(year)]
    exported = client.get(link.removeprefix(str(client.base_url)))
    lines = [p.text for p in docx.Document(io.BytesIO(exported.content)).paragraphs]
    cited = [line for line in lines if line.startswith("引用（简报格式）：")]
    assert cited and all(f"》{year}年" in line for line in cited)

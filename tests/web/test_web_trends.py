"""/trends?q=话题: the chart as inline SVG, one bar per held year, each bar with articles a link to
that year's answer page, and a table with the same figures, over the sample and dev archives."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from replies.trend import year_question
from tests.helpers.web_client import assert_page_contract, parse, text_of

TOPIC = "垃圾分类"


def test_the_chart_has_a_bar_per_held_year_and_links_to_each_years_articles(client, web_archive) -> None:
    trend = web_archive.trend(TOPIC)
    response = client.get("/trends", params={"q": TOPIC})
    assert response.status_code == 200
    doc = assert_page_contract(response.text, "/trends")
    (svg,) = doc.xpath("//main//svg")
    assert svg.get("viewbox") == "0 0 360 220" and svg.get("width") == "100%"
    # A group, not an image: its bars are links, and an image's children are not read out.
    assert svg.get("role") == "group" and svg.xpath("./title")
    bars = svg.xpath("./*[contains(concat(' ', @class, ' '), ' bar ')]")
    assert len(bars) == len(trend.years) == len(web_archive.years())
    for bar, year in zip(bars, trend.years):
        label = bar.get("aria-label")
        assert label.startswith(f"{year.year}年：{year.articles} 篇")
        assert bar.xpath("./title")[0].text == label
        if year.articles:
            assert bar.tag == "a"
            query = parse_qs(urlsplit(bar.get("href")).query)
            assert urlsplit(bar.get("href")).path == "/ask"
            assert query == {"q": [year_question(TOPIC, year.year)]}
            assert text_of(bar.xpath(".//text")[0]) == str(year.articles)
        else:
            assert bar.tag == "g" and bar.get("href") is None
    heights = [float(b.xpath("./rect")[0].get("height")) for b in bars if b.tag == "a"]
    peak = max(y.articles for y in trend.years)
    tallest = max(heights)
    for bar_height, year in zip(heights, [y for y in trend.years if y.articles]):
        assert abs(bar_height - tallest * year.articles / peak) < 0.2


def test_the_table_has_the_same_figures(client, web_archive) -> None:
    trend = web_archive.trend(TOPIC)
    assert 0 in [y.articles for y in trend.years] and trend.articles > 0  # a zero year, shown as one
    doc = parse(client.get("/trends", params={"q": TOPIC}).text)
    (table,) = doc.xpath("//main//table")
    assert "垃圾分类" in text_of(table.xpath("./caption")[0])
    assert [th.get("scope") for th in table.xpath("./thead/tr/th")] == ["col"] * 3
    rows = table.xpath("./tbody/tr")
    assert [r.xpath("./th")[0].get("scope") for r in rows] == ["row"] * len(trend.years)
    figures = [(int(text_of(r.xpath("./th")[0])), int(text_of(r.xpath("./td")[0]))) for r in rows]
    assert figures == [(y.year, y.articles) for y in trend.years]
    for row, year in zip(rows, trend.years):
        assert row.xpath("./td[2]/a/@href") == [f"/issues/{t}" for t in year.issues]


def test_the_answer_page_links_to_the_trend_of_its_question(client) -> None:
    doc = parse(client.get("/ask", params={"q": TOPIC}).text)
    (link,) = doc.xpath("//main//p[@class='trend-link']/a")
    assert parse_qs(urlsplit(link.get("href")).query) == {"q": [TOPIC]}
    assert urlsplit(link.get("href")).path == "/trends"


def test_without_a_topic_the_page_asks_for_one(client) -> None:
    for params in ({}, {"q": "  "}, {"q": "的了吗"}):
        response = client.get("/trends", params=params)
        assert response.status_code == 200
        doc = assert_page_contract(response.text, "/trends")
        assert not doc.xpath("//svg") and not doc.xpath("//main//table")
        assert doc.xpath("//main//form[@action='/trends']//input[@name='q']")


def test_a_topic_in_markup_is_text(client) -> None:
    response = client.get("/trends", params={"q": "<script>alert(1)</script>垃圾分类"})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert not parse(response.text).xpath("//script")

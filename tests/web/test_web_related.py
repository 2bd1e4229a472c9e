"""An article's page lists up to five others on its theme from other issues, best first, each
with its citation and a link."""

from __future__ import annotations

from replies import messages
from tests.helpers.web_client import assert_page_contract, text_of


def test_an_article_page_lists_related_articles_with_citations(client, web_archive) -> None:
    hit = web_archive.ask("垃圾分类", limit=1).hits[0]
    path = f"/articles/{hit.article_id}"
    doc = assert_page_contract(client.get(path).text, path)
    section = doc.xpath("//section[@class='related']")[0]
    assert text_of(section.xpath(".//h2")[0]) == messages.RELATED_HEADING
    expected = web_archive.related(hit.article_id)
    links = section.xpath(".//h3/a")
    assert [a.get("href").rsplit("/", 1)[-1] for a in links] == [str(h.article_id) for h in expected]
    citations = [text_of(p) for p in section.xpath(".//p[@class='citation']")]
    assert citations == [messages.citation(h.issue, h.source, h.page) for h in expected]
    assert f"总第{hit.issue.total}期" not in " ".join(citations), "none from the article's own issue"
    for a in links:  # each leads to its article
        assert client.get(a.get("href").removeprefix(str(client.base_url))).status_code == 200

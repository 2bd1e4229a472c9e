"""The JSON API is the command line's --json contract over HTTP: the same fields, from the same
renderer, for the same data; /api/ask adds its page and whether more follow."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from replies import conversation, messages
from replies.conversation import MAX_PAGES, PER_PAGE
from replies.render_json import answer_json, issue_json, stats_json
from retrieval.archive import MAX_QUESTION_CHARS

QUESTION = "志愿服务活动是怎么开展的？"


def test_ask_returns_the_clis_fields_and_the_bots_hits(client, web_archive) -> None:
    response = client.get("/api/ask", params={"q": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    expected = answer_json(web_archive.ask(QUESTION, limit=PER_PAGE))
    assert set(body) == set(expected) | {"page", "more", "facets"}
    assert {k: body[k] for k in expected} == expected
    first = body["hits"][0]
    assert set(first) == {
        "article", "total", "number", "date", "title", "source", "excerpt", "score", "page", "answer", "cite_gbt7714"
    }  # fmt: skip
    assert first["cite_gbt7714"].endswith(f"[J]. 首都精神文明建设情况简报, {first['date'][:4]}({first['number']}).")
    assert f"{first['title']}[J]. " in first["cite_gbt7714"]
    assert client.get(f"/articles/{first['article']}").status_code == 200, "the hit's article opens on the site"
    assert body["match"] == "answer"
    assert body["page"] == 1 and body["more"] is conversation.ask(web_archive, QUESTION).has_more is True


def test_ask_pages_on_as_the_bot_does(client, web_archive) -> None:
    seen = []
    for page in range(1, MAX_PAGES + 1):
        body = client.get("/api/ask", params={"q": QUESTION, "page": page}).json()
        expected = conversation.ask(web_archive, QUESTION, page - 1)
        assert body["hits"] == answer_json(expected.answer)["hits"]
        assert (body["page"], body["more"]) == (page, expected.has_more)
        seen += [(hit["total"], hit["title"]) for hit in body["hits"]]
        if not body["more"]:
            break
    assert len(seen) == len(set(seen)) > PER_PAGE


def test_ask_without_an_answer_has_no_hits(client) -> None:
    for question in ("推荐一部好看的电影", "你好", ""):
        body = client.get("/api/ask", params={"q": question}).json()
        assert body["hits"] == [] and body["more"] is False, question


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"q": "创城", "page": "0"}, 400),
        ({"q": "创城", "page": "x"}, 400),
        ({"q": "创城", "page": "1" * 30}, 400),
        ({"q": "创城", "page": str(MAX_PAGES + 1)}, 404),
        ({"q": "文" * (MAX_QUESTION_CHARS + 1)}, 400),
    ],
)
def test_ask_refusals_are_json_errors_in_chinese(client, query, status) -> None:
    response = client.get("/api/ask", params=query)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error and any("\u4e00" <= ch <= "\u9fff" for ch in error)


@pytest.mark.parametrize("number", ["2202", "2022-10", quote("2022年第10期")])
def test_an_issue_is_the_clis_issue_json(client, web_archive, number) -> None:
    response = client.get(f"/api/issues/{number}")
    assert response.status_code == 200
    assert response.json() == issue_json(web_archive.issue(2202))


def test_every_issue_held_is_served_as_the_cli_serves_it(client, web_archive) -> None:
    for year, _ in web_archive.years():
        for issue in web_archive.issues_in_year(year, 0, 100)[0]:
            assert client.get(f"/api/issues/{issue.ref.total}").json() == issue_json(issue)


@pytest.mark.parametrize("number", ["99999", "2022-40", "abc", "9" * 40])
def test_an_issue_not_held_is_a_404_error(client, web_archive, number) -> None:
    response = client.get(f"/api/issues/{number}")
    assert response.status_code == 404
    assert response.json()["error"]


def test_an_issue_not_held_names_the_nearest(client) -> None:
    error = client.get("/api/issues/2203").json()["error"]
    assert error.startswith(messages.UNKNOWN_ISSUE.format(what="总第2203期")) and "总第2202期" in error


def test_latest_and_stats_are_the_clis(client, web_archive) -> None:
    assert client.get("/api/latest").json() == issue_json(web_archive.latest())
    assert client.get("/api/stats").json() == stats_json(web_archive.stats())
    assert client.get("/api/stats").json()["issues"] == 26


def test_an_unknown_api_path_is_a_json_404(client) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]

"""Word exports on the web: /export.docx?q=… and /issues/2202/export.docx return a .docx under a
Chinese name that reads back with every excerpt or article and both citations; the pages link them."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import docx

from replies import messages
from replies.citations import gbt7714
from replies.render_docx import MEDIA_TYPE
from web.app import create_app

from .conftest import TestClient

QUESTION = "志愿服务活动是怎么开展的？"


def lines_of(content: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]


def test_an_answer_exports_as_a_word_file_with_both_citations(client, web_archive) -> None:
    response = client.get("/export.docx", params={"q": QUESTION, "limit": "4"})
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    name = f"简报摘录-志愿服务活动是怎么开展的-{dt.date.today():%Y%m%d}.docx"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["cache-control"] == "private, max-age=60"
    lines = lines_of(response.content)
    assert "问题：" + QUESTION in lines
    hits = web_archive.ask(QUESTION, limit=4).hits
    assert len(hits) == 4
    for hit in hits:
        assert "引用（简报格式）：" + messages.citation(hit.issue, hit.source, hit.page) in lines
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(hit.issue, hit.title, hit.source, hit.page) in lines


def test_an_issue_exports_every_article_whole(client, web_archive) -> None:
    response = client.get("/issues/2202/export.docx")
    assert response.status_code == 200 and response.headers["content-type"] == MEDIA_TYPE
    assert quote(f"简报-总第2202期-{dt.date.today():%Y%m%d}.docx") in response.headers["content-disposition"]
    lines = lines_of(response.content)
    issue = web_archive.issue(2202)
    for article in issue.articles:
        assert article.title in lines
        assert "参考文献（GB/T 7714—2015）：" + gbt7714(issue.ref, article.title, article.source, article.page) in lines


def test_exports_refuse_what_they_cannot_export(client) -> None:
    assert client.get("/export.docx").status_code == 400
    assert client.get("/export.docx", params={"q": "文明", "limit": "21"}).status_code == 400
    assert client.get("/export.docx", params={"q": "文明", "limit": "x"}).status_code == 400
    assert client.get("/export.docx", params={"q": "文" * 5000}).status_code == 400
    missing = client.get("/issues/99999/export.docx")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert client.get("/issues/abc/export.docx").status_code == 404


def test_an_export_counts_against_the_question_limit(web_archive) -> None:
    with TestClient(create_app(web_archive, ask_rate=(1, 60.0))) as limited:
        assert limited.get("/export.docx", params={"q": "文明"}).status_code == 200
        assert limited.get("/export.docx", params={"q": "文明"}).status_code == 429


def test_the_answer_and_issue_pages_link_their_exports(client) -> None:
    answer = client.get("/ask", params={"q": QUESTION}).text
    assert f'href="/export.docx?q={quote(QUESTION)}"' in answer
    assert 'href="/issues/2202/export.docx"' in client.get("/issues/2202").text

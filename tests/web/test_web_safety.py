"""The web app under hostile or unlucky requests: every fragment escaped, security headers on
every response, no write endpoint, a per-client question limit, and a Chinese page (never a
traceback) for every error, the archive's own included."""

from __future__ import annotations

import ast
import asyncio
import html as html_module
import re
import threading
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replies import messages
from retrieval.archive import MAX_QUESTION_CHARS, DatabaseBusy
from tests.helpers import ROOT
from tests.helpers.imports import retrieval_imports
from tests.helpers.properties import examples
from tests.helpers.web_client import (
    NO_LIMIT,
    SECURITY_HEADERS,
    FailingArchive,
    assert_page_contract,
    make_client,
    parse,
)
from web.app import create_app
from web.original import content_disposition
from web.params import printable
from web.render import highlight
from web.security import RateLimit


def assert_secure(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/ask?q=" + quote("创城"), 200),
        ("GET", "/issues/2202", 200),
        ("GET", "/issues/2022-10", 302),
        ("GET", "/articles/1", 200),
        ("GET", "/years/2022", 200),
        ("GET", "/api/stats", 200),
        ("GET", "/api/ask?q=" + quote("创城"), 200),
        ("GET", "/static/site.css", 200),
        ("GET", "/static/copy.js", 200),
        ("GET", "/static/missing.css", 404),
        ("GET", "/healthz", 200),
        ("HEAD", "/", 200),
        ("GET", "/nothing/here", 404),
        ("GET", "/ask?q=" + "x" * (MAX_QUESTION_CHARS + 1), 400),
        ("POST", "/ask", 405),
        ("POST", "/static/site.css", 405),
        ("DELETE", "/api/issues/2202", 405),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, status) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert_secure(response)


def test_the_original_file_is_a_sandboxed_attachment(client) -> None:
    response = client.get("/issues/2202/original")
    assert_secure_but_sandboxed = response.headers["content-security-policy"]
    assert assert_secure_but_sandboxed == SECURITY_HEADERS["content-security-policy"] + "; sandbox"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")


def test_static_files_are_the_apps_own_and_load_nothing_from_elsewhere(client) -> None:
    css = client.get("/static/site.css")
    assert css.headers["content-type"].startswith("text/css")
    assert not re.search(r"@import|@font-face|url\(|https?:", css.text)
    js = client.get("/static/copy.js")
    assert "javascript" in js.headers["content-type"]
    assert not re.search(r"https?:|eval\(|innerHTML", js.text)
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/static/%2e%2e/pyproject.toml").status_code == 404


# --- no writes ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/ask", "/issues/2202", "/issues/2202/original", "/articles/1", "/years"])
def test_only_reading_is_allowed(client, method, path) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert "不能提交" in assert_page_contract(response.text, path).text_content()


def test_a_write_to_the_api_is_a_json_405(client) -> None:
    response = client.post("/api/ask", data={"q": "创城"})
    assert response.status_code == 405
    assert response.json()["error"]


# --- hostile questions -------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>丰台区',
    "</title><script>alert(1)</script>",
    "'\"><svg onload=alert(1)>",
    "{{ 7*7 }}{% if 1 %}x{% endif %}",
    "丰台区\x00创城\x01\x1b[31m\x7f",
    "\u202e丰台区\u200b创城\ufeff",
    "创城\r\n\tSet-Cookie: x=1",
    "😀" * 300,
    "&lt;script&gt;&amp;",
    "%3Cscript%3E",
    "a" * MAX_QUESTION_CHARS,
]


@pytest.mark.parametrize("question", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_questions_are_shown_escaped(client, question) -> None:
    for path in ("/ask", "/api/ask"):
        response = client.get(path, params={"q": question})
        assert response.status_code == 200, path
        assert_secure(response)
    response = client.get("/ask", params={"q": question})
    assert "<script>alert" not in response.text and "<svg" not in response.text and "<img" not in response.text
    doc = assert_page_contract(response.text, "/ask")
    assert doc.xpath("//input[@id='q']/@value") == [printable(question)]  # as typed: {{ 7*7 }} stays so
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", response.text)


def test_a_question_past_the_bots_cap_is_refused_with_a_chinese_page(client) -> None:
    assert client.get("/ask", params={"q": "文" * MAX_QUESTION_CHARS}).status_code == 200
    for question in ("文" * (MAX_QUESTION_CHARS + 1), "文明" * 2500, "<script>" * 1000):
        response = client.get("/ask", params={"q": question})
        assert response.status_code == 400
        doc = assert_page_contract(response.text, "/ask")
        notice = doc.xpath("//p[@class='notice']")[0].text_content()
        assert "问题太长" in notice and str(MAX_QUESTION_CHARS) in notice
        assert "<script>" not in response.text


@pytest.mark.parametrize(
    "raw_query",
    [
        "q=%ED%A0%80",  # a UTF-16 surrogate, encoded as UTF-8 would never allow
        "q=%FF%FE%00",
        "q=%C0%BCscript%C0%BE",  # overlong '<' and '>'
        "q=%",
        "q=a&q=%3Cscript%3E",
        "q=%E5%88%9B&page=%EF%BC%92",  # a full-width 2
        "q=x&page=-1",
        "q=x&page=1.5",
        "q=x&page=",
        "q=x&page=99999999999999999999999",
        "page=1&page=2&q=x",
    ],
)
def test_odd_bytes_in_the_query_get_a_page_or_a_400_never_a_500(client, raw_query) -> None:
    for path in ("/ask", "/api/ask"):
        response = client.get(f"{path}?{raw_query}")
        assert response.status_code in (200, 400), (path, raw_query)
        assert_secure(response)
    assert "<script" not in client.get(f"/ask?{raw_query}").text.lower()  # JSON may hold it, as data


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from("<>&\"'/=丰台区创城 ")), max_size=80),
    page=st.one_of(st.none(), st.integers(-5, 12).map(str), st.text(max_size=4)),
)
def test_any_question_gets_an_escaped_page_never_a_500(client, question, page) -> None:
    """Whatever is typed, the page is 200 or 400, and markup typed never becomes markup."""
    params = {"q": question + "<x-typed>"} | ({} if page is None else {"page": page})
    response = client.get("/ask", params=params)
    assert response.status_code in (200, 400, 404)
    assert "<x-typed>" not in response.text
    if response.status_code == 200:
        assert parse(response.text).xpath("//input[@id='q']/@value") == [printable(params["q"])]
    api = client.get("/api/ask", params=params)
    assert api.status_code in (200, 400, 404) and isinstance(api.json(), dict)


# --- the question limit ---------------------------------------------------------------------------


def test_a_client_past_its_question_allowance_is_told_to_wait(web_archive) -> None:
    app = create_app(web_archive, ask_rate=(3, 60.0))
    client = make_client(app)
    statuses = [client.get("/ask", params={"q": "创城"}).status_code for _ in range(2)]
    statuses.append(client.get("/api/ask", params={"q": "创城"}).status_code)  # one allowance for both
    assert statuses == [200, 200, 200]
    page = client.get("/ask", params={"q": "创城"})
    assert page.status_code == 429
    wait = int(page.headers["retry-after"])
    assert 1 <= wait <= 20  # one question's worth: 60 s / 3
    notice = assert_page_contract(page.text, "/ask").xpath("//p[@class='notice']")[0].text_content()
    assert notice == messages.RATE_LIMITED.format(seconds=wait)
    assert_secure(page)
    api = client.get("/api/ask", params={"q": "创城"})
    assert api.status_code == 429 and "retry-after" in api.headers and api.json()["error"]
    # Reading is not limited, and another address has its own allowance.
    assert client.get("/issues/2202").status_code == 200
    other = make_client(app, client=("203.0.113.9", 40000))
    assert other.get("/ask", params={"q": "创城"}).status_code == 200


def test_the_allowance_refills_with_time() -> None:
    now = [0.0]
    limit = RateLimit(2, 10.0, clock=lambda: now[0])
    assert [limit.retry_after("a") for _ in range(3)] == [0, 0, 5]
    now[0] = 4.9
    assert limit.retry_after("a") == 1  # not yet a whole token back
    now[0] = 5.0
    assert limit.retry_after("a") == 0
    now[0] = 1000.0
    assert [limit.retry_after("a") for _ in range(3)] == [0, 0, 5]  # never more than the burst


def test_the_limiter_forgets_the_least_recent_clients_first() -> None:
    now = [0.0]
    limit = RateLimit(1, 60.0, clock=lambda: now[0], max_clients=100)
    for n in range(10_000):
        limit.retry_after(f"10.0.{n // 256}.{n % 256}")
    assert len(limit) == 100
    assert limit.retry_after("10.0.39.15") > 0  # the last seen is still held to its allowance


# --- errors ---------------------------------------------------------------------------------


def test_a_bug_is_a_chinese_500_page_logged_not_shown(caplog) -> None:
    app = create_app(FailingArchive(lambda: RuntimeError("secret detail /srv/archive.db")), ask_rate=NO_LIMIT)
    client = make_client(app, raise_server_exceptions=False)
    for path in ("/", "/ask?q=x", "/issues/2202", "/articles/1", "/years"):
        response = client.get(path)
        assert response.status_code == 500
        assert_secure(response)
        doc = assert_page_contract(response.text, path)
        assert "出错了" in doc.findtext(".//title") and "Traceback" not in response.text
        assert "secret detail" not in response.text
    api = client.get("/api/stats")
    assert api.status_code == 500 and api.json()["error"] and "secret" not in api.text
    assert "secret detail" in caplog.text and "Traceback" in caplog.text


def test_an_unusable_archive_is_a_503_with_its_one_line() -> None:
    line = "档案数据库 archive.db 正被另一个进程写入（例如一次导入），暂时无法使用；请稍后再试。"
    client = make_client(create_app(FailingArchive(lambda: DatabaseBusy(line)), ask_rate=NO_LIMIT))
    response = client.get("/issues/2202")
    assert response.status_code == 503
    assert_secure(response)
    assert parse(response.text).xpath("//p[@class='notice']")[0].text_content() == line
    api = client.get("/api/latest")
    assert api.status_code == 503 and api.json() == {"error": line}


# --- the archive's one thread -------------------------------------------------------------------


class ThreadRecorder:
    """The archive, with the thread of each call recorded."""

    def __init__(self, archive):
        self.archive = archive
        self.threads: set[int] = set()

    def __getattr__(self, name):
        attribute = getattr(self.archive, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            self.threads.add(threading.get_ident())
            return attribute(*args, **kwargs)

        return call


def test_every_archive_call_runs_on_one_thread_that_is_not_the_event_loops(web_archive) -> None:
    recorder = ThreadRecorder(web_archive)
    app = create_app(recorder, ask_rate=NO_LIMIT)
    paths = ["/", "/ask?q=" + quote("创城"), "/issues/2202", "/articles/2", "/years/2022", "/api/latest"] * 5

    async def many_at_once() -> tuple[list[int], int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            responses = await asyncio.gather(*(client.get(path) for path in paths))
        return [r.status_code for r in responses], threading.get_ident()

    try:
        statuses, loop_thread = asyncio.run(many_at_once())
    finally:
        app.state.worker._executor.shutdown(wait=True)  # the archive itself is the fixture's
    assert set(statuses) == {200}
    assert len(recorder.threads) == 1 and loop_thread not in recorder.threads


# --- small pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["2202.pdf", "首都简报 第10期.docx", 'a"b\\c;d.txt', "x\r\nSet-Cookie: y.html", "%41.txt", "..\\..\\etc.pdf"],
)
def test_a_download_name_is_one_safe_header(name) -> None:
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    fallback = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]*)', header)
    assert fallback, header
    from urllib.parse import unquote

    assert unquote(fallback[2]) == name


def test_web_reaches_the_archive_through_its_public_api_only() -> None:
    allowed = {"retrieval.archive", "retrieval.models"}
    for path in sorted((ROOT / "web").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wrong = [name for _, name in retrieval_imports(tree) if name not in allowed]
        assert not wrong, f"{path.name} imports {wrong}"
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "sqlite3" not in imported, path.name


@given(
    text=st.text(st.sampled_from("<>&\"'b/mark 丰台区"), max_size=40),
    spans=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45)), max_size=5),
)
def test_highlighting_marks_only_the_spans_and_escapes_everything(text, spans) -> None:
    marks = tuple(sorted((min(a, b), max(a, b)) for a, b in spans))
    html = str(highlight(text, marks))
    assert html_module.unescape(re.sub(r"</?mark>", "", html)) == text
    assert not re.search(r"<(?!/?mark>)", html), html  # no tag but the marks
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", html))
    assert html_module.unescape(marked) == "".join(text[i] for i in sorted(_covered(marks, len(text))))


def _covered(marks: tuple[tuple[int, int], ...], length: int) -> set[int]:
    return {i for start, end in marks for i in range(start, min(end, length))}

"""Every response says how long it may be kept: pages and the API a minute (answers to questions
only in the reader's own browser), errors and the health check never, and the static files a
year under names that carry a hash of their content, so a release is fetched at once."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from retrieval.archive import MAX_QUESTION_CHARS, DatabaseBusy
from tests.helpers import ROOT
from tests.helpers.web_client import NO_LIMIT, FailingArchive, make_client, parse
from web.app import create_app
from web.assets import Assets

STATIC = ROOT / "web" / "static"
SHORT = "public, max-age=60"
PRIVATE = "private, max-age=60"
NEVER = "no-store"
YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def hashed(name: str) -> str:
    """The name a page links a static file by: its content's SHA-256, first 12 hex digits."""
    path = STATIC / name
    return f"/static/{path.stem}.{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}{path.suffix}"


@pytest.mark.parametrize(
    ("method", "path", "status", "cache"),
    [
        ("GET", "/", 200, SHORT),
        ("HEAD", "/", 200, SHORT),
        ("GET", "/issues/2202", 200, SHORT),
        ("GET", "/issues/2022-10", 302, SHORT),
        ("GET", "/issues/2202/original", 200, SHORT),
        ("HEAD", "/issues/2202/original", 200, SHORT),
        ("GET", "/articles/1", 200, SHORT),
        ("GET", "/years", 200, SHORT),
        ("GET", "/years/2022?page=1", 200, SHORT),
        ("GET", "/api/stats", 200, SHORT),
        ("GET", "/api/latest", 200, SHORT),
        ("GET", "/api/issues/2202", 200, SHORT),
        ("GET", "/ask?q=" + quote("创城"), 200, PRIVATE),
        ("GET", "/ask", 200, PRIVATE),
        ("GET", "/api/ask?q=" + quote("创城"), 200, PRIVATE),
        ("GET", "/healthz", 200, NEVER),
        ("GET", "/nothing/here", 404, NEVER),
        ("GET", "/issues/99999", 404, NEVER),
        ("GET", "/issues/abc/original", 404, NEVER),
        ("GET", "/articles/999999", 404, NEVER),
        ("GET", "/years/1850", 404, NEVER),
        ("GET", "/api/issues/99999", 404, NEVER),
        ("GET", "/ask?q=" + "x" * (MAX_QUESTION_CHARS + 1), 400, NEVER),
        ("GET", "/api/ask?q=x&page=0", 400, NEVER),
        ("POST", "/ask", 405, NEVER),
        ("DELETE", "/api/issues/2202", 405, NEVER),
        ("POST", "/static/site.css", 405, NEVER),
        ("GET", "/static/missing.css", 404, NEVER),
        ("GET", "/static/../pyproject.toml", 404, NEVER),
        ("GET", "/static/site.css", 200, REVALIDATE),
        ("GET", "/static/site.000000000000.css", 200, REVALIDATE),  # a name from another release
        ("GET", hashed("site.css"), 200, YEAR),
        ("HEAD", hashed("site.css"), 200, YEAR),
        ("GET", hashed("copy.js"), 200, YEAR),
        ("GET", hashed("favicon.svg"), 200, YEAR),
    ],
)
def test_every_class_of_response_says_how_long_it_may_be_kept(client, method, path, status, cache) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["cache-control"] == cache


def test_errors_from_the_archive_and_from_bugs_are_never_kept() -> None:
    busy = make_client(create_app(FailingArchive(lambda: DatabaseBusy("档案正忙。")), ask_rate=NO_LIMIT))
    for path in ("/", "/issues/2202", "/api/latest"):
        response = busy.get(path)
        assert (response.status_code, response.headers["cache-control"]) == (503, NEVER), path
    bug = make_client(create_app(FailingArchive(RuntimeError), ask_rate=NO_LIMIT), raise_server_exceptions=False)
    for path in ("/", "/issues/2202", "/api/latest", "/ask?q=x"):
        response = bug.get(path)
        assert (response.status_code, response.headers["cache-control"]) == (500, NEVER), path


def test_a_client_told_to_wait_is_not_told_so_from_a_cache(web_archive) -> None:
    client = make_client(create_app(web_archive, ask_rate=(1, 60.0)))
    assert client.get("/ask", params={"q": "创城"}).headers["cache-control"] == PRIVATE
    for path in ("/ask", "/api/ask"):
        response = client.get(path, params={"q": "创城"})
        assert (response.status_code, response.headers["cache-control"]) == (429, NEVER)


def test_pages_link_the_static_files_by_their_current_hash(client) -> None:
    doc = parse(client.get("/articles/1").text)
    linked = doc.xpath("//link[@rel='stylesheet']/@href") + doc.xpath("//link[@rel='icon']/@href")
    linked += doc.xpath("//script/@src")
    assert linked == [hashed("site.css"), hashed("favicon.svg"), hashed("copy.js")]
    for url in linked:
        name = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", url.rsplit("/", 1)[1])
        assert client.get(url).content == (STATIC / name).read_bytes()


def test_a_revalidated_static_file_keeps_its_policy(client) -> None:
    first = client.get(hashed("site.css"))
    again = client.get(hashed("site.css"), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == YEAR


def test_a_changed_file_gets_a_new_name_and_the_old_name_is_no_longer_kept(tmp_path: Path) -> None:
    """A release that changes a file: pages link it by a new name; a page cached from before still
    gets the file by its old name, but only to be checked again, never kept for a year."""
    static = tmp_path / "static"
    shutil.copytree(STATIC, static)
    before = Assets(static).url("site.css")
    (static / "site.css").write_text("body { color: black; }\n", encoding="utf-8")
    after = Assets(static)
    assert after.url("site.css") != before
    assert after.is_current(after.url("site.css")) and not after.is_current(before)
    assert Assets(static).url("copy.js") == Assets(STATIC).url("copy.js")  # unchanged files keep theirs

"""The site's address. With --base-url, canonical links, redirects and every link on a page are
built from it, whatever Host, X-Forwarded-Proto or X-Forwarded-Host a request carries. Without
it, a forged Host can put no more into a page or a redirect than Starlette accepts as a host."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.helpers.web_client import NO_LIMIT, FailingArchive, make_client, parse
from web.address import SiteAddress
from web.app import create_app

BASE = "https://wenming.example.org/archive"
FORGED = {"host": "evil.example", "x-forwarded-proto": "http", "x-forwarded-host": "evil.example"}
PAGES = ["/", "/issues/2202", "/articles/1", "/years", "/years/2022", "/ask?q=" + quote("创城"), "/nothing/here"]


@pytest.fixture(scope="module")
def fixed(web_archive):
    """The app behind a proxy that serves it at BASE and strips /archive before passing requests on."""
    app = create_app(web_archive, ask_rate=NO_LIMIT, address=SiteAddress.parse(BASE))
    with make_client(app) as client:
        yield client


def canonical_of(html: str) -> str:
    (href,) = parse(html).xpath("//head/link[@rel='canonical']/@href")
    return href


@pytest.mark.parametrize("path", PAGES)
def test_canonical_links_come_from_the_base_url_whatever_the_host(fixed, path) -> None:
    response = fixed.get(path, headers=FORGED)
    assert canonical_of(response.text) == BASE + path
    assert "evil.example" not in response.text


@pytest.mark.parametrize(
    ("path", "target"),
    [("/issues/2022-10", "/issues/2202"), ("/issues/总第2202期", "/issues/2202"), ("/years/", "/years"),
     ("/issues/2202/", "/issues/2202")],
)  # fmt: skip
def test_redirects_go_to_the_base_url_whatever_the_host(fixed, path, target) -> None:
    response = fixed.get(path, headers=FORGED)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == BASE + target


def test_every_link_on_a_page_lives_under_the_base_path_and_leads_somewhere(fixed) -> None:
    links = set()
    for path in ("/", "/ask?q=" + quote("创城"), "/issues/2202", "/articles/1", "/years/2022"):
        doc = parse(fixed.get(path, headers=FORGED).text)
        links |= set(doc.xpath("//a/@href | //link[@rel!='canonical']/@href | //script/@src | //form/@action"))
    links.discard("#main")  # the skip link
    assert links and all(link.startswith("/archive/") for link in links), sorted(links)
    for link in sorted(links):  # as the proxy passes them on: without /archive
        assert fixed.get(link.removeprefix("/archive"), headers=FORGED).status_code in (200, 302), link


def test_the_500_page_names_the_base_url_too() -> None:
    app = create_app(FailingArchive(RuntimeError), ask_rate=NO_LIMIT, address=SiteAddress.parse(BASE))
    response = make_client(app, raise_server_exceptions=False).get("/issues/2202", headers=FORGED)
    assert response.status_code == 500
    assert canonical_of(response.text) == BASE + "/issues/2202"


def test_through_uvicorn_and_its_proxy_headers_the_base_url_still_wins(web_archive, uvicorn) -> None:
    """From loopback, uvicorn believes X-Forwarded-Proto; the address is applied after it."""
    app = create_app(web_archive, ask_rate=NO_LIMIT, address=SiteAddress.parse(BASE))
    with uvicorn(app) as server, httpx.Client(base_url=server.url, timeout=30, headers=FORGED) as client:
        redirect = client.get("/issues/2022-10")
        assert redirect.headers["location"] == BASE + "/issues/2202"
        assert client.get("/years/").headers["location"] == BASE + "/years"
        assert canonical_of(client.get("/issues/2202").text) == BASE + "/issues/2202"


# --- without --base-url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ['evil.example"><script>alert(1)</script>', "evil.example/path", "user@evil.example", "evil example", "",
     "evil.example:port", "[::1"],
)  # fmt: skip
def test_a_host_starlette_refuses_puts_nothing_in_the_page(client, host) -> None:
    """Links fall back to the server's own address, and nothing of the header reaches the page."""
    response = client.get("/issues/2202", headers={"host": host})
    assert response.status_code == 200
    assert urlsplit(canonical_of(response.text)).netloc == "testserver"
    assert "evil" not in response.text and "<script>alert" not in response.text


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "a'b&c!$(x)*+,;=.example"])
def test_a_host_starlette_accepts_is_all_a_forged_host_can_change(client, host) -> None:
    """Without an address, links that must be absolute follow a valid Host (as before): exactly
    that host, escaped, and nothing more; the site's own redirects stay relative."""
    response = client.get("/issues/2202", headers={"host": host})
    canonical = urlsplit(canonical_of(response.text))
    assert (canonical.scheme, canonical.netloc, canonical.path) == ("http", host, "/issues/2202")
    assert len(parse(response.text).xpath("//head/*")) == len(parse(client.get("/issues/2202").text).xpath("//head/*"))
    assert client.get("/issues/2022-10", headers={"host": host}).headers["location"] == "/issues/2202"
    slash = urlsplit(client.get("/years/", headers={"host": host}).headers["location"])
    assert (slash.netloc, slash.path) == (host, "/years")


@pytest.mark.parametrize(
    "url",
    ["wenming.example.org", "ftp://wenming.example.org", "https://user@wenming.example.org", "https://例子.中国/",
     "https://wenming.example.org/a b", "https://wenming.example.org/?q=1", "https://wenming.example.org/#top",
     "https://wenming.example.org/a/../b", "https://wenming.example.org:99999", 'https://x.org/"><script>'],
)  # fmt: skip
def test_an_address_that_could_not_be_a_sites_is_refused_with_a_sentence(url) -> None:
    with pytest.raises(ValueError, match="如 https://wenming.example.org/archive"):
        SiteAddress.parse(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://wenming.example.org/archive/", "https://wenming.example.org/archive/issues/2202"),
     ("http://Archive.Example.ORG:8080", "http://archive.example.org:8080/issues/2202"),
     ("https://[2001:db8::1]/a/b", "https://[2001:db8::1]/a/b/issues/2202")],
)  # fmt: skip
def test_an_address_builds_urls_on_itself(url, expected) -> None:
    assert SiteAddress.parse(url).url("/issues/2202") == expected

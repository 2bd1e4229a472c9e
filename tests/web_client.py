"""Shared by the web route tests (a plugin: `pytest_plugins = ["web_client"]`): a real archive file
of the sample and dev bulletins, opened read-only as `run_bot.py web` opens it, the app over it,
and the page contract every page keeps."""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from conftest import ROOT, SAMPLE_ARCHIVE

from retrieval.archive import Archive
from retrieval.tokenize import Tokenizer
from web.app import create_app

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 and says so on import; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DEV_ARCHIVE = ROOT / "data" / "eval" / "dev-archive" / "bulletins"
NO_LIMIT = (1_000_000, 1.0)
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def build_archive(path: Path, tokenizer: Tokenizer) -> Path:
    """The two sample bulletins and the 24 of the dev archive: 26 issues over seven years."""
    with Archive(path, tokenizer) as archive:
        reports = list(archive.ingest([SAMPLE_ARCHIVE, DEV_ARCHIVE]))
    assert [r.error for r in reports] == [None] * 26
    return path


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    path = build_archive(tmp_path_factory.mktemp("web") / "archive.db", tokenizer)
    with Archive(path, tokenizer, readonly=True) as archive:
        yield archive


@pytest.fixture(scope="module")
def client(web_archive: Archive):
    """The app without a question limit (the limit has tests of its own); a bug raises in the test."""
    with TestClient(create_app(web_archive, ask_rate=NO_LIMIT), follow_redirects=False) as test_client:
        yield test_client


def make_client(app, **kwargs) -> TestClient:
    return TestClient(app, follow_redirects=False, **kwargs)


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def assert_page_contract(html: str, path: str) -> lxml.html.HtmlElement:
    """What every page has: Chinese, a title, an absolute canonical URL for its path, the phone
    viewport, the search form in the header, and no inline script or style."""
    doc = parse(html)
    assert doc.get("lang") == "zh-CN"
    assert doc.findtext(".//title").strip()
    (canonical,) = doc.xpath("//head/link[@rel='canonical']/@href")
    assert urlsplit(canonical).scheme == "http" and urlsplit(canonical).netloc == "testserver"
    assert urlsplit(canonical).path == urlsplit(path).path
    assert doc.xpath("//head/meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    (form,) = doc.xpath("//header//form[@role='search']")
    assert (form.get("action"), form.get("method")) == ("/ask", "get")
    assert form.xpath(".//label[@for='q']")
    (box,) = form.xpath(".//input[@id='q']")
    assert (box.get("name"), box.get("type"), box.get("maxlength")) == ("q", "search", "1000")
    assert form.xpath(".//button[@type='submit']")
    assert all(script.get("src", "").startswith("/static/") for script in doc.iter("script"))
    assert not doc.xpath("//*[@style]") and not doc.xpath("//style")
    assert all(href.startswith("/static/") for href in doc.xpath("//link[@rel='stylesheet']/@href"))
    return doc

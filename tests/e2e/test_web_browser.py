"""The web app in a real browser: Debian's headless Chromium, driven by selenium, against
`run_bot.py web` in a process of its own over a real archive file (the sample and dev bulletins).

A reader's way through the archive (home, a question typed and sent with Enter, the results, the
next page, an article, its issue, the original file) on a phone's 360 px viewport and a desktop's
1280 px. Every page is checked for what a reader would notice: nothing wider than the screen, the
page declared Chinese, a title, a canonical address, the search form in the header, and no error
in the browser console (a script or style the Content-Security-Policy refuses shows up there).
The article page is also read with JavaScript switched off.

Skipped only where Debian's chromium is not installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from benchmarks import web_browser
from benchmarks.web_process import DEV_ARCHIVE, SAMPLE_ARCHIVE, Ingested, WebApp, build_archive

# Only the browser's absence skips: a missing driver, selenium or app is a failure.
pytestmark = pytest.mark.skipif(not web_browser.CHROMIUM.is_file(), reason="Debian's chromium is not installed")

# Answered by many articles of the dev archive, so the results run to a second page.
QUESTION = "志愿服务活动是怎么开展的？"
BULLETIN = "《首都精神文明建设情况简报》"
VIEWPORTS = [pytest.param(360, id="360px"), pytest.param(1280, id="1280px")]
WAIT = 20  # seconds any one condition may take before the test fails


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Ingested]]:
    """The archive file and, for each 总期号, the bulletin file it was ingested from and its year."""
    db = tmp_path_factory.mktemp("web-browser") / "archive.db"
    files = build_archive(db, SAMPLE_ARCHIVE, DEV_ARCHIVE)
    assert len(files) == 26
    return db, files


@pytest.fixture(scope="module")
def app(archive, tmp_path_factory: pytest.TempPathFactory):
    db, _ = archive
    with WebApp(db, tmp_path_factory.mktemp("web-log") / "web.log") as web:
        yield web


def _open_browser(width: int, javascript: bool = True):
    """A browser that cannot fall back on Selenium Manager: were selenium to look for a driver or a
    browser of its own (a download), the test fails instead of reaching for the network."""
    from selenium.webdriver.common.selenium_manager import SeleniumManager

    def refuse(*args, **kwargs):
        raise AssertionError("Selenium Manager ran: selenium was not given the system driver")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SeleniumManager, "binary_paths", refuse)
        context = web_browser.chromium(width, javascript=javascript)
        driver = context.__enter__()
    return context, driver


@pytest.fixture(scope="module", params=VIEWPORTS)
def browser(request, app: WebApp):
    context, driver = _open_browser(request.param)
    driver.width = request.param
    origin = app.url
    # The copy button writes to the clipboard; a user's click grants that, a headless one must be told.
    driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    yield driver
    context.__exit__(None, None, None)


@pytest.fixture(scope="module", params=VIEWPORTS)
def browser_without_js(request):
    context, driver = _open_browser(request.param, javascript=False)
    driver.width = request.param
    # The setting really blocks page scripts: this page's script would retitle it.
    driver.get("data:text/html;charset=utf-8,<title>off</title><script>document.title='on'</script>")
    assert driver.title == "off"
    yield driver
    context.__exit__(None, None, None)


# --- what every page must be -----------------------------------------------------------------


def console_errors(driver: WebDriver) -> list[str]:
    """Console messages at error level since the last call (reading the log empties it); the
    site's icon is declared, so the browser asks for nothing the app does not serve."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_page_is_sound(driver: WebDriver, refused: bool = False) -> None:
    """refused: the page is the app's answer to a request it refuses (400, 404), whose status the
    console reports for the page itself; nothing else may appear there."""
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    where = urlsplit(driver.current_url).path  # messages name the path (a query may be 5,000 characters)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN", where
    assert driver.title.strip(), f"no <title> on {where}"
    canonical = driver.find_elements(By.CSS_SELECTOR, "head link[rel='canonical']")
    assert len(canonical) == 1, f"{len(canonical)} canonical links on {where}"
    assert urlsplit(urljoin(where, canonical[0].get_attribute("href"))).path == urlsplit(where).path, where
    viewport = driver.find_element(By.CSS_SELECTOR, "head meta[name='viewport']").get_attribute("content")
    assert "width=device-width" in viewport, where
    # The header's search form: a GET to /ask with the q box and a button, so it works without script.
    form = driver.find_element(By.CSS_SELECTOR, "form[role='search']")
    assert urlsplit(form.get_attribute("action")).path == "/ask"
    assert form.get_attribute("method").lower() == "get"
    box = form.find_element(By.ID, "q")
    assert (box.get_attribute("name"), box.get_attribute("type")) == ("q", "search")
    assert form.find_elements(By.CSS_SELECTOR, "button[type='submit'], button:not([type]), input[type='submit']")
    # Nothing wider than the screen: the page never scrolls sideways.
    inner, scroll = driver.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    assert inner == driver.width, f"viewport {inner} px, not {driver.width} px, on {where} (content forced zoom-out)"
    assert scroll <= inner, f"{where} is {scroll} px wide on a {inner} px screen"
    errors = console_errors(driver)
    if refused:
        errors = [e for e in errors if not e.startswith(driver.current_url + " - Failed to load resource")]
    assert errors == [], (where, [e[-300:] for e in errors])


def go(driver: WebDriver, link: WebElement, path: str) -> None:
    """Follow a link as a reader does (a click) and wait until the new page has loaded."""
    link.click()
    WebDriverWait(driver, WAIT).until(EC.staleness_of(link))
    WebDriverWait(driver, WAIT).until(lambda d: re.fullmatch(path, urlsplit(d.current_url).path))
    assert_page_is_sound(driver)


def ask(driver: WebDriver, question: str) -> None:
    """Type the question into the header's search box and send it with Enter."""
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    WebDriverWait(driver, WAIT).until(EC.staleness_of(box))
    WebDriverWait(driver, WAIT).until(lambda d: urlsplit(d.current_url).path == "/ask")
    assert_page_is_sound(driver)


def hits_on_page(driver: WebDriver) -> list[dict]:
    """Each hit as a reader sees it: title and link, excerpt with its marked words, citation, issue."""
    hits = []
    for item in driver.find_elements(By.CSS_SELECTOR, "ol.hits > li.hit"):
        title = item.find_element(By.CSS_SELECTOR, "h2.hit-title a")
        excerpt = item.find_element(By.CSS_SELECTOR, "p.excerpt")
        issue = item.find_element(By.CSS_SELECTOR, "a.issue-link")
        hits.append(
            {
                "title": title.text.strip(),
                "href": urlsplit(title.get_attribute("href")).path,
                "excerpt": excerpt.text.strip(),
                "marks": [m.text for m in excerpt.find_elements(By.TAG_NAME, "mark")],
                "citation": item.find_element(By.CSS_SELECTOR, "p.citation").text.strip(),
                "issue": urlsplit(issue.get_attribute("href")).path,
            }
        )
    return hits


def assert_hits_are_cited(hits: list[dict]) -> None:
    for hit in hits:
        assert re.fullmatch(r"/articles/\d+", hit["href"]), hit
        assert hit["title"], hit
        assert hit["marks"] and all(hit["marks"]), f"no highlighted word in {hit}"
        total = re.fullmatch(r"/issues/(\d+)", hit["issue"])
        assert total, hit
        assert BULLETIN in hit["citation"] and f"总第{total[1]}期" in hit["citation"], hit


def page_number(driver: WebDriver) -> int:
    return int(parse_qs(urlsplit(driver.current_url).query).get("page", ["1"])[0])


def quoted_pieces(excerpt: str) -> list[str]:
    """The stretches of an excerpt quoted verbatim from the article (excerpts join them with …)."""
    return [piece.strip() for piece in excerpt.split("…") if len(piece.strip()) >= 8]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- a reader's way through the archive -------------------------------------------------------


def test_search_page_through_read_an_article_its_issue_and_its_original_file(
    browser: WebDriver, app: WebApp, archive
) -> None:
    _, files = archive
    browser.get(app.url + "/")
    assert_page_is_sound(browser)

    ask(browser, QUESTION)
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUESTION  # the box keeps the question
    first = hits_on_page(browser)
    assert len(first) >= 2, "the question should be answered by several articles"
    assert_hits_are_cited(first)
    assert page_number(browser) == 1
    assert not browser.find_elements(By.CSS_SELECTOR, "nav.pager a[rel='prev']")

    go(browser, browser.find_element(By.CSS_SELECTOR, "nav.pager a[rel='next']"), "/ask")
    assert page_number(browser) == 2
    second = hits_on_page(browser)
    assert second, "the next page holds more hits"
    assert_hits_are_cited(second)
    assert not {h["href"] for h in first} & {h["href"] for h in second}, "page 2 repeats an article of page 1"
    previous = browser.find_element(By.CSS_SELECTOR, "nav.pager a[rel='prev']")
    assert page_number_of(previous) == 1

    hit = second[0]
    go(browser, browser.find_element(By.CSS_SELECTOR, "ol.hits > li.hit h2.hit-title a"), r"/articles/\d+")
    assert urlsplit(browser.current_url).path == hit["href"]
    article = browser.find_element(By.TAG_NAME, "article")
    assert article.find_element(By.TAG_NAME, "h1").text.strip() == hit["title"]
    body = squeeze(article.text)
    for piece in quoted_pieces(hit["excerpt"]):
        assert squeeze(piece) in body, f"the excerpt's words {piece!r} are not in the article"
    citation = browser.find_element(By.CSS_SELECTOR, "p.citation#citation").text.strip()
    total = int(re.fullmatch(r"/issues/(\d+)", hit["issue"])[1])
    assert BULLETIN in citation and f"总第{total}期" in citation
    assert browser.find_element(By.ID, "copy-citation").get_attribute("type") == "button"

    go(browser, browser.find_element(By.CSS_SELECTOR, "article a.issue-link"), rf"/issues/{total}")
    assert f"总第{total}期" in browser.find_element(By.TAG_NAME, "h1").text
    listed = [urlsplit(a.get_attribute("href")).path for a in browser.find_elements(By.CSS_SELECTOR, "ol.articles a")]
    assert hit["href"] in listed, "the issue lists the article we came from"
    assert browser.find_elements(By.CSS_SELECTOR, "nav.issue-nav a[rel='prev'], nav.issue-nav a[rel='next']")

    original = browser.find_element(By.CSS_SELECTOR, "a.original")
    href = original.get_attribute("href")
    assert urlsplit(href).path == f"/issues/{total}/original"
    assert original.text.strip()
    with urllib.request.urlopen(href, timeout=30) as response:
        assert response.status == 200
        disposition = response.headers["Content-Disposition"] or ""
        data = response.read()
    assert disposition.startswith("attachment"), disposition
    assert "filename" in disposition
    assert data == files[total].path.read_bytes(), "the original file is not the one ingested"


def page_number_of(link: WebElement) -> int:
    return int(parse_qs(urlsplit(link.get_attribute("href")).query).get("page", ["1"])[0])


def test_the_citation_is_copied_with_the_keyboard(browser: WebDriver, app: WebApp) -> None:
    browser.get(app.url + "/ask?q=" + urllib.request.quote(QUESTION))
    assert_page_is_sound(browser)
    go(browser, browser.find_element(By.CSS_SELECTOR, "ol.hits > li.hit h2.hit-title a"), r"/articles/\d+")
    citation = browser.find_element(By.ID, "citation").text.strip()
    button = browser.find_element(By.ID, "copy-citation")
    assert button.is_displayed()
    # Reached by Tab like any control (no tabindex trickery), then pressed with Enter.
    assert (button.get_attribute("tabindex") or "0") != "-1"
    browser.execute_script("arguments[0].focus()", button)
    assert browser.switch_to.active_element == button
    button.send_keys(Keys.ENTER)
    copied = WebDriverWait(browser, WAIT).until(
        lambda d: d.execute_async_script(
            "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(''))"
        )
    )
    assert copied.strip() == citation
    # The GB/T 7714 line has its own button, which copies that line and no other.
    reference = browser.find_element(By.ID, "citation-gbt7714").text.strip()
    assert "[J]. " in reference and reference != citation
    gbt_button = browser.find_element(By.ID, "copy-gbt7714")
    browser.execute_script("arguments[0].focus()", gbt_button)
    gbt_button.send_keys(Keys.ENTER)
    copied = WebDriverWait(browser, WAIT).until(
        lambda d: (
            d.execute_async_script(
                "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(''))"
            )
            == reference
        )
    )
    assert browser.find_element(By.ID, "copy-status-gbt7714").text
    assert console_errors(browser) == []


def test_a_question_full_of_markup_is_shown_as_text(browser: WebDriver, app: WebApp) -> None:
    browser.get(app.url + "/")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>丰台区'
    ask(browser, hostile)
    with pytest.raises(NoAlertPresentException):  # no script of the question ran
        _ = browser.switch_to.alert
    assert browser.find_element(By.ID, "q").get_attribute("value") == hostile
    assert not browser.find_elements(By.CSS_SELECTOR, "img[src='x']")
    assert hostile in browser.find_element(By.TAG_NAME, "body").text or hostile in browser.title


def test_a_very_long_question_gets_a_readable_page(browser: WebDriver, app: WebApp) -> None:
    browser.get(app.url + "/ask?q=" + urllib.request.quote("文明" * 2500))
    assert_page_is_sound(browser, refused=True)  # refused, and the page still fits the screen
    notice = browser.find_element(By.CSS_SELECTOR, "main").text
    assert "5000" in notice and "太长" in notice, notice[:200]  # says why: the length, and to shorten it


def test_a_year_lists_its_issues(browser: WebDriver, app: WebApp, archive) -> None:
    _, files = archive
    browser.get(app.url + "/years/2022")
    assert_page_is_sound(browser)
    links = {urlsplit(a.get_attribute("href")).path for a in browser.find_elements(By.CSS_SELECTOR, "main a")}
    issues = {int(m[1]) for link in links if (m := re.fullmatch(r"/issues/(\d+)", link))}
    assert issues == {total for total, file in files.items() if file.year == 2022}  # 2195 … 2219


def test_an_article_reads_without_javascript(browser_without_js: WebDriver, app: WebApp) -> None:
    driver = browser_without_js
    driver.get(app.url + "/")
    assert_page_is_sound(driver)
    ask(driver, QUESTION)  # the form is a plain GET: Enter works without script
    hits = hits_on_page(driver)
    assert hits
    assert_hits_are_cited(hits)
    go(driver, driver.find_element(By.CSS_SELECTOR, "ol.hits > li.hit h2.hit-title a"), r"/articles/\d+")
    article = driver.find_element(By.TAG_NAME, "article")
    assert article.find_element(By.TAG_NAME, "h1").text.strip() == hits[0]["title"]
    assert len(squeeze(article.text)) > 200, "the article's text is on the page"
    citation = driver.find_element(By.ID, "citation")
    assert citation.is_displayed() and BULLETIN in citation.text
    go(driver, article.find_element(By.CSS_SELECTOR, "a.issue-link"), r"/issues/\d+")
    assert driver.find_elements(By.CSS_SELECTOR, "ol.articles a")


def test_a_topics_chart_fits_the_screen_and_its_bars_open_the_years_answers(browser: WebDriver, app: WebApp) -> None:
    browser.get(app.url + "/trends?q=" + urllib.request.quote("垃圾分类"))
    assert_page_is_sound(browser)  # no console error: the SVG keeps to the Content-Security-Policy
    chart = browser.find_element(By.CSS_SELECTOR, "figure.trend-chart svg")
    assert chart.size["width"] <= browser.width and chart.size["height"] > 100
    rows = browser.find_elements(By.CSS_SELECTOR, "table.trend-table tbody tr")
    bars = browser.find_elements(By.CSS_SELECTOR, "figure.trend-chart svg .bar")
    assert len(bars) == len(rows) > 1
    links = browser.find_elements(By.CSS_SELECTOR, "figure.trend-chart svg a.bar")
    year = links[0].get_attribute("aria-label")[:4]
    links[0].click()
    WebDriverWait(browser, WAIT).until(lambda d: urlsplit(d.current_url).path == "/ask")
    assert_page_is_sound(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "ol.hits > li.hit"), f"no hits for {year}"
    assert f"{year}年" in browser.find_element(By.TAG_NAME, "h1").text


# --- accessibility ----------------------------------------------------------------------------

# One page of each type a reader meets: home, answers with their facets, a narrowed list, a
# topic's trend, an issue, an article, a year, and an error page.
PAGE_TYPES = {
    "home": "/",
    "answers": "/ask?q=" + QUESTION,
    "narrowed answers": "/ask?q=" + QUESTION + "&year=2022",
    "trend": "/trends?q=志愿服务",
    "issue": "/issues/2202",
    "article": None,  # the first hit's, found below
    "year": "/years/2022",
    "years": "/years",
    "error": "/issues/99999",
}


def test_every_page_type_has_no_serious_or_critical_accessibility_violation(browser: WebDriver, app: WebApp) -> None:
    """axe-core, shipped in its wrapper's wheel, run in each page: any violation of serious or
    critical impact fails, named with the elements it was found on."""
    from axe_core_python.selenium import Axe

    found = []
    for kind, path in PAGE_TYPES.items():
        if path is None:
            browser.get(app.url + PAGE_TYPES["answers"])
            path = urlsplit(browser.find_element(By.CSS_SELECTOR, ".hit-title a").get_attribute("href")).path
        browser.get(app.url + path)
        WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
        results = Axe().run(browser)
        found += [
            f"{kind} ({path}): {v['id']} [{v['impact']}] {v['help']}: "
            + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert results["passes"], f"axe checked nothing on {path}"
    assert not found, f"at {browser.width}px:\n" + "\n".join(found)

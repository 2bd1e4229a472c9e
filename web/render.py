"""Pages from Jinja2 templates: one autoescaping environment per app, every template compiled
once at start-up, and the sentences of replies.messages for the words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from replies import browse_text, messages
from replies.citations import gbt7714
from replies.conversation import MAX_PAGES, PER_PAGE, AnswerPage, Notice
from replies.emphasis import emphasise
from retrieval.archive import MAX_QUESTION_CHARS
from retrieval.models import Facets, Match, SourceFile

from . import text
from .address import SiteAddress, site_path
from .assets import Assets

TEMPLATES = Path(__file__).resolve().parent / "templates"


def highlight(excerpt: str, marks: tuple[tuple[int, int], ...], answer: tuple[int, int] | None = None) -> Markup:
    """The excerpt escaped, the question's terms in <mark>, the sentence that answers in
    <strong class="answer">. The bot's emphasis escapes every piece (with `<` always as &lt;), so
    its only literal tags are these."""
    return Markup(
        emphasise(excerpt, marks, answer, term=("<mark>", "</mark>"), sentence=('<strong class="answer">', "</strong>"))
        if answer is not None
        else emphasise(excerpt, marks, sentence=("<mark>", "</mark>"))
    )


def original_details(file: SourceFile) -> str:
    """PDF，12 页，其中 OCR 12 页，1.2 MB: what a reader wants to know before downloading."""
    size = f"{file.size / 1024 / 1024:.1f} MB" if file.size >= 1024 * 1024 else f"{max(1, round(file.size / 1024))} KB"
    return "，".join([*messages.file_parts(file.format, file.pages, file.ocr_pages), size])


def ask_url(question: str, page: int = 1, year: int | None = None, source: str | None = None) -> str:
    """/ask?q=… (and the year or office it is narrowed to, and &page=N past the first)."""
    query = {"q": question}
    query |= {"year": str(year)} if year is not None else {}
    query |= {"source": source} if source else {}
    query |= {"page": str(page)} if page > 1 else {}
    return "/ask?" + urlencode(query)


def export_url(question: str, year: int | None = None, source: str | None = None) -> str:
    """/export.docx?q=…: the answer as a Word file, narrowed as the answer page is."""
    query = {"q": question} | ({"year": str(year)} if year is not None else {}) | ({"source": source} if source else {})
    return "/export.docx?" + urlencode(query)


def environment(root: str = "", asset: Callable[[str], str] | None = None) -> jinja2.Environment:
    """`root` is the path the site lives under ("" or "/archive"), put before every link;
    `asset` gives a static file's path by its name ("site.css")."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlight"] = highlight
    env.filters["original_details"] = original_details
    env.globals.update(
        text=text,
        messages=messages,
        browse=browse_text,
        ask_url=ask_url,
        export_url=export_url,
        gbt7714=gbt7714,
        root=root,
        asset=lambda name: root + (asset(name) if asset else f"/static/{name}"),
        MAX_QUESTION_CHARS=MAX_QUESTION_CHARS,
    )
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compiled now, not on a first request
    return env


class Pages:
    """Renders the site's templates into responses. With an address (--base-url), canonical links
    are built from it; without one, from the request's Host as Starlette validates it."""

    def __init__(self, assets: Assets, address: SiteAddress | None = None) -> None:
        self.address = address
        self.env = environment(address.prefix if address else "", assets.url)

    def link(self, path: str) -> str:
        """Where a redirect sends a reader: with an address, the absolute URL on it; without one,
        the path alone, which the browser resolves against the address it asked for."""
        return self.address.url(path) if self.address is not None else path

    def absolute_url(self, request: Request, path: str) -> str:
        """The canonical address of a path (with its query) on this site."""
        if self.address is not None:
            return self.address.url(path)
        return str(request.base_url).rstrip("/") + path

    def render(
        self,
        request: Request,
        template: str,
        *,
        title: str | None,
        status: int = 200,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        q: str = "",
        **context: Any,
    ) -> HTMLResponse:
        """`title` None is the home page's; `path` is the canonical path (the request's by default)."""
        canonical = self.absolute_url(request, path if path is not None else quote(site_path(request.scope)))
        body = self.env.get_template(template).render(title=title, canonical=canonical, q=q, **context)
        return HTMLResponse(body, status_code=status, headers=headers)

    def notice(self, request: Request, status: int, message: str, **context: Any) -> HTMLResponse:
        """An error or notice page: its status's heading and one sentence."""
        title = text.ERROR_TITLES.get(status) or text.ERROR_TITLES[400]
        return self.render(request, "notice.html", title=title, status=status, message=message, **context)


# Offices listed on the answer page, most articles first; /api/ask carries them all.
SHOWN_SOURCES = 12


@dataclass(frozen=True)
class FacetLink:
    label: str
    href: str
    current: bool


def facet_links(question: str, facets: Facets | None, year: int | None, source: str | None) -> dict[str, Any] | None:
    """The facets as links that narrow the list (the chosen one marked), built once per page: a
    question matching hundreds of offices would otherwise cost a URL per office in the template."""
    if facets is None or not facets.hits:
        return None
    base = urlencode({"q": question})
    keep_source = "&" + urlencode({"source": source}) if source else ""
    keep_year = f"&year={year}" if year is not None else ""
    years = [
        FacetLink(text.FACET_COUNT.format(label=f"{y}年", count=n), f"/ask?{base}&year={y}{keep_source}", y == year)
        for y, n in facets.years
    ]
    sources = [
        FacetLink(
            text.FACET_COUNT.format(label=s, count=n), f"/ask?{base}{keep_year}&{urlencode({'source': s})}", s == source
        )
        for s, n in facets.sources[:SHOWN_SOURCES]
    ]
    return {"hits": facets.hits, "years": years, "sources": sources, "more_sources": len(facets.sources) - len(sources)}


def capped(facets: Facets | None, page: int, more: bool) -> str | None:
    """On the last page the list pages to, what its facets still hold beyond it."""
    shown = MAX_PAGES * PER_PAGE
    if page < MAX_PAGES or not more or facets is None or facets.hits <= shown:
        return None
    return text.PAGES_CAPPED.format(shown=shown, rest=facets.hits - shown)


def answer_context(
    reply: AnswerPage | Notice, page: int, year: int | None = None, source: str | None = None
) -> dict[str, Any]:
    """What the answer page shows: the bot's heading and hits, or its notice; pager links; the
    list's facets and the narrowing chosen, which every link keeps."""
    narrowing = {"year": year, "source": source}
    narrowed = messages.narrowed_label(year, source)
    if isinstance(reply, Notice):  # a greeting: the bot's help names Telegram's commands, the site says what it does
        return {
            "hits": (),
            "heading": None,
            "related": False,
            "notice": text.HOME_INTRO,
            "first": 1,
            "previous": None,
            "next": None,
            "facets": None,
            "capped": None,
            "narrowing": narrowing,
            "narrowed": narrowed,
        }
    answer = reply.answer
    first = reply.first_number
    return {
        "facets": facet_links(answer.question, answer.facets, year, source),
        "narrowing": narrowing,
        "narrowed": narrowed,
        "hits": answer.hits,
        "heading": messages.answer_heading(answer, first) if answer.hits else None,
        "related": answer.match is Match.RELATED,
        "notice": None if answer.hits else messages.no_hits(answer, first, text.HINTS),
        "first": first,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if reply.has_more and page < MAX_PAGES else None,
        "capped": capped(answer.facets, page, answer.more),
    }

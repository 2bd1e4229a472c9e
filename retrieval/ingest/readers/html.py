"""Web pages (.html saved from a government site): the bulletin out of the page's chrome.

trafilatura finds the content block; its XML body is walked into one paragraph per line
(line breaks inside a paragraph split it, a data table gives one line per row). Then a
deterministic filter drops the boilerplate lines Chinese government sites repeat on every
page (breadcrumbs, share bars, print/close buttons, related links, ICP footers), and the
masthead is put back when the site set it in the page's title area, outside the content
block: trafilatura leaves that area out, and the parser needs 报头, 期号, 总期号 and date.

The page is decoded and parsed in html_tree.py, and trafilatura is handed the parsed tree, never
a URL: it fetches nothing. The boilerplate filter and the masthead are in html_chrome.py.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from ...errors import UnreadableFile
from ..decode import ensure_size
from .document import Document, Progress
from .docx import is_layout_table, row_line, tidy_line
from .html_chrome import drop_boilerplate, restore_masthead
from .html_tree import decode_html, parse_page

if TYPE_CHECKING:
    from trafilatura.settings import Document as Extracted

logger = logging.getLogger(__name__)

NO_TEXT = "网页里没有正文文字（可能是由脚本加载的页面）；请在浏览器中打开简报后另存为 PDF 再导入。"

# Tags of trafilatura's XML body that hold blocks rather than text.
_XML_CONTAINERS = {"list", "quote", "div", "section", "body", "main"}
_XML_BLOCKS = _XML_CONTAINERS | {"p", "head", "table"}
# HTML tags that start a new line when a page is read without trafilatura.
_HTML_BLOCKS = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th",
    "table", "tbody", "thead", "tfoot", "section", "article", "header", "footer", "nav", "aside", "main",
    "blockquote", "pre", "center", "address", "hr", "form", "figure", "figcaption",
}  # fmt: skip
_HTML_SKIPPED = {"script", "style", "noscript", "template", "select", "option", "button", "iframe", "textarea", "head"}


def read(data: bytes, progress: Progress | None = None) -> Document:
    """Read a saved web page; raise UnreadableFile when it holds no text."""
    ensure_size(len(data))
    root = parse_page(decode_html(data), len(data))
    if root is None:
        raise UnreadableFile(NO_TEXT)
    page = drop_boilerplate(page_lines(root))
    lines = drop_boilerplate(_content_lines(root)) or page
    lines = restore_masthead(lines, page, _head_title(root))
    if not lines:
        raise UnreadableFile(NO_TEXT)
    if progress is not None:
        progress(1, 1, False)
    return Document(text="\n".join(lines) + "\n", format="html")


# --- the content block --------------------------------------------------------


def _content_lines(root) -> list[str]:
    """The content block as lines, by trafilatura; empty when it finds none."""
    import trafilatura

    # A Document (or None): the union it is typed as includes a dict only for as_dict=True.
    extracted = cast(
        "Extracted | None",
        trafilatura.bare_extraction(
            root,
            output_format="python",
            favor_recall=True,  # a bulletin is all content: keep short lines such as the masthead
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=False,
            deduplicate=False,  # an issue may repeat a sentence; keep it
            with_metadata=False,
        ),
    )
    if extracted is None or extracted.body is None:
        logger.info("trafilatura found no content block; reading the whole page")
        return []
    return _tidy(xml_lines(extracted.body))


def xml_lines(element) -> list[str]:
    """Lines of trafilatura's XML body: each p/head/item a line, lb a line break, tables by row."""
    lines = (element.text or "").split("\n")
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            lines.extend(_table_lines(child))
        elif tag in _XML_CONTAINERS or any(grand.tag in _XML_BLOCKS for grand in child):
            lines.extend(xml_lines(child))
        elif tag:
            lines.extend(_inline_text(child).split("\n"))
        lines.extend((child.tail or "").split("\n"))
    return lines


def _inline_text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _table_lines(table) -> list[str]:
    rows = []
    for row in table.findall("row"):  # a nested table's rows are its cell's lines
        cells = [_tidy(_cell_lines(cell)) for cell in row.findall("cell")]
        cells = [cell for cell in cells if cell]
        if cells:
            rows.append(cells)
    if is_layout_table([["\n".join(cell) for cell in row] for row in rows]):
        return [line for row in rows for cell in row for line in cell]
    return [row_line(" ".join(cell) for cell in row) for row in rows]


def _cell_lines(cell) -> list[str]:
    if any(child.tag in _XML_BLOCKS for child in cell):
        return xml_lines(cell)
    return _inline_text(cell).split("\n")


def _tidy(lines: list[str]) -> list[str]:
    return [line for line in (tidy_line(raw) for raw in lines) if line]


# --- the whole page, without trafilatura --------------------------------------


def page_lines(root) -> list[str]:
    """Every visible text line of the page's body in document order, a block element per line."""
    parts: list[str] = []
    body = root.find("body")
    _walk(body if body is not None else root, parts)
    return _tidy("".join(parts).split("\n"))


def _walk(element, parts: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else None
    if tag is None or tag in _HTML_SKIPPED:
        return
    block = tag in _HTML_BLOCKS
    if block:
        parts.append("\n")
    parts.append(element.text or "")
    for child in element:
        _walk(child, parts)
        parts.append(child.tail or "")
    if block:
        parts.append("\n")


def _head_title(root) -> str:
    title = root.find(".//title")
    return (title.text_content() if title is not None else "").strip()

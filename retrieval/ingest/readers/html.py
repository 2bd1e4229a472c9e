"""Web pages (.html saved from a government site): the bulletin out of the page's chrome.

trafilatura finds the content block; its XML body is walked into one paragraph per line
(line breaks inside a paragraph split it, a data table gives one line per row). Then a
deterministic filter drops the boilerplate lines Chinese government sites repeat on every
page (breadcrumbs, share bars, print/close buttons, related links, ICP footers), and the
masthead is put back when the site set it in the page's title area, outside the content
block: trafilatura leaves that area out, and the parser needs 报头, 期号, 总期号 and date.

The page is decoded and parsed here, and trafilatura is handed the parsed tree, never a URL:
it fetches nothing.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from ...errors import ContentTooLarge, UnreadableFile
from ...models import BULLETIN_TITLE
from ..decode import ensure_size
from .document import Document, Progress
from .docx import is_layout_table, row_line, tidy_line

logger = logging.getLogger(__name__)

HEAD_BYTES = 4096
"""How far into the file a charset declaration is looked for."""
HEADER_SCAN_LINES = 12
"""The parser looks for the masthead in this many non-empty lines."""
MAX_BROKEN_CHARS = 8
MAX_BROKEN_SHARE = 0.005
"""A page may hold this many undecodable characters (or this share of its text) and still be read."""
MASTHEAD_LINE_CHARS = 40
LINK_LINE_CHARS = 60
"""A line in a related-links list is a title: short, and no sentence."""
MAX_ELEMENTS = 100_000
"""The sample bulletin's page has 106 elements, a government site's page 1,000–3,000 with its menus
and links; a page at this many takes about 8 s and 260 MB to ingest (measured), so parsing stops here."""
MAX_TEXT_CHARS = 1_000_000
"""Characters of text: an issue has 2,000–30,000 (the samples about 3,000) and a site's chrome
a few thousand more; the text goes on to be parsed and indexed, whose cost grows with it."""
FEED_CHARS = 64 * 1024
"""The parser is fed this much at a time, and its elements and text are counted in between."""

NO_TEXT = "网页里没有正文文字（可能是由脚本加载的页面）；请在浏览器中打开简报后另存为 PDF 再导入。"

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "csgb2312", "iso-ir-58", "chinese"}
_WESTERN = {"iso8859-1", "ascii", "cp1252"}  # codecs.lookup names of Latin-1, ASCII and Windows-1252
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# --- boilerplate ------------------------------------------------------------

_BOILERPLATE = re.compile(
    "|".join(
        [
            r"^(您|你)?(当前|现在)?(的)?(所在)?(位置)\s*[:：]",  # 您当前的位置：首页 > …
            r"^(网站)?首页\s*[>＞»›/|｜·]",  # breadcrumbs and navigation bars
            r"[>＞»›]\s*(正文|详情|内容)$",
            r"^分享到\s*[:：]?",
            r"ICP\s*[备证]",
            r"公网安备",
            r"网站标识码",
            r"版权所有",
            r"^(主办|承办|协办)(单位)?\s*[:：]",
            r"^技术支持\s*[:：]",
            r"^(Copyright|©)",
            r"^(上一篇|下一篇|上一条|下一条)\s*[:：]",
            r"^(发布时间|发布日期|来源|浏览次数|点击数|阅读次数|访问量)\s*[:：]",
            r"^(扫一扫|手机扫码|用微信扫描)",
        ]
    ),
    re.I,
)
# Lines made only of these tokens are button bars or share bars: 【打印】【关闭】, 微信 微博 …
_BAR_TOKEN = re.compile(
    r"打印本页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏本页|收藏|我要纠错|纠错|保存|"
    r"字[号体]\s*[:：]?|[大中小]|默认|"
    r"微信|朋友圈|微博|新浪微博|腾讯微博|QQ空间|QQ好友|QQ|人民微博|豆瓣|"
    r"关于我们|网站地图|联系我们|网站声明|隐私声明|使用帮助|无障碍|长者模式|"
    r"[【】\[\]()（）|｜/·•:：\s]",
    re.I,
)
_LINKS_HEADING = re.compile(r"^(相关链接|相关新闻|相关文章|相关阅读|相关推荐|相关文件|延伸阅读|推荐阅读|热点推荐|猜你喜欢)\s*[:：]?$")
_FOOTER_FIELD = re.compile(r"^(责编|责任编辑|核稿|电话|传真|邮箱|电子邮箱|报|送|发)\s*[:：]")
_SENTENCE_MARK = re.compile(r"[。！？!?；;]")

# --- masthead -----------------------------------------------------------------

_TOTAL = re.compile(r"总第\d+期")
_NUMBER = re.compile(r"(?<!总)第\d+期")
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|[〇零○Ｏ一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日")
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜—–]\s*|\s+-\s+")

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
    root = _parse(decode_html(data), len(data))
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


# --- bytes -> tree ------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """Decode by BOM, then the declared charset, then UTF-8, then GB18030 (which gb2312 and gbk
    pages really are: their authors type characters outside the declared set). Raises nothing
    but UnreadableFile, whatever the page declares."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    head = data[:HEAD_BYTES]
    if b"\x00" in head:  # UTF-16 saved without a BOM: every ASCII character has a zero byte beside it
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            logger.debug("page with zero bytes does not decode as %s", encoding)
    candidates = _candidate_encodings(head)
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeError:  # UnicodeDecodeError, or a codec that decodes nothing strictly (idna)
            logger.debug("page does not decode as %s", encoding)
    return _decode_damaged(data, candidates)


def _decode_damaged(data: bytes, candidates: list[str]) -> str:
    """A page with a few broken bytes (a download cut mid-character, a stray byte) is read in
    the encoding that breaks least; a page that breaks everywhere is no text."""
    decoded = []
    for encoding in candidates:
        try:
            decoded.append(data.decode(encoding, errors="replace"))
        except UnicodeError:  # a codec without error handling (idna) fails on any bad byte
            continue
    best = min(decoded, key=lambda text: text.count("\ufffd"))
    broken = best.count("\ufffd")
    if broken > max(MAX_BROKEN_CHARS, len(best) * MAX_BROKEN_SHARE):
        raise UnreadableFile("无法识别网页的编码；请在浏览器中打开后另存为 PDF 再导入。")
    logger.warning("page read with %d undecodable bytes replaced", broken)
    return best


def _candidate_encodings(head: bytes) -> list[str]:
    found = _XML_ENCODING.search(head) or _CHARSET.search(head)
    declared = _codec(found.group(1).decode("ascii").lower()) if found else None
    order = ["utf-8", "gb18030"]
    if declared in _WESTERN:
        return order + [declared]  # Chinese pages mislabelled as Latin-1 are common
    return [declared, *order] if declared and declared not in order else order


def _codec(label: str) -> str | None:
    """The text encoding a declared charset names, or None for a name that is none: unknown,
    or a codec of Python's that is no text encoding (base64, zlib, rot13, hex: str.encode
    refuses those with LookupError) or that refuses all text (undefined)."""
    if label in _GB:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
        "".encode(name)  # bytes.decode skips the check for empty input; str.encode does not
    except (LookupError, UnicodeError):
        logger.info("charset %r declared is no text encoding; trying UTF-8 and GB18030", label)
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # as browsers do: a page whose head has no zero bytes is not in UTF-16 or UTF-32
    return name


def _parse(text: str, size: int):
    """The page's tree (lxml.html elements, as trafilatura takes them), or None for a page with
    no document; refused with ContentTooLarge as soon as it holds more elements or text than
    any bulletin's page, before the rest is parsed."""
    import lxml.html
    from lxml import etree

    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses a str that declares its encoding
    text = _CONTROL.sub("", text)  # and one holding NUL or other C0 controls
    if not text.strip():
        return None
    parser = etree.HTMLPullParser(events=("end",))
    parser.set_element_class_lookup(lxml.html.HtmlElementClassLookup())
    counted = _Counted()
    try:
        for start in range(0, len(text), FEED_CHARS):
            parser.feed(text[start : start + FEED_CHARS])
            counted.add(parser.read_events(), size)
        root = parser.close()
        counted.add(parser.read_events(), size)
    except etree.LxmlError as error:  # "Document is empty": comments or whitespace only
        logger.info("no HTML document: %s", error)
        return None
    return root


class _Counted:
    """Elements and characters of text parsed so far, against MAX_ELEMENTS and MAX_TEXT_CHARS."""

    def __init__(self) -> None:
        self.elements = 0
        self.chars = 0

    def add(self, events, page_bytes: int) -> None:
        for _, element in events:
            self.elements += 1
            # An element's text and its children's tails are complete once it ends.
            self.chars += len(element.text or "") + sum(len(child.tail or "") for child in element)
        size = f"该网页共 {page_bytes / 1024 / 1024:.1f} MB"
        if self.elements > MAX_ELEMENTS:
            raise ContentTooLarge(
                f"网页结构过于庞大：元素超过 {MAX_ELEMENTS:,} 个上限（{size}），不像是一期简报的网页；"
                "请在浏览器中打开简报后另存为 PDF 再导入。"
            )
        if self.chars > MAX_TEXT_CHARS:
            raise ContentTooLarge(
                f"网页文字过多：超过 {MAX_TEXT_CHARS // 10000} 万字上限（{size}），不像是一期简报；"
                "请只保存简报所在的网页后再导入。"
            )


# --- the content block --------------------------------------------------------


def _content_lines(root) -> list[str]:
    """The content block as lines, by trafilatura; empty when it finds none."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
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


# --- boilerplate filter -------------------------------------------------------


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Drop the lines Chinese government sites wrap around every article: breadcrumbs, 发布时间/来源
    info lines, share and button bars, 上一篇/下一篇, ICP and copyright footers, and a related-links
    heading with the link titles under it."""
    kept: list[str] = []
    in_links = False
    for line in lines:
        if _LINKS_HEADING.match(line):
            in_links = True
            continue
        if in_links and _is_link_title(line):
            continue
        in_links = False
        if not is_boilerplate(line):
            kept.append(line)
    return kept


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    return bool(_BOILERPLATE.search(text)) or not _BAR_TOKEN.sub("", text)


def _is_link_title(line: str) -> bool:
    return len(line) <= LINK_LINE_CHARS and not _SENTENCE_MARK.search(line) and not _FOOTER_FIELD.match(line)


# --- masthead -----------------------------------------------------------------


def restore_masthead(lines: list[str], page: list[str], head_title: str = "") -> list[str]:
    """Put back the masthead lines the content block lacks: those the page shows above the
    block's first line (its title area), then the bulletin's name from the page's <title>."""
    head = [_key(line) for line in lines[:HEADER_SCAN_LINES]]
    if _masthead_complete("".join(head)):
        return lines
    start = _find(page, lines[0]) if lines else 0
    missing = [line for line in page[:start] if _is_masthead_line(line) and _key(line) not in head]
    have = "".join(head + [_key(line) for line in missing])
    if BULLETIN_TITLE not in have:
        missing[:0] = [part for part in _TITLE_SEPARATORS.split(head_title) if BULLETIN_TITLE in _key(part)][:1]
    if missing:
        logger.info("restored %d masthead lines from outside the content block", len(missing))
    return missing + lines


def _masthead_complete(text: str) -> bool:
    return BULLETIN_TITLE in text and all(p.search(text) for p in (_TOTAL, _NUMBER, _DATE))


def _is_masthead_line(line: str) -> bool:
    key = _key(line)
    if len(key) > MASTHEAD_LINE_CHARS:
        return False
    return BULLETIN_TITLE in key or any(p.search(key) for p in (_TOTAL, _NUMBER, _DATE))


def _find(page: list[str], line: str) -> int:
    """Index of the page line holding `line`, or 0 when none does: then nothing is above it."""
    key = _key(line)
    for index, candidate in enumerate(page):
        if key and key in _key(candidate):
            return index
    return 0


def _key(line: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", line))

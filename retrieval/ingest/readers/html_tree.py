"""A saved web page's bytes -> its parsed tree: the encoding found whatever the page declares,
and parsing stopped as soon as the page holds more than any bulletin's could. These checks run
before trafilatura sees the page."""

from __future__ import annotations

import codecs
import logging
import re

from ...errors import ContentTooLarge, UnreadableFile

logger = logging.getLogger(__name__)

HEAD_BYTES = 4096
"""How far into the file a charset declaration is looked for."""
MAX_BROKEN_CHARS = 8
MAX_BROKEN_SHARE = 0.005
"""A page may hold this many undecodable characters (or this share of its text) and still be read."""
MAX_ELEMENTS = 100_000
"""The sample bulletin's page has 106 elements, a government site's page 1,000–3,000 with its menus
and links; a page at this many takes about 8 s and 260 MB to ingest (measured), so parsing stops here."""
MAX_TEXT_CHARS = 1_000_000
"""Characters of text: an issue has 2,000–30,000 (the samples about 3,000) and a site's chrome
a few thousand more; the text goes on to be parsed and indexed, whose cost grows with it."""
FEED_CHARS = 64 * 1024
"""The parser is fed this much at a time, and its elements and text are counted in between."""

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "csgb2312", "iso-ir-58", "chinese"}
_WESTERN = {"iso8859-1", "ascii", "cp1252"}  # codecs.lookup names of Latin-1, ASCII and Windows-1252
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def parse_page(text: str, size: int):
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

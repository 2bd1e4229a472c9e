"""Word documents (.docx): the body's paragraphs, tables and text boxes in document order.

The ZIP's central directory is checked before anything is inflated, so a file that would
inflate to gigabytes is refused while it is still a few kilobytes; then every member is
inflated here within the size the directory declares (a member that would grow past it is
damage), and python-docx reads that copy. The text is walked
straight from the body's XML: python-docx's own paragraph and table lists skip text boxes,
content controls and tables nested in cells, and lose the order between paragraphs and tables.

The output follows the parser's layout: one paragraph per line. A masthead set in a layout
table (第N期 | 总第N期 / 发文单位 | 日期) comes out one cell per line, as the header lines a
text export has; a data table comes out one row per line, its cells joined by "，" and closed
by "。", so the parser reads each row as a sentence of its article (a short line of
space-separated cells would look like a heading to it, and it closes the spaces between
Chinese characters anyway).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from ...errors import ContentTooLarge, DamagedFile, UnreadableFile, UnsupportedFormat
from ...models import BULLETIN_TITLE
from ...text import close_wrap_spaces
from .document import Document, Progress

logger = logging.getLogger(__name__)

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_XML_BYTES = 8 * 1024 * 1024
"""The XML parts together (text, styles, numbering, headers, relationships): the sample Word
bulletin has 812 KB, 770 KB of it Word's own styles; a 12-page issue adds a few hundred KB of
text. python-docx parses each XML part it loads whole, holding about 20 times its size (42 MB
of XML took 990 MB), so 8 MB keeps an ingest under about 200 MB."""
MAX_MEMBERS = 2000
# A member is a bomb when it inflates more than MAX_RATIO times and past RATIO_FLOOR_BYTES:
# Word's own XML parts compress 10–30 times, and small parts may compress far more.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 10 * 1024 * 1024
INFLATE_CHUNK = 64 * 1024
MAIN_PART = "word/document.xml"
MASTHEAD_MAX_ROWS = 4
LAYOUT_CELL_CHARS = 60
"""A cell longer than this holds running text: its table is a layout table, not data."""

DAMAGED = "Word 文档已损坏或不完整，请重新导出后再导入。"
NO_TEXT = "Word 文档里没有文字（可能只有图片）；如果是扫描件，请导出为 PDF 后再导入。"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_V = "{urn:schemas-microsoft-com:vml}"
P, TBL, TR, TC = (_W + t for t in ("p", "tbl", "tr", "tc"))
SDT, SDT_CONTENT, CUSTOM_XML = (_W + t for t in ("sdt", "sdtContent", "customXml"))
T, TAB, PTAB, BR, CR, TXBX_CONTENT = (_W + t for t in ("t", "tab", "ptab", "br", "cr", "txbxContent"))
NO_BREAK_HYPHEN = _W + "noBreakHyphen"
FALLBACK = _MC + "Fallback"
TEXTPATH = _V + "textpath"
# Never shown as text: deleted or moved-away revisions, field codes, properties.
_SKIPPED = {_W + t for t in ("del", "moveFrom", "delText", "instrText", "pPr", "rPr", "tblPr", "trPr", "tcPr", "sdtPr")}
_SKIPPED.add(FALLBACK)  # Word writes each text box twice: DrawingML in mc:Choice, VML in mc:Fallback

_MASTHEAD = re.compile(r"总第\d+期|第\d+期|" + BULLETIN_TITLE)
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009\u200b]+")
_CLAUSE_END = "。！？!?；;，,、：:"
_SENTENCE_END = "。！？!?；;…"


def read(data: bytes, progress: Progress | None = None) -> Document:
    """Read a .docx; raise DamagedFile, UnsupportedFormat or UnreadableFile with a Chinese message."""
    with _open_zip(data) as archive:
        check_members(archive.infolist())
        check_xml_parts(archive)
        package = _inflated(archive)
    body = _load_body(package)
    lines = [line for line in (tidy_line(raw) for raw in block_lines(body)) if line]
    if not lines:
        raise UnreadableFile(NO_TEXT)
    if progress is not None:
        progress(1, 1, False)
    logger.debug("read %d lines from a Word document of %d bytes", len(lines), len(data))
    return Document(text="\n".join(lines) + "\n", format="docx")


# --- the package ----------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
        logger.info("not a readable ZIP: %r", error)
        raise DamagedFile(DAMAGED) from error


def check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse, from the central directory alone, a ZIP that is no Word document or would
    inflate absurdly. Sizes that lie are caught while inflating (see _inflated): a member
    never comes out bigger than declared."""
    names = {info.filename for info in members}
    if MAIN_PART not in names:
        raise UnsupportedFormat(_not_word_message(names))
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(f"Word 文档内部文件数异常（{len(members)} 个），可能已损坏或被篡改；请重新导出后再导入。")
    if any(info.flag_bits & 0x1 for info in members):
        raise UnreadableFile("Word 文档已加密，请去掉密码后重新保存，再导入。")
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in members):
        raise DamagedFile(DAMAGED)  # Word writes nothing else; a stray method byte is damage
    total = sum(info.file_size for info in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(
            f"Word 文档解压后有 {total / 1024 / 1024:.0f} MB，超过 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB 上限；"
            "如文中有大量图片，请删去图片或另存为 PDF 后再导入。"
        )
    for info in members:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            logger.warning("refused a DOCX: %s inflates %d -> %d", info.filename, info.compress_size, info.file_size)
            raise UnreadableFile("Word 文档中有压缩比异常的内容（疑似压缩炸弹），已拒绝读取；请重新导出后再导入。")


def check_xml_parts(archive: zipfile.ZipFile) -> None:
    """Refuse, from the central directory, a package whose XML parts add up past MAX_XML_BYTES.
    A part is XML by its content type (a part's type, not its name, decides whether python-docx
    parses it), or by its name. A part of no known type is never parsed (python-docx refuses a
    package that refers to one), so such an attachment counts only towards the package's total.
    _inflated holds every member to the size the directory declares, so the sum holds while
    inflating too."""
    members = archive.infolist()
    defaults, overrides = _content_types(archive, members)
    total = 0
    for info in members:
        name = info.filename
        kind = overrides.get("/" + name.lower()) or defaults.get(name.rpartition(".")[2].lower(), "")
        if kind.endswith("xml") or name.lower().endswith((".xml", ".rels")):
            total += info.file_size
    if total > MAX_XML_BYTES:
        raise ContentTooLarge(
            f"Word 文档的 XML 内容（正文、样式等）解压后共 {total / 1024 / 1024:.0f} MB，"
            f"超过 {MAX_XML_BYTES // 1024 // 1024} MB 上限，不像是一期简报；请重新导出为 .docx 或 PDF 后再导入。"
        )


def _content_types(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> tuple[dict, dict]:
    """[Content_Types].xml as (extension -> type, /part name -> type), lower-cased; empty when
    missing, too large to read first, or damaged (python-docx refuses those packages later)."""
    from lxml import etree

    info = next((m for m in members if m.filename == "[Content_Types].xml"), None)
    if info is None or info.file_size > MAX_XML_BYTES:
        return {}, {}
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(archive.read(info), parser)
    except (etree.LxmlError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
        logger.info("unreadable [Content_Types].xml: %r", error)
        return {}, {}
    defaults, overrides = {}, {}
    for element in root:
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        kind = (element.get("ContentType") or "").lower()
        if tag == "Default":
            defaults[(element.get("Extension") or "").lower()] = kind
        elif tag == "Override":
            overrides[(element.get("PartName") or "").lower()] = kind
    return defaults, overrides


def _inflated(archive: zipfile.ZipFile) -> bytes:
    """The package again, every member inflated here a chunk at a time and stored as it is.
    Read in chunks, zipfile stops each member at the size the directory declares; read whole,
    as python-docx reads, it inflates all of a member's compressed data first, whatever size the
    directory declares. So python-docx is handed this copy, whose members cannot grow."""
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as stored:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                with archive.open(info) as member, stored.open(info.filename, "w") as copy:
                    while chunk := member.read(INFLATE_CHUNK):
                        copy.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as error:
        # ValueError: zipfile seeking to a header offset that a damaged directory puts before the file
        logger.info("a DOCX member does not inflate as its directory says: %r", error)
        raise DamagedFile(DAMAGED) from error
    return out.getvalue()


def _not_word_message(names: set[str]) -> str:
    if any(name.startswith("xl/") for name in names):
        return "这是 Excel 表格，不是 Word 文档；请把简报另存为 .docx 或 PDF 后再导入。"
    if any(name.startswith("ppt/") for name in names):
        return "这是 PowerPoint 演示文稿，不是 Word 文档；请把简报另存为 .docx 或 PDF 后再导入。"
    if "OFD.xml" in names:
        return "这是 OFD 版式文件，请另存为 PDF 后再导入。"
    return "这是压缩包，不是 Word 文档；请解压后导入其中的简报文件（.docx、PDF 或 .txt）。"


def _load_body(data: bytes):
    """The w:body element, parsed by python-docx (imported here: only Word files need it)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
    except ValueError as error:  # python-docx: a package whose main part is no Word document
        logger.info("not a Word main part: %s", error)
        raise UnsupportedFormat("这是 Word 模板或启用宏的文档，请另存为普通 .docx 后再导入。") from error
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        KeyError,
        NotImplementedError,  # zipfile: an unknown ZIP version or flag in a damaged header
        PackageNotFoundError,
        etree.XMLSyntaxError,
    ) as error:
        logger.info("damaged DOCX: %r", error)
        raise DamagedFile(DAMAGED) from error
    except (TypeError, AttributeError) as error:
        # python-docx assumes a well-formed package: a relationship without a target or a content
        # type without a name fails deep inside it as a TypeError or AttributeError.
        logger.info("damaged DOCX package: %r", error)
        raise DamagedFile(DAMAGED) from error
    return document.element.body


# --- the body's XML -> lines ----------------------------------------------


def block_lines(container) -> Iterator[str]:
    """Lines of a block container (w:body, w:tc, w:txbxContent, w:sdtContent) in document order."""
    for child in container:
        tag = child.tag
        if tag == P:
            yield from _paragraph_lines(child)
        elif tag == TBL:
            yield from _table_lines(child)
        elif tag in (SDT, CUSTOM_XML):  # content controls wrap paragraphs and tables
            content = child.find(SDT_CONTENT) if tag == SDT else child
            if content is not None:
                yield from block_lines(content)


def _paragraph_lines(paragraph) -> list[str]:
    """A paragraph's text (soft line breaks split it into lines) with the paragraphs of any text
    box anchored in it: before the text when the box is anchored at its start, else after."""
    parts: list[str] = []
    boxes: list[str] = []
    boxes_first = _collect_inline(paragraph, parts, boxes)
    own = "".join(parts).split("\n")
    return boxes + own if boxes_first else own + boxes


def _collect_inline(element, parts: list[str], boxes: list[str]) -> bool:
    """Append the element's visible text to parts and its text boxes' lines to boxes; return
    whether the first box came before any text."""
    boxes_first = False
    for child in element:
        tag = child.tag
        if tag in _SKIPPED or not isinstance(tag, str):
            continue
        if tag == T:
            parts.append(child.text or "")
        elif tag in (TAB, PTAB):
            parts.append(" ")
        elif tag in (BR, CR):
            parts.append("\n")
        elif tag == NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag == TXBX_CONTENT:
            boxes_first = boxes_first or (not boxes and not "".join(parts).strip())
            boxes.extend(block_lines(child))
        elif tag == TEXTPATH:  # legacy WordArt: the masthead title is often set this way
            boxes_first = boxes_first or (not boxes and not "".join(parts).strip())
            boxes.append(child.get("string", ""))
        else:
            boxes_first = _collect_inline(child, parts, boxes) or boxes_first
    return boxes_first


def _table_lines(table) -> list[str]:
    rows = [_row_cells(row) for row in _children(table, TR)]
    rows = [[cell for cell in row if any(line.strip() for line in cell)] for row in rows]
    rows = [row for row in rows if row]
    if is_layout_table([["\n".join(cell) for cell in row] for row in rows]):
        return [line for row in rows for cell in row for line in cell]
    return [row_line(" ".join(cell) for cell in row) for row in rows]


def _row_cells(row) -> list[list[str]]:
    return [list(block_lines(cell)) for cell in _children(row, TC)]


def _children(element, tag: str) -> Iterator:
    """Direct children with tag, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in (SDT, CUSTOM_XML):
            content = child.find(SDT_CONTENT) if child.tag == SDT else child
            if content is not None:
                yield from _children(content, tag)


# --- shared with the HTML reader ------------------------------------------


def is_layout_table(rows: list[list[str]]) -> bool:
    """A table that only places text: the masthead (期号, 总期号, date), a one-column box, or cells
    of running text. Its cells are read as lines, not as rows of data."""
    texts = [cell for row in rows for cell in row]
    joined = unicodedata.normalize("NFKC", re.sub(r"\s+", "", "".join(texts)))
    if len(rows) <= MASTHEAD_MAX_ROWS and _MASTHEAD.search(joined):
        return True
    if all(len(row) <= 1 for row in rows):
        return True
    return any("\n" in cell.strip() or len(cell) > LAYOUT_CELL_CHARS for cell in texts)


def row_line(cells: Iterable[str]) -> str:
    """One row of a data table as a sentence: cells joined by "，", closed by "。"."""
    line = ""
    for cell in (tidy_line(cell) for cell in cells):
        if not cell:
            continue
        line += cell if not line or line[-1] in _CLAUSE_END else "，" + cell
    return line if not line or line[-1] in _SENTENCE_END else line + "。"


def tidy_line(line: str) -> str:
    """Collapse runs of spaces (and the full-width indent) and drop spaces between Chinese characters."""
    return close_wrap_spaces(_SPACES.sub(" ", line).strip())

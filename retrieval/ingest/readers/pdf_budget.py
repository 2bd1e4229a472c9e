"""What a PDF would make the reader inflate and parse, counted before pdfium reads a page.

pdfium inflates streams in C, where no Python hook reaches, and keeps what it inflates while it
reads a page: a few hundred KB of deflate can hold gigabytes of page content. So pypdf walks the
objects pdfium will read first and inflates each stream under a cap, keeping only how many bytes it
held (and which forms it draws), never the bytes themselves past one stream:

- a page's content: its /Contents streams, each time listed, and the forms it draws, each time
  drawn (pdfium parses a form again at every `Do`); a page and the document have caps of their own;
- every other stream the page uses (fonts, colour profiles, annotation appearances), once per
  document, each within a cap, and all of it with the content within a total;
- images by their declared pixels: pdfium decodes them only to render a page for OCR, one scan
  line at a time, so their pixels and not their bytes measure the work.

pypdf's own limits are set for the walk through `pypdf.apply_configuration` (a context variable:
it holds for this thread only and ends with the block).
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ...errors import ContentTooLarge, DamagedFile

log = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_PAGE_CONTENT_BYTES = 8 * MB
"""A page of the sample bulletins, typeset, is drawn from at most 13 KB of content, and a page of
vector graphics from under 1 MB; pdfium holds 12–30 times the content while it parses a page
(measured), so 8 MB keeps one page under about 250 MB."""
MAX_CONTENT_BYTES = 32 * MB
"""Content of all pages: the sample bulletins have at most 41 KB, a 12-page issue of vector
graphics under 12 MB; pdfium parses content at about 2 MB a second at worst (a form drawn
many times), so this keeps a document's parse under 20 s."""
MAX_STREAM_BYTES = 64 * MB
"""Any one other stream: a complete CJK font embedded without subsetting is 10–30 MB."""
MAX_DECODED_BYTES = 256 * MB
"""Everything inflated, content and other streams together: the sample bulletins need at most
430 KB (fonts embedded as subsets), a file embedding several complete CJK fonts under 100 MB."""
MAX_IMAGE_PIXELS = 50_000_000
"""One image: an A4 page scanned at 600 dpi is 35 million pixels (and pdfium renders pages for
OCR at 200 dpi, 4 million)."""
MAX_FORM_DEPTH = 12
"""Forms drawn inside forms: real files nest two or three deep."""

_CHUNK = 64 * 1024
# `/Name Do`: a page or form draws the XObject it names.
_DRAW = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![^\s/\[\]()<>{}%])")
# Keys that lead away from the page (back to the tree, to other pages, to actions).
_AWAY = frozenset(("/Parent", "/P", "/Popup", "/IRT", "/Dest", "/A", "/AA", "/Next", "/Prev", "/First", "/Last"))
_IMAGE_FILTERS = frozenset(("/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"))


def check(data: bytes) -> None:
    """Raise ContentTooLarge when reading the PDF would inflate or parse past a cap, DamagedFile when
    its objects cannot be walked at all. Run after pdfium has opened it (encryption, page count)."""
    import pypdf
    from pypdf.errors import PyPdfError

    with pypdf.apply_configuration(jbig2dec_binary=None, disable_legacy_handling=True, **_limits(MAX_STREAM_BYTES)):
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            _Walk(reader).pages()
        except ContentTooLarge:
            raise
        except (PyPdfError, ValueError, LookupError, TypeError, AttributeError, ArithmeticError, AssertionError,
                RecursionError, zlib.error) as error:  # fmt: skip
            # pypdf on a damaged file: these are what its parsing code raises (AssertionError: its type checks)
            log.info("PDF objects cannot be walked: %r", error)
            raise DamagedFile("PDF 文件结构已损坏，无法检查其内容：请重新导出或下载后再导入。") from None


# pypdf's output caps per filter (and for the structures it reads itself: object streams, xref).
_PYPDF_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "jbig2_maximum_output_length",
    "brotli_maximum_output_length",
    "image_maximum_buffer_size",
)


@dataclass
class _Stream:
    size: int
    """Bytes it inflates to (past the cap it was read under: the cap plus one)."""
    draws: Counter = field(default_factory=Counter)
    """Names of the XObjects its content draws, and how often."""


class _Walk:
    def __init__(self, reader) -> None:
        self.reader = reader
        self.content = 0
        self.decoded = 0
        self.seen: set = set()
        """Streams other than content counted already (once per document)."""
        self.known: dict = {}

    def pages(self) -> None:
        self._object_streams()
        for number, page in enumerate(self.reader.pages, 1):
            resources = _resolve(page.get("/Resources"))
            resources = resources if isinstance(resources, dict) else {}
            drawn = 0
            contents = _resolve(page.get("/Contents"))
            for ref in contents if isinstance(contents, list) else [page.get("/Contents")]:
                drawn += self._draw(ref, resources, 1, number, (), drawn)
            drawn += self._others(page.get("/Annots"), number, drawn, forms=True)
            drawn += self._others(resources, number, drawn, forms=False)
            self.content += drawn
            if self.content > MAX_CONTENT_BYTES:
                raise ContentTooLarge(
                    f"PDF 前 {number} 页的页面内容解压后共 {_mb(self.content)}，超过 {_mb(MAX_CONTENT_BYTES)} 上限，"
                    "不像是一期简报；请重新导出 PDF（或拆分后逐期导入）。"
                )
            self._add(drawn)

    def _object_streams(self) -> None:
        """pypdf inflates the object streams that hold the objects below; pdfium will too."""
        for number in {stream for stream, _ in self.reader.xref_objStm.values()}:
            stream = self.reader.get_object(number)
            if hasattr(stream, "_data"):
                self._add(self._read(stream, MAX_STREAM_BYTES, "PDF 的对象流（存放对象的数据流）").size)

    def _draw(self, ref, resources, times: int, page: int, stack: tuple, drawn: int) -> int:
        """Bytes pdfium parses drawing a content stream `times` times: the stream itself and the
        forms it draws, each time drawn. A form drawn inside itself is skipped, as pdfium does."""
        stream = _resolve(ref)
        key = _key(ref, stream)
        if not _is_stream(stream) or key in stack or len(stack) > MAX_FORM_DEPTH:
            return 0
        read = self._read(stream, MAX_PAGE_CONTENT_BYTES, f"PDF 第 {page} 页的页面内容", drawing=True)
        total = read.size * times
        self._page_cap(drawn + total, page)
        xobjects = _resolve(resources.get("/XObject"))
        for name, count in read.draws.items():
            target = _resolve(xobjects.get("/" + name.decode("latin-1"))) if isinstance(xobjects, dict) else None
            if not _is_stream(target):
                continue
            if target.get("/Subtype") == "/Form":
                inner = _resolve(target.get("/Resources"))  # PDF 1.1 forms use the page's
                inner = inner if isinstance(inner, dict) else resources
                total += self._draw(xobjects.get("/" + name.decode("latin-1")), inner, times * count, page,
                                    (*stack, key), drawn + total)  # fmt: skip
            else:
                self._image(target, page)
        return total

    def _page_cap(self, size: int, page: int) -> None:
        if size > MAX_PAGE_CONTENT_BYTES:
            raise ContentTooLarge(
                f"PDF 第 {page} 页的页面内容解压后超过 {_mb(MAX_PAGE_CONTENT_BYTES)} 上限（至少 {_mb(size)}），"
                "不像是一期简报；请重新导出 PDF 后再导入。"
            )

    def _others(self, root, page: int, drawn: int, forms: bool) -> int:
        """Count the streams under the page's resources or annotations that are not drawn by
        `Do`, once for the document; returns the page content among them: tiling patterns, and
        with `forms` the forms met (an annotation's appearance). Forms in the resources are
        walked for their fonts only: what they draw was counted where they are drawn."""
        content = 0
        pending = [root]
        while pending:
            item = pending.pop()
            target = _resolve(item)
            key = _key(item, target)
            if key in self.seen or not isinstance(target, (dict, list)):
                continue
            self.seen.add(key)
            if _is_stream(target):
                subtype = target.get("/Subtype")
                if subtype == "/Image":
                    self._image(target, page)
                    continue
                if (forms and subtype == "/Form") or target.get("/PatternType") == 1:
                    inner = _resolve(target.get("/Resources"))
                    content += self._draw(item, inner if isinstance(inner, dict) else {}, 1, page, (), drawn + content)
                elif subtype != "/Form":
                    self._add(self._read(target, MAX_STREAM_BYTES, "PDF 中的一个数据流（字体等）").size)
            values = target.values() if isinstance(target, dict) else target
            keys = target.keys() if isinstance(target, dict) else [None] * len(target)
            pending.extend(value for name, value in zip(keys, values) if name not in _AWAY)
        return content

    def _image(self, image, page: int) -> None:
        width, height = _int(image.get("/Width")), _int(image.get("/Height"))
        if width * height > MAX_IMAGE_PIXELS:
            raise ContentTooLarge(
                f"PDF 第 {page} 页有一幅 {width}×{height} 像素的图像（{width * height / 1e6:.0f} 百万像素），"
                f"超过 {MAX_IMAGE_PIXELS / 1e6:.0f} 百万像素上限；请降低扫描分辨率（300 dpi 即可）后再导入。"
            )

    def _add(self, size: int) -> None:
        self.decoded += size
        if self.decoded > MAX_DECODED_BYTES:
            raise ContentTooLarge(
                f"PDF 的内容解压后超过 {_mb(MAX_DECODED_BYTES)} 上限（至少 {_mb(self.decoded)}），"
                "不像是一期简报；请重新导出 PDF 后再导入。"
            )

    def _read(self, stream, cap: int, what: str, drawing: bool = False) -> _Stream:
        """Inflate a stream to at most cap + 1 bytes, once; remember its size and, for content,
        what it draws."""
        key = _key(None, stream)
        if key not in self.known:
            data = _decoded(stream, cap)
            if len(data) > cap:
                raise ContentTooLarge(
                    f"{what}解压后超过 {_mb(cap)} 上限，不像是一期简报（疑似压缩炸弹）；请重新导出 PDF 后再导入。"
                )
            self.known[key] = _Stream(len(data), Counter(_DRAW.findall(data)) if drawing else Counter())
        return self.known[key]


def _decoded(stream, cap: int) -> bytes:
    """The stream's bytes after its filters, at most cap + 1 of them (more means: over the cap).
    Plain deflate, nearly every stream, is inflated here a chunk at a time and stops where the
    data breaks, as pdfium does; other filters go through pypdf under the same cap."""
    import pypdf
    from pypdf.errors import LimitReachedError, PyPdfError
    from pypdf.filters import decode_stream_data

    filters = _resolve(stream.get("/Filter"))
    filters = [_resolve(f) for f in filters] if isinstance(filters, list) else [filters] if filters else []
    raw = stream._data  # pypdf keeps the raw bytes there; decode_stream_data reads them the same way
    if not filters:
        return raw[: cap + 1]
    if any(f in _IMAGE_FILTERS for f in filters):
        return b""  # image codecs: only images use them, measured by their pixels
    if filters in (["/FlateDecode"], ["/Fl"]):
        return _inflate(raw, cap + 1)
    try:
        with pypdf.apply_configuration(**_limits(cap + 1)):
            return decode_stream_data(stream)
    except LimitReachedError:
        return bytes(cap + 1)
    except (PyPdfError, NotImplementedError, ValueError, zlib.error) as error:
        log.info("a stream that does not decode (%r) counts as empty", error)
        return b""


def _inflate(raw: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    out = bytearray()
    try:
        for start in range(0, len(raw), _CHUNK):
            out += inflater.decompress(raw[start : start + _CHUNK], limit - len(out))
            while inflater.unconsumed_tail and len(out) < limit:
                out += inflater.decompress(inflater.unconsumed_tail, limit - len(out))
            if len(out) >= limit or inflater.eof:
                break
    except zlib.error:
        pass  # damaged: what came out before the damage is what pdfium reads too
    return bytes(out)


def _resolve(item):
    return item.get_object() if hasattr(item, "get_object") else item


def _limits(cap: int) -> dict[str, Any]:
    """pypdf's output limits, each at `cap`, as overwrites for apply_configuration."""
    return dict.fromkeys(_PYPDF_LIMITS, cap)


def _is_stream(item) -> TypeGuard[dict]:
    return hasattr(item, "_data") and isinstance(item, dict)


def _key(ref, item):
    ref = getattr(item, "indirect_reference", None) or ref
    return (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(item)


def _int(value) -> int:
    value = _resolve(value)
    return int(value) if isinstance(value, (int, float)) and value > 0 else 0


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size / 1024:.0f} KB"

"""Bytes of a file -> Document. One reader per format; the format is read from the bytes.

Each reader is a module with `read(data: bytes, progress: Progress | None) -> Document`. Adding
a format is one module and one line in FORMATS. Readers are imported on first use, so a
process that never reads a PDF never loads the PDF libraries.
"""

from __future__ import annotations

import importlib
import re

from ...errors import UnsupportedFormat
from ...models import SOURCE_RANK
from .document import Document, Progress

# format -> (reader module, how a person names it); models.SOURCE_RANK says which is kept.
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "PDF"),
    "docx": ("docx", "Word"),
    "html": ("html", "网页"),
    "txt": ("txt", "文本"),
}
assert set(FORMATS) == set(SOURCE_RANK)

_HTML = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title)\b", re.I)
_OTHER = {
    b"\xd0\xcf\x11\xe0": "这是旧版 Word/WPS 文档（.doc/.wps），请另存为 .docx 或 PDF 后再导入。",
    b"\x89PNG": "这是图片，请把扫描页合成为 PDF 后再导入。",
    b"\xff\xd8\xff": "这是图片，请把扫描页合成为 PDF 后再导入。",
    b"GIF8": "这是图片，请把扫描页合成为 PDF 后再导入。",
    b"Rar!": "这是压缩包，请解压后导入其中的简报文件。",
    b"7z\xbc\xaf": "这是压缩包，请解压后导入其中的简报文件。",
    b"\x1f\x8b": "这是压缩包，请解压后导入其中的简报文件。",
    b"{\\rtf": "这是 RTF 文档，请另存为 .docx 或 PDF 后再导入。",
}


def detect_format(data: bytes) -> str:
    """The format of a file from its leading bytes; raises UnsupportedFormat for anything else."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a little junk, as PDF readers allow
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"  # the reader refuses a ZIP that holds no Word document
    for magic, message in _OTHER.items():
        if head.startswith(magic):
            raise UnsupportedFormat(message)
    if _HTML.search(head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:512].replace(b"\x00", b"")):
        return "html"
    return "txt"


def read_document(data: bytes, progress: Progress | None = None) -> Document:
    """Read a file of any supported format; raises an UnreadableFile subclass with a clear message."""
    fmt = detect_format(data)
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt][0]}")
    return module.read(data, progress)


def format_label(fmt: str) -> str:
    return FORMATS[fmt][1] if fmt in FORMATS else fmt


__all__ = ["Document", "FORMATS", "Progress", "detect_format", "format_label", "read_document"]

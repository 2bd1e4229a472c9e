"""Bytes of a text export -> text. Pure: the caller reads the file; readers.detect_format has
already sent PDF, Word and web pages to their own readers."""

from __future__ import annotations

import codecs
import re

from ..errors import UnreadableFile

MAX_BYTES = 20 * 1024 * 1024

# C0 controls other than tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FORMATS_HINT = "只能导入 PDF、Word（.docx）、网页（.html）或文本（.txt）格式的简报"


def decode_bulletin(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; LF line ends."""
    ensure_size(len(data))
    if not data.strip():
        raise UnreadableFile("文件是空的，请重新导出简报。")
    text = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise UnreadableFile(f"无法识别的文件格式（像是二进制文件）：{_FORMATS_HINT}。")
    return _CONTROL.sub("", text)


def ensure_size(size: int) -> None:
    if size > MAX_BYTES:
        raise UnreadableFile(
            f"文件过大（{size / 1024 / 1024:.0f} MB，上限 {MAX_BYTES // 1024 // 1024} MB），请确认这是一期简报的文本。"
        )


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise UnreadableFile(f"无法识别的文件格式或编码（像是二进制文件）：{_FORMATS_HINT}；文本请存为 UTF-8 或 GB18030。")

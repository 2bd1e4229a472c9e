"""Bytes of a bulletin file -> text. Pure: the caller reads the file."""

from __future__ import annotations

import codecs
import re

from .errors import UnreadableFile

MAX_BYTES = 20 * 1024 * 1024

# C0 controls other than tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAGIC = {
    b"%PDF": "PDF 文件",
    b"PK\x03\x04": "压缩包或 Word/WPS 文档",
    b"\xd0\xcf\x11\xe0": "旧版 Word/WPS 文档",
    b"\x89PNG": "图片",
    b"\xff\xd8\xff": "图片",
}


def decode_bulletin(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; LF line ends."""
    ensure_size(len(data))
    if not data.strip():
        raise UnreadableFile("文件是空的，请重新导出简报正文。")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise UnreadableFile(f"这是{kind}，不是文本；请先把简报导出为 .txt（UTF-8 或 GB18030）。")
    text = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise UnreadableFile("文件含有大量控制字符，像是二进制文件；请先把简报导出为 .txt。")
    return _CONTROL.sub("", text)


def ensure_size(size: int) -> None:
    if size > MAX_BYTES:
        raise UnreadableFile(f"文件过大（{size / 1024 / 1024:.0f} MB，上限 {MAX_BYTES // 1024 // 1024} MB），请确认这是一期简报的文本。")


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
    raise UnreadableFile("无法识别文件编码，像是二进制文件；请把简报另存为 UTF-8 或 GB18030 文本。")

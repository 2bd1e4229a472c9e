"""Names printed on one line: what a log or a report shows of a file name it did not choose."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.display import HIDDEN_CATEGORIES, printable


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("2202.pdf\n2024-05-01 INFO bot: forged", "2202.pdf\\n2024-05-01 INFO bot: forged"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x1b[2K\x1b[31m红色.pdf", "\\x1b[2K\\x1b[31m红色.pdf"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),  # NUL, DEL, C1's NEL and CSI
        ("简报\u202efdp.exe", "简报\\u202efdp.exe"),  # shown as 简报exe.pdf without the escape
        ("\u2066隔离\u2069\u200f\u061c", "\\u2066隔离\\u2069\\u200f\\u061c"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("\udcff坏字节.txt", "\\udcff坏字节.txt"),  # an undecodable byte of a name on disk
    ],
)
def test_hidden_characters_are_escaped_as_repr_writes_them(name: str, shown: str) -> None:
    assert printable(name) == shown


@pytest.mark.parametrize(
    "name",
    [
        "首都精神文明建设情况简报（总第2202期）.pdf",
        "简报\u3000定稿 v2.docx",
        "C:\\简报\\2202.txt",
        "😀 report.html",
        "",
    ],
)
def test_ordinary_names_are_kept_exactly(name: str) -> None:
    assert printable(name) == name


def hidden(char: str) -> bool:
    return unicodedata.category(char) in HIDDEN_CATEGORIES


@given(st.text())
def test_any_name_prints_as_one_line_keeping_what_is_visible_in_order(name: str) -> None:
    shown = printable(name)
    assert len(shown.splitlines()) <= 1
    assert not [c for c in shown if hidden(c)]
    shown.encode("utf-8")  # a lone surrogate would not encode
    rest = iter(shown)
    assert all(c in rest for c in name if not hidden(c)), "every visible character, in order"
    if not [c for c in name if hidden(c)]:
        assert shown == name

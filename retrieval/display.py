"""Names from outside (an uploaded file's name, a path on disk) made safe to print on one line."""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls (C0, DEL and C1: CR, LF, ESC …), format characters (bidi overrides such as U+202E,
zero-width ones), lone surrogates (undecodable bytes of a file name) and the line and paragraph
separators: what can end a line, move the cursor, colour a terminal or reorder text."""


def printable(name: str) -> str:
    """name with every hidden character escaped as Python's repr writes it (`\\n`, `\\r`, `\\t`,
    `\\x1b`, `\\u202e`), so one name is one line in a log or a report and cannot forge another
    line, nor make its text read differently from what it holds.

    Everything else is kept as it is, Chinese, full-width spaces and backslashes included: the
    escapes are for reading, not for parsing back.
    """
    if name.isprintable():  # the common case: nothing to escape (isprintable is stricter still)
        return name
    return "".join(_escape(char) if unicodedata.category(char) in HIDDEN_CATEGORIES else char for char in name)


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")

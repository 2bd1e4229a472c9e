"""Telegram's HTML markup, ported from TDLib's MessageEntity.cpp: (plain text, entities) or
Telegram's own error message.

The parser walks UTF-8 bytes so that error offsets match Telegram's "at byte offset N"; it lives
apart from the rest of the text rules because it is a port, to be read against TDLib's code."""

from __future__ import annotations

from typing import Any

from .errors import BotApiError, _bad


def _units(byte: int) -> int:
    """UTF-16 units contributed by a UTF-8 byte: counted on a character's first byte only."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


_SPACE = frozenset(b" \t\r\n\x0b\x00")  # TDLib's is_space, which also stops at the final NUL
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ALNUM = _ALPHA | _DIGIT
_NAMED_REFERENCES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_HTML_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)


class _Bytes:
    """UTF-8 text read like a C string: past the end reads as 0."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8", "surrogatepass")
        self.size = len(self.data)

    def __getitem__(self, index: int) -> int:
        return self.data[index] if index < self.size else 0


def _parse_error(message: str) -> BotApiError:
    return _bad("can't parse entities: " + message)


def _entity(kind: str, offset: int, length: int, **extra: Any) -> dict:
    return {"type": kind, "offset": offset, "length": length, **extra}


def _decode_reference(text: _Bytes, pos: int) -> tuple[int, int]:
    """(code point, position after it) for the character reference at pos, or (0, pos)."""
    end = pos + 1
    code = 0
    if text[pos + 1] == ord("#"):
        end += 1
        if text[pos + 2] == ord("x"):
            end += 1
            while text[end] in _HEX:
                code = code * 16 + int(chr(text[end]), 16)
                end += 1
        else:
            while text[end] in _DIGIT:
                code = code * 10 + text[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while text[end] in _ALPHA:
            end += 1
        code = _NAMED_REFERENCES.get(text.data[pos + 1 : end], 0)
        if not code:
            return 0, pos
    return code, end + 1 if text[end] == ord(";") else end


def _append_code_point(out: bytearray, code: int) -> None:
    out += chr(code).encode("utf-8", "surrogatepass")


def _html_attribute_value(text: _Bytes, i: int) -> tuple[str, int]:
    """A name token (lowercased) or a quoted string with references decoded; i ends after it."""
    if text[i] not in (ord("'"), ord('"')):
        begin = i
        while text[i] in _ALNUM or text[i] in (ord("."), ord("-")):
            i += 1
        if text[i] not in _SPACE and text[i] != ord(">"):
            raise _parse_error(f"Unexpected end of name token at byte offset {begin}")
        return text.data[begin:i].lower().decode("ascii"), i
    quote = text[i]
    i += 1
    value = bytearray()
    while text[i] != quote and text[i] != 0:
        if text[i] == ord("&"):
            code, after = _decode_reference(text, i)
            if code:
                _append_code_point(value, code)
                i = after
                continue
        value.append(text[i])
        i += 1
    if text[i] == quote:
        i += 1
    return value.decode("utf-8", "surrogatepass"), i


def _html_start_tag(text: _Bytes, begin: int) -> tuple[str, str, int]:
    """Reads the start tag opening at begin: (tag, argument, index of its closing '>')."""
    i = begin + 1
    while text[i] not in _SPACE and text[i] != ord(">"):
        i += 1
    if text[i] == 0:
        raise _parse_error(f"Unclosed start tag at byte offset {begin}")
    tag = text.data[begin + 1 : i].lower().decode("utf-8", "replace")
    if tag not in _HTML_TAGS:
        raise _parse_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while text[i] != ord(">"):
        while text[i] != 0 and text[i] in _SPACE:
            i += 1
        if text[i] == ord(">"):
            break
        attribute_begin = i
        while text[i] not in _SPACE and text[i] not in b"=>/\"'":
            i += 1
        attribute = text.data[attribute_begin:i].decode("utf-8", "replace")
        if not attribute:
            raise _parse_error(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while text[i] != 0 and text[i] in _SPACE:
            i += 1
        if text[i] != ord("="):
            if text[i] == 0:
                raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and attribute == "expandable":
                argument = "1"
            continue
        i += 1
        while text[i] != 0 and text[i] in _SPACE:
            i += 1
        if text[i] == 0:
            raise _parse_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value, i = _html_attribute_value(text, i)
        if text[i] == 0:
            raise _parse_error(f"Unclosed start tag at byte offset {begin}")
        if (tag, attribute) in (("a", "href"), ("tg-emoji", "emoji-id")):
            argument = value
        elif tag == "code" and attribute == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and attribute == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "blockquote" and attribute == "expandable":
            argument = "1"
    if tag == "span" and argument != "spoiler":
        raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return tag, argument, i


def _close_html_entity(entities: list[dict], tag: str, argument: str, offset: int, length: int, linked: str) -> None:
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    simple = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
    if tag in simple:
        entities.append(_entity(simple[tag], offset, length))
    elif tag == "tg-emoji":
        if not (argument.isascii() and argument.isdigit() and 0 < int(argument) < 2**63):
            raise _parse_error("Invalid custom emoji identifier specified")
        entities.append(_entity("custom_emoji", offset, length, custom_emoji_id=argument))
    elif tag == "a":
        url = argument or linked
        if url:
            entities.append(_entity("text_link", offset, length, url=url))
    elif tag == "pre":
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append(_entity("pre", offset, length))
    elif tag == "code":
        if same_span and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entities.append(_entity("code", offset, length, **({"language": argument} if argument else {})))
    elif tag == "blockquote":
        entities.append(_entity("expandable_blockquote" if argument else "blockquote", offset, length))


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML: (plain text, entities), or BotApiError with Telegram's description.

    Stricter than Telegram in one point, as its documentation asks: an '&' that does not
    start a character reference is refused instead of being kept as a literal '&'.
    """
    text = _Bytes(source)
    result = bytearray()
    entities: list[dict] = []
    nested: list[tuple[str, str, int, int]] = []  # tag, argument, UTF-16 offset, result position
    utf16 = 0
    decoded_surrogate = False
    i = 0
    while i < text.size:
        c = text[i]
        if c == ord("&"):
            code, after = _decode_reference(text, i)
            if not code:
                raise _parse_error(f'Unescaped "&" at byte offset {i}; write it as &amp;')
            utf16 += 2 if code > 0xFFFF else 1
            decoded_surrogate |= 0xD800 <= code <= 0xDFFF
            _append_code_point(result, code)
            i = after
            continue
        if c != ord("<"):
            utf16 += _units(c)
            result.append(c)
            i += 1
            continue
        begin = i
        if text[i + 1] != ord("/"):
            tag, argument, i = _html_start_tag(text, begin)
            nested.append((tag, argument, utf16, len(result)))
            i += 1
            continue
        if not nested:
            raise _parse_error(f"Unexpected end tag at byte offset {begin}")
        i += 1
        while text[i] not in _SPACE and text[i] != ord(">"):
            i += 1
        end_tag = text.data[begin + 2 : i].lower().decode("utf-8", "replace")
        while text[i] != 0 and text[i] in _SPACE:
            i += 1
        if text[i] != ord(">"):
            raise _parse_error(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, position = nested[-1]
        if end_tag and end_tag != tag:
            raise _parse_error(f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"')
        if utf16 > offset:
            linked = result[position:].decode("utf-8", "surrogatepass")
            _close_html_entity(entities, tag, argument, offset, utf16 - offset, linked)
        nested.pop()
        i += 1
    if nested:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    if decoded_surrogate:
        raise _bad(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return result.decode("utf-8", "surrogatepass"), _sorted(entities)


def _sorted(entities: list[dict]) -> list[dict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))

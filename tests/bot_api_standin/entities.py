"""What Telegram makes of a text: UTF-16 lengths (the unit of its limits and entity offsets),
``format_text`` for what the bot sends (markup, explicit entities, trimming, limits), and the
entities Telegram finds in what users type (commands and mentions)."""

from __future__ import annotations

from typing import Any

from .errors import _bad
from .markup import _entity, _sorted, parse_html

MAX_MESSAGE_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
_TRIM = " \t\n\r\x0b\x0c"


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_slice(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le", "surrogatepass")
    return data[2 * offset : 2 * (offset + length)].decode("utf-16-le", "surrogatepass")


def _trimmed(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram drops leading and trailing whitespace; entities follow the text."""
    left = text.lstrip(_TRIM)
    lead = utf16_len(text) - utf16_len(left)
    kept = left.rstrip(_TRIM)
    total = utf16_len(kept)
    out = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            out.append({**entity, "offset": start, "length": end - start})
    return kept, out


def format_text(
    text: Any,
    parse_mode: str | None = None,
    entities: Any = None,
    *,
    limit: int = MAX_MESSAGE_UTF16,
    allow_empty: bool = False,
    what: str = "message",
) -> tuple[str, list[dict]]:
    """What Telegram makes of a text it is asked to send: (plain text, entities).

    Raises BotApiError as Telegram would: a markup error, an empty text, or more than
    ``limit`` UTF-16 code units once markup is removed and whitespace trimmed.  Only HTML
    is parsed; any other parse_mode (MarkdownV2 and Markdown included) is refused as unsupported.
    """
    raw = "" if text is None else text if isinstance(text, str) else str(text)
    mode = (parse_mode or "").strip().lower()
    if mode == "html":
        plain, found = parse_html(raw)
    elif mode == "":
        plain, found = raw, _explicit_entities(entities, raw)
    else:
        raise _bad("unsupported parse_mode")
    plain, found = _trimmed(plain, found)
    if not plain and not allow_empty:
        raise _bad(f"{what} text is empty")
    if utf16_len(plain) > limit:
        raise _bad(f"{what} is too long")
    return plain, found


def _explicit_entities(entities: Any, text: str) -> list[dict]:
    if entities is None or entities == "":
        return []
    if not isinstance(entities, list):
        raise _bad("can't parse entities JSON object")
    total = utf16_len(text)
    out = []
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise _bad("can't parse MessageEntity JSON object")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length < 0:
            raise _bad("can't parse MessageEntity JSON object")
        if offset + length > total:
            raise _bad("entity ends after the end of the text")
        if length:
            out.append(dict(entity))
    return _sorted(out)


# --------------------------------------------------------------------------------------------
# Entities Telegram finds in what users type (TDLib's match_bot_commands / match_mentions).


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _ascii_word_end(text: str, i: int) -> int:
    while i < len(text) and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
        i += 1
    return i


def _user_entities(text: str) -> list[dict]:
    spans: list[tuple[str, int, int]] = []
    for pos, ch in enumerate(text):
        if ch == "/":
            if pos and (_is_word(text[pos - 1]) or text[pos - 1] in "/<>"):
                continue
            end = _ascii_word_end(text, pos + 1)
            if not 1 <= end - pos - 1 <= 64:
                continue
            if end < len(text) and text[end] == "@":
                username_end = _ascii_word_end(text, end + 1)
                if not 3 <= username_end - end - 1 <= 32:
                    continue
                end = username_end
            if end < len(text) and (_is_word(text[end]) or text[end] in "/<>"):
                continue
            spans.append(("bot_command", pos, end))
        elif ch == "@":
            if pos and _is_word(text[pos - 1]):
                continue
            end = _ascii_word_end(text, pos + 1)
            size = end - pos - 1
            if not 2 <= size <= 32 or (end < len(text) and _is_word(text[end])):
                continue
            if size < 4 and text[pos + 1 : end].lower() not in ("gif", "vid", "pic"):
                continue
            spans.append(("mention", pos, end))
    return [_entity(kind, utf16_len(text[:start]), utf16_len(text[start:end])) for kind, start, end in spans]


def format_caption(params: dict) -> tuple[str, list[dict]]:
    """A sent file's caption as Telegram parses it: at most MAX_CAPTION_UTF16, and may be empty."""
    return format_text(
        params.get("caption"),
        params.get("parse_mode"),
        params.get("caption_entities"),
        limit=MAX_CAPTION_UTF16,
        allow_empty=True,
        what="message caption",
    )


def caption_fields(caption: str, entities: list[dict]) -> dict:
    """The caption and its entities as a message carries them: absent when empty."""
    return ({"caption": caption} if caption else {}) | ({"caption_entities": entities} if entities else {})

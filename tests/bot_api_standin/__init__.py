"""A local stand-in for the Telegram Bot API, for tests that drive the real python-telegram-bot.

The stand-in serves HTTP on 127.0.0.1 and answers the Bot API methods a bot like ours uses,
checking requests the way Telegram does: HTML parsing with Telegram's error messages and byte
offsets (the only parse mode it knows), the 4096 UTF-16 unit limit, inline keyboard rules, one answer
per callback or inline query, command lists, file sizes (20 MB a bot can download, 50 MB it can
send, 1024 characters of caption).  Every request is recorded, so a test can assert both on what
the bot sent and on what Telegram would have refused; files the bot sends (sendDocument, as a
multipart/form-data upload) are kept and read back with ``documents(chat_id)``.

    with BotApiStandIn() as standin:
        app = (ApplicationBuilder().token(standin.token)
               .base_url(standin.base_url).base_file_url(standin.base_file_url).build())
        ...
        standin.push_message(42, "/start")
        call = standin.wait_for("sendMessage", lambda p: p["chat_id"] == 42)

``wait_for`` blocks the calling thread; from inside an event loop call it through
``await asyncio.to_thread(standin.wait_for, ...)`` so the bot keeps running meanwhile.

Telegram-side facts the stand-in also enforces: the bot can only write to chats it has seen
(``chat not found``; ``Forbidden`` for a known user without a private chat), replies must
name an existing message, users can only press buttons that are on the message, and in groups
privacy mode decides which messages reach the bot at all.

Faults can be injected per method, getUpdates included: HTTP errors (``fail_next``: any status
with Telegram's description or a chosen one, 429 with retry_after, or a proxy's HTML error page;
either may echo the request line, token and all) and faults of the network (``fault_next``: an
answer held past the client's timeout, a connection reset without an answer, a broken JSON body),
each either before the call takes effect or after it, when only its answer is lost.
``wait_idle`` tells when the bot is done with everything it was sent, so a test can assert that
nothing more comes without sleeping.

One check is deliberately stricter than Telegram: in HTML, an '&' that starts no character
reference is refused (Telegram keeps it literally), since its documentation requires escaping
and a bare '&' means the text was not escaped.  Descriptions Telegram words in its own codes
(BUTTON_DATA_INVALID, RESULT_ID_DUPLICATE, ...) are reproduced; a few rarer ones are close
paraphrases.
"""

from __future__ import annotations

import contextlib
import copy
import html
import json
import mimetypes
import re
import select
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "FAULT_KINDS",
    "BotApiError",
    "BotApiStandIn",
    "Call",
    "Upload",
    "format_text",
    "parse_html",
    "utf16_len",
]

MAX_MESSAGE_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_LONG_POLL_SECONDS = 5.0
MAX_INLINE_RESULTS = 50
MAX_KEYBOARD_BUTTONS = 100
MAX_CALLBACK_ANSWER_CHARS = 200

DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)


class BotApiError(Exception):
    """A request Telegram would answer with ``ok: false``."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def _bad(message: str) -> BotApiError:
    return BotApiError(400, "Bad Request: " + message)


class _Abandoned(Exception):
    """The client went away while its long poll was waiting; nobody reads the answer."""


class _Reset(Exception):
    """An injected fault: the connection is reset without an answer."""


# --------------------------------------------------------------------------------------------
# Text: UTF-16 length and Telegram's HTML markup, ported from TDLib's MessageEntity.cpp.
# The parser walks UTF-8 bytes so that error offsets match Telegram's "at byte offset N".


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_slice(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le", "surrogatepass")
    return data[2 * offset : 2 * (offset + length)].decode("utf-16-le", "surrogatepass")


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
_HTML_TAGS = frozenset("a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code blockquote".split())
_TRIM = " \t\n\r\x0b\x0c"


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


# --------------------------------------------------------------------------------------------
# Requests: PTB posts form fields, JSON-encoding every value that is not a string.

_STRING_FIELDS = frozenset(
    """text caption document query data callback_query_id inline_query_id next_offset title url file_id language_code
    parse_mode action name message_text inline_message_id secret_token business_connection_id
    message_effect_id emoji switch_pm_text switch_pm_parameter result_id ip_address""".split()
)
_INTEGER_FIELDS = frozenset(
    """chat_id message_id from_chat_id user_id offset limit timeout cache_time
    message_thread_id reply_to_message_id until_date max_connections duration width
    height sender_chat_id direct_messages_topic_id""".split()
)
_INTEGER = re.compile(r"-?\d+")


def _coerce(key: str, value: Any, from_text: bool) -> Any:
    if key in _STRING_FIELDS or not isinstance(value, str):
        return value
    if key in _INTEGER_FIELDS and _INTEGER.fullmatch(value.strip()):
        return int(value)
    if not from_text:
        return value
    if value in ("true", "false"):
        return value == "true"
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart/form-data request."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {len(self.content)} bytes, {self.content_type!r})"


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _multipart(content_type: str, body: bytes) -> list[tuple[str, Any, bool]]:
    """multipart/form-data fields: text parts as strings (JSON-decoded like form fields), file
    parts as Upload."""
    boundary = _BOUNDARY.search(content_type)
    if boundary is None:
        raise _bad("can't parse multipart/form-data request: no boundary")
    fields: list[tuple[str, Any, bool]] = []
    for part in body.split(b"--" + boundary.group(1).encode("latin-1"))[1:]:
        if part.startswith(b"--"):  # the closing delimiter
            break
        head, found, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not found:
            raise _bad("can't parse multipart/form-data request: a part has no headers")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _DISPOSITION_PARAM.findall(headers.get("content-disposition", ""))
        params = {key.lower(): value.replace("%22", '"') for key, value in disposition}
        if "name" not in params:
            raise _bad("can't parse multipart/form-data request: a part has no name")
        data = data.removesuffix(b"\r\n")
        if "filename" in params:
            kind = headers.get("content-type", "application/octet-stream")
            fields.append((params["name"], Upload(params["filename"], data, kind), False))
        else:
            fields.append((params["name"], data.decode("utf-8", "replace"), True))
    return fields


def _parse_request(content_type: str, body: bytes, query: str) -> dict:
    fields: list[tuple[str, Any, bool]] = [(k, v, True) for k, v in parse_qsl(query, keep_blank_values=True)]
    kind = content_type.split(";", 1)[0].strip().lower()
    if body:
        if kind == "multipart/form-data":
            fields += _multipart(content_type, body)
        elif kind == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError as exc:
                raise _bad("can't parse JSON object") from exc
            if not isinstance(data, dict):
                raise _bad("can't parse JSON object")
            fields += [(k, v, False) for k, v in data.items()]
        else:
            fields += [(k, v, True) for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)]
    return {key: _coerce(key, value, from_text) for key, value, from_text in fields}


# --------------------------------------------------------------------------------------------
# The record of what the bot asked for.


@dataclass
class Call:
    """One request the stand-in answered."""

    index: int
    method: str
    params: dict
    ok: bool
    result: Any = None
    error: str | None = None
    error_code: int | None = None
    injected: bool = False
    time: float = field(default_factory=time.time)
    fault: str | None = None
    """The injected fault this request met ("slow", "reset", "garbled", or "error" for an HTTP
    error); with ok=True the call took effect although its answer was late or lost."""

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{self.error_code} {self.error!r}" + (" (injected)" if self.injected else "")
        if self.ok and self.fault:
            state += f" (applied, then {self.fault})"
        return f"Call(#{self.index} {self.method} {state} {_short(self.params)})"


def _short(value: Any, limit: int = 160) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Stored:
    message: dict
    from_bot: bool
    raw: str | None = None  # the text exactly as the bot sent it
    parse_mode: str | None = None
    deleted: bool = False


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)
    size: int
    requested: bool = False
    file_name: str = ""
    mime_type: str = "application/octet-stream"


def _document_of(stored: _File) -> dict:
    return {
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }


@dataclass(frozen=True)
class _Fault:
    """What goes wrong with one request; see BotApiStandIn.fail_next and fault_next."""

    kind: str  # "error", "slow", "reset" or "garbled"
    error_code: int = 0
    description: str = ""
    parameters: dict | None = None
    body: str | None = None  # an error page that is not Telegram's JSON, as a proxy in front sends
    seconds: float = 0.0
    applied: bool = False


FAULT_KINDS = ("slow", "reset", "garbled")
# A 200 whose body breaks off: a proxy or the network cut it short.
GARBLED_BODY = b'{"ok":true,"result":{"message_id":'


_CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note""".split()
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES = frozenset(
    """default all_private_chats all_group_chats all_chat_administrators chat
    chat_administrators chat_member""".split()
)
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops connections when a bot opens dozens at once, which
    # Telegram's servers never do: the client sees a reset, or waits a second for a SYN retry.
    request_queue_size = 256

    def __init__(self, standin: BotApiStandIn):
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):  # noqa: ANN001 - socketserver's signature
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # noqa: ANN001
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; don't let them wait for ACKs
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        standin = self.server.standin
        standin._request_began()
        try:
            self._answer(standin)
        finally:
            standin._request_ended()

    def _answer(self, standin: BotApiStandIn) -> None:
        split = urlsplit(self.path)
        path = unquote(split.path)
        body = self._read_body()
        content_type = "application/json"
        try:
            if path.startswith("/file/bot"):
                status, payload, content_type = standin._serve_file(path[len("/file/bot") :])
            elif path.startswith("/bot"):
                token, _, method = path[len("/bot") :].partition("/")
                status, payload, content_type = standin._serve_api(
                    token,
                    method.strip("/"),
                    self.headers.get("Content-Type", ""),
                    body,
                    split.query,
                    self.connection,
                    f"{self.command} {self.path}",
                )
            else:
                status, payload = 404, _json({"ok": False, "error_code": 404, "description": "Not Found"})
        except _Abandoned:
            self.close_connection = True
            return
        except _Reset:
            # SO_LINGER with a zero timeout: closing sends RST, as a dropped connection looks to the client.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _peer_closed(connection: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


# --------------------------------------------------------------------------------------------


class BotApiStandIn:
    """A Telegram Bot API on 127.0.0.1 that checks requests as Telegram does and records them."""

    def __init__(self, token: str = "123456:TEST-token", *, privacy_mode: bool = True):
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.privacy_mode = privacy_mode
        self.bot_user: dict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "简报助手",
            "username": "bulletin_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": not privacy_mode,
            "supports_inline_queries": True,
        }
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._webhook_url = ""
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._order: dict[int, list[int]] = {}
        self._callback_queries: dict[str, dict] = {}
        self._inline_queries: dict[str, dict] = {}
        self._offered_results: dict[int, set[str]] = {}
        self._next_query_id = 1
        self._files: dict[str, _File] = {}
        self._next_file = 1
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._last_commands: tuple[list[dict], dict | None, str | None] = ([], None, None)
        self._failures: dict[str, list[_Fault]] = {}
        self._active = 0  # requests under way, parked long polls included
        self._polls_parked = 0
        self._polls_ended = 0  # bumped to send parked long polls home empty
        self._last_activity = time.monotonic()
        self._not_delivered: list[dict] = []
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._flood: tuple[int, float] | None = None
        self._sent_at: dict[int, float] = {}  # each chat's last accepted message, for the flood check
        self._recent_sends: list[float] = []
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, tuple[str, Callable[[dict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "answerInlineQuery": self._answer_inline_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "getFile": self._get_file,
                "sendChatAction": self._send_chat_action,
            }.items()
        }

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> BotApiStandIn:
        """Binds a free port on 127.0.0.1 and serves in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._stopping = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="bot-api-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wakes waiting long polls, stops serving and closes every open connection."""
        server = self._server
        if server is None:
            return
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- feeding updates

    def push_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
    ) -> dict:
        """A user's text message; returns the Message. In groups, privacy mode may keep it from the bot."""
        if not text.strip() or utf16_len(text) > MAX_MESSAGE_UTF16:
            raise ValueError("Telegram users send 1 to 4096 UTF-16 units of non-blank text")
        with self._changed:
            chat, user = self._chat_and_user(chat_id, user_id, chat_type)
            message = self._user_message(chat, user, reply_to_message_id)
            message["text"] = text
            entities = _user_entities(text)
            if entities:
                message["entities"] = entities
            self._store_user_message(message, text, entities, reply_to_message_id)
            return copy.deepcopy(message)

    def push_document(
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        chat_type: str = "private",
        file_size: int | None = None,
    ) -> dict:
        """A user's document: any bytes (a PDF, a Word file, text), downloaded exactly through getFile.
        mime_type defaults to the one the name suggests; file_size may claim a larger size."""
        with self._changed:
            chat, user = self._chat_and_user(chat_id, user_id, chat_type)
            stored = self._new_file(file_name, content, file_size)
            stored.mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            message = self._user_message(chat, user, None)
            message["document"] = _document_of(stored)
            entities: list[dict] = []
            if caption is not None:
                message["caption"] = caption
                entities = _user_entities(caption)
                if entities:
                    message["caption_entities"] = entities
            self._store_user_message(message, caption or "", entities, None)
            return copy.deepcopy(message)

    def push_sticker(
        self, chat_id: int, user_id: int | None = None, emoji: str = "👍", chat_type: str = "private"
    ) -> dict:
        """A user's sticker: a message with no text at all."""
        with self._changed:
            chat, user = self._chat_and_user(chat_id, user_id, chat_type)
            message = self._user_message(chat, user, None)
            message["sticker"] = {
                "file_id": f"sticker-{message['message_id']}",
                "file_unique_id": f"s{message['message_id']}",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
            }
            self._store_user_message(message, "", [], None)
            return copy.deepcopy(message)

    def push_callback(self, chat_id: int, user_id: int, message_id: int, data: str, *, old: bool = False) -> str:
        """A press on a button of a bot's message; returns the callback query id.

        old: the message is too old for Telegram to include, so it arrives as an
        InaccessibleMessage (chat, message_id and date 0 only).
        """
        with self._changed:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.deleted or not stored.from_bot:
                raise ValueError(f"chat {chat_id} has no message {message_id} from the bot")
            chat = self._chats[chat_id]
            if chat["type"] == "private" and user_id != chat_id:
                raise ValueError("in a private chat only its user can press buttons")
            offered = [
                button.get("callback_data")
                for row in (stored.message.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
                if "callback_data" in button
            ]
            if data not in offered:
                raise ValueError(f"message {message_id} has no button with callback_data {data!r}; it has {offered}")
            query_id = self._new_query_id()
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "message": (
                    {"chat": copy.deepcopy(chat), "message_id": message_id, "date": 0}
                    if old
                    else copy.deepcopy(stored.message)
                ),
                "chat_instance": str(abs(chat_id) * 7 + 1),
                "data": data,
            }
            self._callback_queries[query_id] = {"user_id": user_id, "answered": False}
            self._enqueue("callback_query", query)
            return query_id

    def push_inline_query(self, user_id: int, query: str, offset: str = "") -> str:
        """An inline query typed by a user; returns its id."""
        if len(query) > 256:
            raise ValueError("Telegram limits inline queries to 256 characters")
        with self._changed:
            query_id = self._new_query_id()
            self._inline_queries[query_id] = {"user_id": user_id, "answered": False}
            self._enqueue(
                "inline_query",
                {"id": query_id, "from": self._user(user_id), "query": query, "offset": offset, "chat_type": "sender"},
            )
            return query_id

    def push_chosen_inline_result(self, user_id: int, result_id: str, query: str = "") -> dict:
        """The user picked one of the results the bot offered them; returns the ChosenInlineResult."""
        with self._changed:
            if result_id not in self._offered_results.get(user_id, set()):
                raise ValueError(f"no inline answer to user {user_id} offered result {result_id!r}")
            chosen = {"result_id": result_id, "from": self._user(user_id), "query": query}
            self._enqueue("chosen_inline_result", chosen)
            return copy.deepcopy(chosen)

    # ---------------------------------------------------------------- chats the bot can write to

    def open_private_chat(self, user_id: int) -> None:
        """The user has started the bot (a private chat exists) without a message to answer now."""
        with self._changed:
            self._chat_and_user(user_id, None, "private")

    def add_group(self, chat_id: int, chat_type: str = "group", user_id: int = 1) -> None:
        """A group or supergroup the bot is a member of."""
        with self._changed:
            self._chat_and_user(chat_id, user_id, chat_type)

    def add_channel(self, chat_id: int, username: str | None = None, title: str = "测试频道") -> None:
        """A channel where the bot is an admin allowed to post; by id, or by @username."""
        if not isinstance(chat_id, int) or not str(chat_id).startswith("-100"):
            raise ValueError("channel ids start with -100")
        chat = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        with self._changed:
            self._chats[chat_id] = chat

    def block_bot(self, chat_id: int) -> None:
        """The user blocked the bot: sends to the chat get 403 "Forbidden: bot was blocked by the user"."""
        with self._changed:
            self._blocked.add(chat_id)

    def migrate_group(self, chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup with a new id: sends to the old id get 400 with
        parameters.migrate_to_chat_id, as Telegram answers."""
        with self._changed:
            group = self._chats[chat_id]
            if group["type"] != "group" or not str(new_chat_id).startswith("-100"):
                raise ValueError("a basic group migrates to a supergroup id starting with -100")
            self._migrated[chat_id] = new_chat_id
            self._chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": group["title"]}

    def enforce_flood_limits(self, per_second: int = 30, chat_gap: float = 1.0) -> None:
        """Refuse a message with 429 (retry_after 1) when it would make more than per_second in
        the last second overall, or follow the chat's previous one within chat_gap seconds, as
        Telegram's flood control may. Such refusals are not injected: rejected() lists them."""
        with self._changed:
            self._flood = (per_second, chat_gap)

    def flood_figures(self, method: str = "sendMessage") -> tuple[int, float | None]:
        """The most accepted calls of method in any one second, and the shortest gap between two
        in the same chat (None without two), by when the stand-in answered them."""
        calls = [c for c in self.calls(method) if c.ok]
        times = sorted(c.time for c in calls)
        busiest, start = 0, 0
        for end, t in enumerate(times):
            while times[start] <= t - 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        last: dict[Any, float] = {}
        gap: float | None = None
        for call in sorted(calls, key=lambda c: c.time):
            chat = call.result["chat"]["id"] if isinstance(call.result, dict) else call.params.get("chat_id")
            if chat in last:
                gap = call.time - last[chat] if gap is None else min(gap, call.time - last[chat])
            last[chat] = call.time
        return busiest, gap

    # ---------------------------------------------------------------- observing

    def calls(self, method: str | None = None) -> list[Call]:
        """Every answered request in order, accepted or not; optionally of one method."""
        with self._lock:
            if method is None:
                return list(self._calls)
            return [c for c in self._calls if c.method.lower() == method.lower()]

    def mark(self) -> int:
        """The number of calls so far, for wait_for(after=...)."""
        with self._lock:
            return len(self._calls)

    def rejected(self) -> list[Call]:
        """Calls answered with ok=false, except those that met a fault injected by fail_next or fault_next."""
        with self._lock:
            return [c for c in self._calls if not c.ok and not c.injected]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> Call:
        """Blocks until an accepted call of method, with index >= after, satisfies predicate(params)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            scanned = after
            while True:
                for call in self._calls[scanned:]:
                    if call.ok and call.method.lower() == method.lower():
                        if predicate is None or predicate(call.params):
                            return call
                scanned = max(scanned, len(self._calls))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(method, timeout, after))
                self._changed.wait(remaining)

    def messages(self, chat_id: int) -> list[dict]:
        """The bot's messages in a chat as they stand now, in send order.

        Each is the Message Telegram would return, plus "html" (the text exactly as sent)
        and "parse_mode".
        """
        with self._lock:
            out = []
            for message_id in self._order.get(chat_id, []):
                stored = self._messages[(chat_id, message_id)]
                if stored.from_bot and not stored.deleted:
                    out.append({**copy.deepcopy(stored.message), "html": stored.raw, "parse_mode": stored.parse_mode})
            return out

    def documents(self, chat_id: int) -> list[dict]:
        """The files the bot has sent to a chat, in send order: each the Document Telegram would
        return plus "content" (the bytes uploaded), "caption" (as shown) and "message_id"."""
        with self._lock:
            out = []
            for message in self.messages(chat_id):
                document = message.get("document")
                if document is not None:
                    content = self._files[document["file_id"]].content
                    extra = {"content": content, "caption": message.get("caption"), "message_id": message["message_id"]}
                    out.append({**document, **extra})
            return out

    def unanswered_callback_queries(self) -> list[str]:
        """Ids of callback queries the bot has not answered; Telegram clients keep spinning on those."""
        with self._lock:
            return [query_id for query_id, query in self._callback_queries.items() if not query["answered"]]

    def pending_updates(self) -> list[dict]:
        """Updates the bot has not confirmed yet."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        *,
        page: str | None = None,
    ) -> None:
        """The next `times` calls of method fail with this HTTP error, before any other check.

        429 comes with parameters.retry_after, as Telegram sends it. page: the body is this HTML
        (or any text) instead of Telegram's JSON, as a proxy in front of the Bot API answers a 502.
        "{request}" in the page or the description becomes the request line (method and path,
        token included), as Apache's and many proxies' error pages echo it, and as a gateway
        answering in the Bot API's JSON may (e.g. "Forbidden: POST /bot<token>/getMe").
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: "Conflict: terminated by other getUpdates request",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        parameters = {"retry_after": retry_after} if error_code == 429 else None
        self._add_faults(method, times, _Fault("error", error_code, description, parameters, body=page))

    def fault_next(
        self, method: str, kind: str, times: int = 1, *, seconds: float = 60.0, applied: bool = False
    ) -> None:
        """The next `times` calls of method meet a fault of the network or of a server in between:

        - "slow": the answer is held up to `seconds`; when the client gives up first, the call is
          dropped unless `applied` (a long poll's client that left never gets updates).
        - "reset": the connection is reset without an answer.
        - "garbled": the answer is a 200 whose JSON body breaks off.

        applied: the call takes effect before the fault (the message is in the chat, the client
        does not know), as when a request reached Telegram and only its answer was lost;
        otherwise it is lost on the way and nothing happens. Faults queue with fail_next's, in order.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kinds are {FAULT_KINDS}, not {kind!r}")
        self._add_faults(method, times, _Fault(kind, seconds=seconds, applied=applied))

    def _add_faults(self, method: str, times: int, fault: _Fault) -> None:
        name = self._handlers.get(method.lower(), (method, None))[0]
        with self._lock:
            self._failures.setdefault(name.lower(), []).extend([fault] * times)

    def pending_faults(self, method: str) -> int:
        """Injected faults still waiting for calls of method."""
        with self._lock:
            return len(self._failures.get(method.lower(), []))

    def wait_until(self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
        """Blocks until condition() (called with the stand-in locked, after every request) is truthy; returns it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{what} did not hold within {timeout:g}s\n" + self._recent_report())
                self._changed.wait(min(remaining, 0.1))

    def end_polls(self) -> None:
        """Long polls parked now return at once with no updates, as when their timeout runs out:
        a fault injected on getUpdates then meets the bot's next poll."""
        with self._changed:
            self._polls_ended += 1
            self._changed.notify_all()

    def wait_polling(self, timeout: float = 10.0) -> None:
        """Blocks until a long poll is parked here waiting for updates."""
        self.wait_until(lambda: self._polls_parked > 0, timeout, "a parked long poll")

    def wait_idle(self, timeout: float = 10.0, quiet: float = 0.2) -> None:
        """Blocks until the bot is done with what it was sent: it has fetched every update, holds a
        long poll open and has no other request under way, and has stayed so for `quiet` seconds.

        The stand-in sees requests, not the bot's thinking: `quiet` is how long the bot may work
        between fetching an update and its next request (retrieval takes milliseconds here). Use
        it before asserting that nothing more was sent.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                wait = 0.05
                if self._idle():
                    idle_for = now - self._last_activity
                    if idle_for >= quiet:
                        return
                    wait = quiet - idle_for
                remaining = deadline - now
                if remaining <= 0:
                    state = f"{self._active} request(s) under way, {self._polls_parked} long poll(s) parked"
                    raise AssertionError(
                        f"the bot was not idle within {timeout:g}s ({state})\n" + self._recent_report()
                    )
                self._changed.wait(min(wait, remaining))

    @property
    def commands(self) -> list[dict]:
        """The list the last setMyCommands set."""
        with self._lock:
            return copy.deepcopy(self._last_commands[0])

    @property
    def commands_scope(self) -> dict | None:
        """The scope given with the last setMyCommands, if any."""
        with self._lock:
            return copy.deepcopy(self._last_commands[1])

    @property
    def commands_language_code(self) -> str | None:
        """The language_code given with the last setMyCommands, if any."""
        with self._lock:
            return self._last_commands[2]

    # ---------------------------------------------------------------- users, chats, updates

    def _user(self, user_id: int) -> dict:
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
            raise ValueError(f"user ids are positive integers, not {user_id!r}")
        if user_id == self.bot_id:
            raise ValueError("that id is the bot's own")
        user = self._users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": "测试用户",
                "username": f"user{user_id}",
                "language_code": "zh-hans",
            },
        )
        return dict(user)

    def _chat_and_user(self, chat_id: int, user_id: int | None, chat_type: str) -> tuple[dict, dict]:
        if chat_type == "private":
            if user_id is None:
                user_id = chat_id
            if user_id != chat_id:
                raise ValueError("a private chat's id is its user's id")
            user = self._user(user_id)
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"], "username": user["username"]}
        elif chat_type in ("group", "supergroup"):
            if not isinstance(chat_id, int) or chat_id >= 0:
                raise ValueError("group chat ids are negative integers")
            if user_id is None:
                raise ValueError("a group message needs the user_id of its sender")
            user = self._user(user_id)
            chat = {"id": chat_id, "type": chat_type, "title": "测试群"}
        else:
            raise ValueError(f"unsupported chat type {chat_type!r}")
        known = self._chats.get(chat_id)
        if known is not None and known["type"] != chat_type:
            raise ValueError(f"chat {chat_id} is a {known['type']} chat, not {chat_type}")
        self._chats[chat_id] = chat
        return dict(chat), user

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _user_message(self, chat: dict, user: dict, reply_to_message_id: int | None) -> dict:
        message: dict = {
            "message_id": self._new_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            replied = self._messages.get((chat["id"], reply_to_message_id))
            if replied is None or replied.deleted:
                raise ValueError(f"chat {chat['id']} has no message {reply_to_message_id} to reply to")
            message["reply_to_message"] = self._embedded(replied.message)
        return message

    @staticmethod
    def _embedded(message: dict) -> dict:
        embedded = copy.deepcopy(message)
        embedded.pop("reply_to_message", None)
        return embedded

    def _store_user_message(
        self, message: dict, text: str, entities: list[dict], reply_to_message_id: int | None
    ) -> None:
        chat = message["chat"]
        self._messages[(chat["id"], message["message_id"])] = _Stored(message, from_bot=False)
        self._order.setdefault(chat["id"], []).append(message["message_id"])
        if self._reaches_bot(chat, text, entities, reply_to_message_id):
            self._enqueue("message", message)
        else:
            self._not_delivered.append(message)
            self._changed.notify_all()

    def _reaches_bot(self, chat: dict, text: str, entities: list[dict], reply_to_message_id: int | None) -> bool:
        """Privacy mode: in groups the bot gets commands, replies to it and mentions of it."""
        if chat["type"] == "private" or not self.privacy_mode:
            return True
        if reply_to_message_id is not None and self._messages[(chat["id"], reply_to_message_id)].from_bot:
            return True
        username = self.bot_user["username"].lower()
        for entity in entities:
            piece = _utf16_slice(text, entity["offset"], entity["length"]).lower()
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                return "@" not in piece or piece.split("@", 1)[1] == username
            if entity["type"] == "mention" and piece == "@" + username:
                return True
        return False

    def _enqueue(self, kind: str, payload: dict) -> None:
        self._updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._next_update_id += 1
        self._changed.notify_all()

    def _new_query_id(self) -> str:
        query_id = str(5_000_000_000_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        return query_id

    def _new_file(self, file_name: str, content: bytes, size: int | None = None) -> _File:
        number = self._next_file
        self._next_file += 1
        # Telegram's file paths keep a plain extension of the name, never the sender's other characters.
        _, dot, extension = file_name.rsplit("/", 1)[-1].rpartition(".")
        suffix = f".{extension}" if dot and extension.isascii() and extension.isalnum() else ""
        stored = _File(
            file_id=f"BQACAgUAAxkBAAI{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}{suffix}",
            content=bytes(content),
            size=len(content) if size is None else size,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        return stored

    def _timeout_report(self, method: str, timeout: float, after: int) -> str:
        return f"no accepted {method} call matched within {timeout:g}s (looking from call #{after})\n" + (
            self._recent_report()
        )

    def _recent_report(self) -> str:
        lines = []
        recent = [c for c in self._calls if not (c.ok and c.method == "getUpdates")][-15:]
        lines += [f"  {c!r}" for c in recent] or ["  (no calls besides getUpdates)"]
        if self._updates:
            lines.append(f"  {len(self._updates)} update(s) not yet confirmed by the bot")
        if self._not_delivered:
            lines.append(f"  {len(self._not_delivered)} group message(s) withheld from the bot by privacy mode")
        return "\n".join(lines)

    # ---------------------------------------------------------------- HTTP entry points

    def _serve_file(self, rest: str) -> tuple[int, bytes, str]:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return 401, _json({"ok": False, "error_code": 401, "description": "Unauthorized"}), "application/json"
        with self._lock:
            for stored in self._files.values():
                if stored.file_path == file_path and stored.requested:
                    return 200, stored.content, "application/octet-stream"
        return 404, _json({"ok": False, "error_code": 404, "description": "Not Found"}), "application/json"

    def _serve_api(
        self,
        token: str,
        method: str,
        content_type: str,
        body: bytes,
        query: str,
        connection: socket.socket,
        request_line: str,
    ) -> tuple[int, bytes, str]:
        name = method
        params: dict = {}
        fault: _Fault | None = None
        try:
            params = _parse_request(content_type, body, query)
            if token != self.token:
                raise BotApiError(401, "Unauthorized")
            known = self._handlers.get(method.lower())
            if known is None:
                raise BotApiError(404, "Not Found: method not found")
            name, handler = known
            with self._lock:
                pending = self._failures.get(name.lower())
                fault = pending.pop(0) if pending else None
            if fault is not None and fault.kind == "error":
                if fault.body is not None:
                    self._record(name, params, False, None, fault.description, fault.error_code, True, "error")
                    page = fault.body.replace("{request}", html.escape(request_line))
                    return fault.error_code, page.encode("utf-8"), "text/html"
                description = fault.description.replace("{request}", request_line)
                raise BotApiError(fault.error_code, description, fault.parameters)
            if fault is not None and fault.kind == "slow":
                client_gone = self._hold(fault.seconds, connection)
                # A late answer is an answer; a call whose client left counts only if the fault says
                # so, and a long poll whose client left hands out nothing.
                if client_gone and (not fault.applied or name == "getUpdates"):
                    self._record(name, params, False, None, "injected: the client gave up waiting", None, True, "slow")
                    raise _Abandoned
            elif fault is not None and not fault.applied:
                self._record(name, params, False, None, f"injected: {fault.kind}", None, True, fault.kind)
                if fault.kind == "reset":
                    raise _Reset
                return 200, GARBLED_BODY, "application/json"
            if name == "getUpdates":
                result = self._get_updates(params, connection)
            else:
                with self._lock:
                    result = handler(params)
        except (_Abandoned, _Reset):
            raise
        except BotApiError as exc:
            injected = fault is not None and fault.kind == "error"
            self._record(name, params, False, None, exc.description, exc.error_code, injected)
            answer: dict[str, Any] = {"ok": False, "error_code": exc.error_code, "description": exc.description}
            if exc.parameters:
                answer["parameters"] = exc.parameters
            return exc.error_code, _json(answer), "application/json"
        except Exception as exc:  # a fault of the stand-in itself: make it loud
            description = f"Internal Server Error: {exc!r}\n{traceback.format_exc()}"
            self._record(name, params, False, None, description, 500, False)
            return 500, _json({"ok": False, "error_code": 500, "description": description}), "application/json"
        payload = _json({"ok": True, "result": result})
        if fault is None:
            self._record(name, params, True, result, None, None, False)
            return 200, payload, "application/json"
        # The call took effect; its answer comes late, or never, or broken.
        self._record(name, params, True, result, None, None, True, fault.kind)
        if fault.kind == "reset":
            raise _Reset
        if fault.kind == "garbled":
            return 200, payload[: len(payload) // 2], "application/json"
        return 200, payload, "application/json"

    def _hold(self, seconds: float, connection: socket.socket) -> bool:
        """Keeps a request waiting up to seconds; True when its client gave up (or the stand-in stops) first."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._stopping:
                if _peer_closed(connection):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))
        return True

    def _record(
        self,
        method: str,
        params: dict,
        ok: bool,
        result: Any,
        error: str | None,
        code: int | None,
        injected: bool,
        fault: str | None = None,
    ) -> None:
        with self._changed:
            call = Call(len(self._calls), method, params, ok, copy.deepcopy(result), error, code, injected, fault=fault)
            self._calls.append(call)
            self._changed.notify_all()

    def _request_began(self) -> None:
        with self._changed:
            self._active += 1
            self._last_activity = time.monotonic()
            self._changed.notify_all()

    def _request_ended(self) -> None:
        with self._changed:
            self._active -= 1
            self._last_activity = time.monotonic()
            self._changed.notify_all()

    def _idle(self) -> bool:
        """Every update fetched, a long poll parked, and no other request under way."""
        return self._polls_parked > 0 and self._active == self._polls_parked and not self._updates

    # ---------------------------------------------------------------- updates

    def _get_me(self, params: dict) -> dict:
        return dict(self.bot_user)

    def _get_updates(self, params: dict, connection: socket.socket) -> list[dict]:
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        try:
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise _bad("invalid timeout specified") from None
        allowed = params.get("allowed_updates")
        with self._changed:
            if self._webhook_url:
                raise BotApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):
                self._allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()
            if offset < 0:
                self._updates = self._updates[offset:]
            elif offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            deadline = time.monotonic() + min(timeout, MAX_LONG_POLL_SECONDS)
            ended = self._polls_ended
            while True:
                self._updates = [u for u in self._updates if _update_kind(u) in self._allowed_updates]
                if self._updates or self._stopping:
                    return copy.deepcopy(self._updates[:limit])
                if generation != self._poll_generation:
                    if _peer_closed(connection):
                        raise _Abandoned
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0 or ended != self._polls_ended:
                    return []
                if _peer_closed(connection):
                    raise _Abandoned
                self._polls_parked += 1
                self._changed.notify_all()
                try:
                    self._changed.wait(min(remaining, 0.25))
                finally:
                    self._polls_parked -= 1

    def _set_webhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = str(url)
        return True

    def _delete_webhook(self, params: dict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._updates = []
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    # ---------------------------------------------------------------- chats and messages

    def _chat(self, params: dict) -> dict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower() and chat["type"] != "private":
                    return chat
            raise _bad("chat not found")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        if chat_id in self._blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._migrated:
            raise BotApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id in self._users:
                raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise _bad("chat not found")
        return chat

    def _stored(self, params: dict, missing: str) -> _Stored:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if message_id is None or message_id == "":
            raise _bad("message identifier is not specified")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise _bad(missing)
        stored = self._messages.get((chat["id"], message_id))
        if stored is None or stored.deleted:
            raise _bad(missing)
        return stored

    def _reply_target(self, chat: dict, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        if reply is None or reply == "":
            legacy = params.get("reply_to_message_id")
            if legacy is None:
                return None
            reply = {"message_id": legacy, "allow_sending_without_reply": params.get("allow_sending_without_reply")}
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise _bad("can't parse reply parameters JSON object")
        chat_id = chat["id"]
        if reply.get("chat_id") not in (None, chat_id):
            chat_id = self._chat({"chat_id": reply["chat_id"]})["id"]
        stored = self._messages.get((chat_id, reply["message_id"]))
        if stored is None or stored.deleted:
            if reply.get("allow_sending_without_reply") is True:
                return None
            raise _bad("message to be replied not found")
        return self._embedded(stored.message)

    def _new_bot_message(self, chat: dict, params: dict, body: dict, raw: str | None, markup: dict | None) -> dict:
        reply_to = self._reply_target(chat, params)
        message: dict = {
            "message_id": self._new_message_id(chat["id"]),
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(body)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        stored = _Stored(message, from_bot=True, raw=raw, parse_mode=params.get("parse_mode") or None)
        self._messages[(chat["id"], message["message_id"])] = stored
        self._order.setdefault(chat["id"], []).append(message["message_id"])
        return copy.deepcopy(message)

    def _send_message(self, params: dict) -> dict:
        text, entities = format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=False)
        _check_link_preview(params.get("link_preview_options"))
        chat = self._chat(params)
        self._check_flood(chat["id"])
        body: dict = {"text": text}
        if entities:
            body["entities"] = entities
        return self._new_bot_message(chat, params, body, _raw(params.get("text")), markup)

    def _check_flood(self, chat_id: int) -> None:
        """With enforce_flood_limits: 429 for a message that breaks a limit, else count it."""
        if self._flood is None:
            return
        per_second, chat_gap = self._flood
        now = time.time()
        self._recent_sends = [t for t in self._recent_sends if t > now - 1.0]
        if len(self._recent_sends) >= per_second or now - self._sent_at.get(chat_id, float("-inf")) < chat_gap:
            raise BotApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._recent_sends.append(now)
        self._sent_at[chat_id] = now

    def _send_document(self, params: dict) -> dict:
        """A file uploaded with the request (multipart/form-data, at most 50 MB), or one Telegram
        already holds, named by its file_id; with a caption of at most 1024 characters."""
        document = params.get("document")
        if isinstance(document, Upload):
            if len(document.content) > MAX_UPLOAD_BYTES:
                raise BotApiError(413, "Request Entity Too Large")
            if not document.content:
                raise _bad("file must be non-empty")
            stored = self._new_file(document.filename or "document", document.content)
            name, mime_type = document.filename or "document", document.content_type
        elif document is None or document == "":
            raise _bad("there is no document in the request")
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
            name, mime_type = stored.file_name, stored.mime_type
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        caption, entities = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_UTF16,
            allow_empty=True,
            what="message caption",
        )
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=False)
        chat = self._chat(params)
        stored.file_name, stored.mime_type = name, mime_type
        body: dict = {"document": _document_of(stored)}
        if caption:
            body["caption"] = caption
        if entities:
            body["caption_entities"] = entities
        return self._new_bot_message(chat, params, body, _raw(params.get("caption")), markup)

    def _editable(self, params: dict) -> _Stored:
        stored = self._stored(params, "message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return stored

    def _edit_message_text(self, params: dict) -> dict | bool:
        text, entities = format_text(params.get("text"), params.get("parse_mode"), params.get("entities"))
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        _check_link_preview(params.get("link_preview_options"))
        if params.get("inline_message_id"):
            return True
        stored = self._editable(params)
        message = stored.message
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if (text, entities, markup) == (message["text"], message.get("entities", []), message.get("reply_markup")):
            raise _bad(_NOT_MODIFIED)
        message["text"] = text
        _set_or_drop(message, "entities", entities or None)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        stored.raw, stored.parse_mode = _raw(params.get("text")), params.get("parse_mode") or None
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: dict) -> dict | bool:
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        if params.get("inline_message_id"):
            return True
        stored = self._editable(params)
        if markup == stored.message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        _set_or_drop(stored.message, "reply_markup", markup)
        stored.message["edit_date"] = int(time.time())
        return copy.deepcopy(stored.message)

    def _delete_message(self, params: dict) -> bool:
        stored = self._stored(params, "message to delete not found")
        if not stored.from_bot and stored.message["chat"]["type"] != "private":
            raise _bad("message can't be deleted")
        stored.deleted = True
        return True

    def _send_chat_action(self, params: dict) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- queries

    def _answer_callback_query(self, params: dict) -> bool:
        query = self._callback_queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query["answered"]:
            raise _bad(_QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_CHARS:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        return True

    def _answer_inline_query(self, params: dict) -> bool:
        query = self._inline_queries.get(str(params.get("inline_query_id") or ""))
        if query is None or query["answered"]:
            raise _bad(_QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            _check_inline_result(result)
            if result["id"] in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result["id"])
        next_offset = params.get("next_offset")
        if next_offset is not None and len(str(next_offset).encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        _check_inline_button(params.get("button"))
        query["answered"] = True
        self._offered_results.setdefault(query["user_id"], set()).update(seen)
        return True

    # ---------------------------------------------------------------- bot settings

    def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if commands is None:
            raise _bad('parameter "commands" is required')
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        listed = [{"command": c["command"], "description": c["description"]} for c in commands]
        self._commands[key] = listed
        scope = params.get("scope") if isinstance(params.get("scope"), dict) else None
        self._last_commands = (listed, scope, params.get("language_code") or None)
        return True

    def _get_my_commands(self, params: dict) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    @staticmethod
    def _commands_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise _bad("can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member") and "chat_id" not in scope:
            raise _bad("chat_id is empty")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise _bad("LANG_CODE_INVALID")
        return json.dumps(scope, sort_keys=True), str(language)

    # ---------------------------------------------------------------- files

    def _get_file(self, params: dict) -> dict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise _bad("file is too big")
        stored.requested = True
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }


# --------------------------------------------------------------------------------------------
# Validation shared by several methods.


def _raw(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _update_kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")


def _int_param(params: dict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"invalid {name} specified")
    return value


def _set_or_drop(message: dict, key: str, value: Any) -> None:
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value


def _check_link_preview(options: Any) -> None:
    if options is not None and options != "" and not isinstance(options, dict):
        raise _bad("can't parse link preview options JSON object")


def _check_reply_markup(markup: Any, *, inline_only: bool) -> dict | None:
    """The markup as Telegram keeps it, or BotApiError. None when there is none."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('can\'t parse inline keyboard button: Field "inline_keyboard" must be an Array of Arrays')
        if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button_of_keyboard(button)
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows]}
    if inline_only:
        raise _bad("reply markup must be an inline keyboard here")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('can\'t parse keyboard button: Field "keyboard" must be an Array of Arrays')
        if sum(len(row) for row in rows) > 300:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                label = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
                if not isinstance(label, str) or not label:
                    raise _bad("keyboard button text is empty")
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_inline_button_of_keyboard(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in _BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad(f"can't parse inline keyboard button: a button can't have both {actions[0]} and {actions[1]}")
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str) or not 1 <= len(value.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    elif action == "url":
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://", "tg://")):
            raise _bad("BUTTON_URL_INVALID")
    elif action in ("switch_inline_query", "switch_inline_query_current_chat"):
        if not isinstance(value, str):
            raise _bad(f'can\'t parse inline keyboard button: Field "{action}" must be of type String')
    elif action in ("switch_inline_query_chosen_chat", "web_app", "login_url", "copy_text", "callback_game"):
        if not isinstance(value, dict):
            raise _bad(f'can\'t parse inline keyboard button: Field "{action}" must be of type Object')


def _check_inline_result(result: Any) -> None:
    if not isinstance(result, dict):
        raise _bad("can't parse inline query result JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise _bad("RESULT_ID_INVALID")
    kind = result.get("type")
    if not isinstance(kind, str) or not kind:
        raise _bad("RESULT_TYPE_INVALID")
    content = result.get("input_message_content")
    if kind == "article":
        title = result.get("title")
        if not isinstance(title, str):
            raise _bad('can\'t parse inline query result: Field "title" must be of type String')
        if not title.strip():
            raise _bad("RESULT_TITLE_EMPTY")
        if not isinstance(content, dict):
            raise _bad('can\'t parse inline query result: Field "input_message_content" must be of type Object')
    if content is not None:
        if not isinstance(content, dict):
            raise _bad("can't parse InputMessageContent JSON object")
        if "message_text" in content:
            format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
            _check_link_preview(content.get("link_preview_options"))
        elif not any(key in content for key in ("latitude", "phone_number", "payload", "title")):
            raise _bad("can't parse InputMessageContent JSON object")
    if "caption" in result:
        format_text(
            result["caption"],
            result.get("parse_mode"),
            result.get("caption_entities"),
            limit=MAX_CAPTION_UTF16,
            allow_empty=True,
            what="message caption",
        )
    _check_reply_markup(result.get("reply_markup"), inline_only=True)


def _check_inline_button(button: Any) -> None:
    if button is None or button == "":
        return
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise _bad("can't parse InlineQueryResultsButton JSON object")
    start = button.get("start_parameter")
    if start is None and not isinstance(button.get("web_app"), dict):
        raise _bad("can't parse InlineQueryResultsButton JSON object")
    if start is not None and not (isinstance(start, str) and _START_PARAMETER.fullmatch(start)):
        raise _bad("START_PARAM_INVALID")

"""Requests as they arrive: form fields, JSON bodies, query strings and multipart/form-data
uploads, turned into one dict of parameters whatever the transport.

PTB posts form fields, JSON-encoding every value that is not a string; the coercion below
undoes that as Telegram does, so both transports (HTTP and the in-process StandInRequest) check
exactly the same parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .errors import _bad

_STRING_FIELDS = frozenset(
    [
        "text",
        "caption",
        "document",
        "photo",
        "query",
        "data",
        "callback_query_id",
        "inline_query_id",
        "next_offset",
        "title",
        "url",
        "file_id",
        "language_code",
        "parse_mode",
        "action",
        "name",
        "message_text",
        "inline_message_id",
        "secret_token",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "switch_pm_text",
        "switch_pm_parameter",
        "result_id",
        "ip_address",
    ]
)
_INTEGER_FIELDS = frozenset(
    [
        "chat_id",
        "message_id",
        "from_chat_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "until_date",
        "max_connections",
        "duration",
        "width",
        "height",
        "sender_chat_id",
        "direct_messages_topic_id",
    ]
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
    return parse_fields(fields)


def parse_fields(fields: list[tuple[str, Any, bool]]) -> dict:
    """(name, value, came as text) triples as the method sees them: text JSON-decoded where
    Telegram decodes it, ids as integers."""
    return {key: _coerce(key, value, from_text) for key, value, from_text in fields}


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")

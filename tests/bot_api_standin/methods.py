"""The Bot API methods that act on chats, messages, queries, commands and files, each checking
its parameters as Telegram does and raising BotApiError with Telegram's description.  They run
with the stand-in locked; the core dispatches to them by name, whatever the transport."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from typing import Any

from .checks import _check_inline_button, _check_inline_result, _check_link_preview, _check_reply_markup
from .entities import caption_fields, format_caption, format_text
from .errors import BotApiError, _bad
from .state import _document_of, _File, _Stored
from .wire import Upload

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER_CHARS = 200

_CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES = frozenset(
    [
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    ]
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class MethodsMixin:
    """sendMessage, sendDocument, edits, deletions, chat actions, query answers, commands, getFile."""

    _lock: threading.RLock
    bot_user: dict
    _chats: dict[int, dict]
    _users: dict[int, dict]
    _messages: dict[tuple[int, int], _Stored]
    _order: dict[int, list[int]]
    _files: dict[str, _File]
    _blocked: set[int]
    _migrated: dict[int, int]
    _flood: tuple[int, float] | None
    _sent_at: dict[int, float]
    _recent_sends: list[float]
    _callback_queries: dict[str, dict]
    _inline_queries: dict[str, dict]
    _offered_results: dict[int, set[str]]
    _commands: dict[tuple[str, str], list[dict]]
    _last_commands: tuple[list[dict], dict | None, str | None]

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
        caption, entities = format_caption(params)
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=False)
        chat = self._chat(params)
        stored.file_name, stored.mime_type = name, mime_type
        body: dict = {"document": _document_of(stored)}
        body |= caption_fields(caption, entities)
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


def _raw(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _set_or_drop(message: dict, key: str, value: Any) -> None:
    if value is None:
        message.pop(key, None)
    else:
        message[key] = value

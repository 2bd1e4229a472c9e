"""Telegram's side of the conversation: users, chats, messages and files as the stand-in keeps
them, and the chats a test sets up for the bot to write to (groups, channels, blocked users,
migrated groups, flood limits).  Methods and users' updates both read and change this state."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .entities import _utf16_slice


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


class StateMixin:
    """Users, chats, messages and files: the state behind every method."""

    _lock: threading.RLock
    _changed: threading.Condition
    bot_id: int
    bot_user: dict
    privacy_mode: bool
    _chats: dict[int, dict]
    _users: dict[int, dict]
    _last_message_id: dict[int, int]
    _messages: dict[tuple[int, int], _Stored]
    _order: dict[int, list[int]]
    _next_query_id: int
    _files: dict[str, _File]
    _next_file: int
    _not_delivered: list[dict]
    _blocked: set[int]
    _migrated: dict[int, int]
    _flood: tuple[int, float] | None

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

    # ---------------------------------------------------------------- users, chats, messages, files

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

"""Updates: what users do (messages, documents, stickers, button presses, inline queries), queued
until the bot fetches them with getUpdates, or handed over at once to an in-process consumer
(``deliver_updates_to``), as a webhook would be; plus the methods that say where updates go."""

from __future__ import annotations

import copy
import mimetypes
import threading
import time
from collections.abc import Callable

from .entities import MAX_MESSAGE_UTF16, _user_entities, utf16_len
from .errors import BotApiError, _bad
from .faults import _Abandoned
from .state import _document_of

MAX_LONG_POLL_SECONDS = 5.0

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


class UpdatesMixin:
    """Users' updates in, and getUpdates / setWebhook out."""

    _lock: threading.RLock
    _changed: threading.Condition
    _updates: list[dict]
    _next_update_id: int
    _allowed_updates: frozenset[str]
    _poll_generation: int
    _webhook_url: str
    _chats: dict[int, dict]
    _messages: dict
    _callback_queries: dict[str, dict]
    _inline_queries: dict[str, dict]
    _offered_results: dict[int, set[str]]
    _polls_parked: int
    _polls_ended: int
    _stopping: bool
    _deliver: Callable[[dict], None] | None
    bot_user: dict

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

    def deliver_updates_to(self, consumer: Callable[[dict], None] | None) -> None:
        """From now on each new update goes to consumer(update) at once instead of the queue, as
        Telegram posts to a webhook; called with the stand-in locked, so it must not block.
        None queues updates for getUpdates again."""
        with self._changed:
            self._deliver = consumer

    # ---------------------------------------------------------------- the queue

    def _enqueue(self, kind: str, payload: dict) -> None:
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._next_update_id += 1
        if self._deliver is not None:
            self._deliver(update)
        else:
            self._updates.append(update)
        self._changed.notify_all()

    # ---------------------------------------------------------------- getMe, getUpdates, webhooks

    def _get_me(self, params: dict) -> dict:
        return dict(self.bot_user)

    def _get_updates(self, params: dict, client_gone: Callable[[], bool]) -> list[dict]:
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
                    if client_gone():
                        raise _Abandoned
                    raise BotApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0 or ended != self._polls_ended:
                    return []
                if client_gone():
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


def _update_kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")


def _int_param(params: dict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"invalid {name} specified")
    return value

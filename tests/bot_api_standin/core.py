"""The Bot API core: one object holding Telegram's side (state, update queue, faults, the record
of calls) that answers a method call independently of how it arrived.

A transport hands ``answer`` a token, a method name, a way to read the parameters and a way to
tell that its client gave up; it gets back (HTTP status, body, content type), the same bytes
Telegram would send, or _Abandoned / _Reset for a fault of the network.  The HTTP server
(server.py) and the in-process python-telegram-bot request (request.py) are two such transports,
so both see the same validation, the same errors and the same recorded calls."""

from __future__ import annotations

import html
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from .errors import BotApiError
from .faults import GARBLED_BODY, FaultsMixin, _Abandoned, _Fault, _Reset
from .methods import MethodsMixin
from .photos import PhotosMixin
from .records import Call, RecordsMixin
from .state import StateMixin, _File, _Stored
from .updates import DEFAULT_UPDATE_TYPES, UpdatesMixin
from .wire import _json


class BotApiCore(UpdatesMixin, MethodsMixin, PhotosMixin, StateMixin, FaultsMixin, RecordsMixin):
    """Telegram's side of the Bot API, without a transport: checks requests as Telegram does and records them."""

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
        self._deliver: Callable[[dict], None] | None = None
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
                "sendPhoto": self._send_photo,
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

    # ---------------------------------------------------------------- transport entry points

    def answer(
        self,
        token: str,
        method: str,
        read_params: Callable[[], dict],
        *,
        request_line: str,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> tuple[int, bytes, str]:
        """One method call: (status, body, content type) as Telegram answers it.

        read_params parses the request (its errors are Telegram's answer too); request_line is
        what an error page may echo ("POST /bot<token>/getMe"); client_gone tells when the client
        stopped waiting. Raises _Abandoned when nobody reads the answer any more, and _Reset when
        an injected fault drops the connection.
        """
        name = method
        params: dict = {}
        fault: _Fault | None = None
        try:
            params = read_params()
            if token != self.token:
                raise BotApiError(401, "Unauthorized")
            known = self._handlers.get(method.lower())
            if known is None:
                raise BotApiError(404, "Not Found: method not found")
            name, handler = known
            fault = self._next_fault(name)
            if fault is not None and fault.kind == "error":
                if fault.body is not None:
                    self._record(name, params, False, None, fault.description, fault.error_code, True, "error")
                    page = fault.body.replace("{request}", html.escape(request_line))
                    return fault.error_code, page.encode("utf-8"), "text/html"
                description = fault.description.replace("{request}", request_line)
                raise BotApiError(fault.error_code, description, fault.parameters)
            if fault is not None and fault.kind == "slow":
                gave_up = self._hold(fault.seconds, client_gone)
                # A late answer is an answer; a call whose client left counts only if the fault says
                # so, and a long poll whose client left hands out nothing.
                if gave_up and (not fault.applied or name == "getUpdates"):
                    self._record(name, params, False, None, "injected: the client gave up waiting", None, True, "slow")
                    raise _Abandoned
            elif fault is not None and not fault.applied:
                self._record(name, params, False, None, f"injected: {fault.kind}", None, True, fault.kind)
                if fault.kind == "reset":
                    raise _Reset
                return 200, GARBLED_BODY, "application/json"
            if name == "getUpdates":
                result = self._get_updates(params, client_gone)
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

    def serve_file(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        """A file the bot asked for with getFile, at /file/bot<token>/<file_path>."""
        if token != self.token:
            return 401, _json({"ok": False, "error_code": 401, "description": "Unauthorized"}), "application/json"
        with self._lock:
            for stored in self._files.values():
                if stored.file_path == file_path and stored.requested:
                    return 200, stored.content, "application/octet-stream"
        return 404, _json({"ok": False, "error_code": 404, "description": "Not Found"}), "application/json"

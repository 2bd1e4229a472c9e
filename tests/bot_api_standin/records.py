"""The record of what the bot asked for, and the ways a test waits on it.

Every request either transport answers is one Call, accepted or not; tests block on them
(``wait_for``, ``wait_until``, ``wait_idle``) rather than sleeping, and read back the bot's
messages and documents as they stand."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


class RecordsMixin:
    """The observing half of the stand-in: its record of calls and what tests read from it."""

    _lock: threading.RLock
    _changed: threading.Condition
    _calls: list[Call]
    _updates: list[dict]
    _not_delivered: list[dict]
    _active: int
    _polls_parked: int
    _polls_ended: int
    _last_activity: float
    _last_commands: tuple[list[dict], dict | None, str | None]
    _callback_queries: dict[str, dict]
    _messages: dict
    _order: dict[int, list[int]]
    _files: dict

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

"""Telegram's flood limits, kept strictly: at most `send_rate` messages in any one second across
all chats, and for announcements at most one message a second in a chat.

python-telegram-bot's AIORateLimiter is a leaky bucket: after a quiet spell it lets a burst of
`send_rate` through and then drips at the rate, so a sliding second can see nearly twice the
limit; and it does not space private chats at all. It still does the rest here (20 a minute per
group, holding everything after a 429 and retrying).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

CHAT_GAP_SECONDS = 1.0
"""Telegram asks bots for no more than one message a second in a chat."""


@dataclass(frozen=True)
class Broadcast:
    """rate_limit_args of an announcement: spaced per chat, and within the broadcast share."""

    max_retries: int = 3


class Window:
    """At most `limit` requests in any `period` seconds as the server sees them: a request counts
    from when it starts until `period` after its answer came back, so however long it travelled
    either way, the server cannot have seen more."""

    def __init__(self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.period = period
        self._clock = clock
        self._running = 0
        self._finished: deque[float] = deque()
        self._turn = asyncio.Lock()  # first come, first served
        self._released = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._running -= 1
            self._finished.append(self._clock())
            self._released.set()

    async def _acquire(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                while self._finished and self._finished[0] <= now - self.period:
                    self._finished.popleft()
                if self._running + len(self._finished) < self.limit:
                    self._running += 1
                    return
                wait = self._finished[0] + self.period - now if self._finished else self.period
                self._released.clear()
                try:
                    await asyncio.wait_for(self._released.wait(), wait)
                except TimeoutError:
                    pass


class ChatSpacing:
    """When each chat last heard from the bot, so an announcement waits its turn there."""

    def __init__(self, gap: float = CHAT_GAP_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.gap = gap
        self._clock = clock
        self._last: dict[str, float] = {}
        self._sending: Counter[str] = Counter()

    async def wait(self, chat: str) -> None:
        while True:
            if self._sending[chat]:
                delay = 0.05
            else:
                delay = self._last.get(chat, float("-inf")) + self.gap - self._clock()
                if delay <= 0:
                    return
            await asyncio.sleep(delay)

    @asynccontextmanager
    async def sending(self, chat: str) -> AsyncIterator[None]:
        self._sending[chat] += 1
        try:
            yield
        finally:
            self._sending[chat] -= 1
            if not self._sending[chat]:
                del self._sending[chat]
            self._last[chat] = self._clock()
            self._forget_old()

    def _forget_old(self) -> None:
        if len(self._last) < 10_000:
            return
        cutoff = self._clock() - self.gap
        for chat in [c for c, t in self._last.items() if t < cutoff]:
            del self._last[chat]


class FloodLimiter(BaseRateLimiter[Any]):
    """Every request to a chat passes the overall window; announcements (rate_limit_args=Broadcast())
    also pass a smaller window, leaving room for replies, and wait a second after the chat's last
    message. 429s are waited out and retried by AIORateLimiter underneath."""

    def __init__(self, send_rate: int, max_retries: int):
        self.max_retries = max_retries
        self.overall = Window(send_rate) if send_rate else None
        reserve = max(1, send_rate // 6)  # a sixth of the rate stays free for replies
        self.broadcast = Window(max(1, send_rate - reserve)) if send_rate else None
        self.spacing = ChatSpacing()
        self._inner = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        chat = data.get("chat_id")
        broadcast = isinstance(rate_limit_args, Broadcast)
        retries = rate_limit_args.max_retries if broadcast else rate_limit_args
        if chat is None:
            return await self._inner.process_request(callback, args, kwargs, endpoint, data, retries)
        key = str(chat)

        async def attempt(*a: Any, **kw: Any) -> Any:
            # Each try, retries after a 429 included, counts as a message sent.
            if broadcast:
                await self.spacing.wait(key)
            async with (
                _maybe(self.broadcast if broadcast else None),
                _maybe(self.overall),
                self.spacing.sending(key),
            ):
                return await callback(*a, **kw)

        return await self._inner.process_request(attempt, args, kwargs, endpoint, data, retries)


@asynccontextmanager
async def _maybe(window: Window | None) -> AsyncIterator[None]:
    if window is None:
        yield
        return
    async with window.slot():
        yield

"""Per-user limits on questions, so one chatty user cannot starve the others."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class RateLimiter:
    """A sliding window: at most `limit` events per user in any WINDOW_SECONDS."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self._clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned_until: dict[int, float] = {}

    def wait_seconds(self, user_id: int) -> int:
        """0 when the event is allowed (and counted), else whole seconds until it would be."""
        now = self._clock()
        events = self._events.setdefault(user_id, deque())
        while events and events[0] <= now - WINDOW_SECONDS:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            self._forget_idle(now)
            return 0
        return max(1, math.ceil(events[0] + WINDOW_SECONDS - now))

    def should_warn(self, user_id: int) -> bool:
        """True once per blocked stretch, so the bot does not answer a flood with a flood."""
        now = self._clock()
        if self._warned_until.get(user_id, 0.0) > now:
            return False
        events = self._events.get(user_id)
        self._warned_until[user_id] = (events[0] + WINDOW_SECONDS) if events else now
        return True

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: drop users with no event in the window, now and then.
        if len(self._events) < 10_000:
            return
        for user_id in [u for u, e in self._events.items() if not e or e[-1] <= now - WINDOW_SECONDS]:
            del self._events[user_id]
            self._warned_until.pop(user_id, None)

"""The project's real Application in the test's own process: built by build_application over a
real archive, its Bot API calls answered in-process by the stand-in (StandInRequest), updates
handed to it as they are pushed. No HTTP server, no subprocess, no polling.

The application runs on an event loop in a thread of its own, so a test reads like an
end-to-end one: it pushes updates into the stand-in and blocks on the calls the bot makes.

    with InProcessBot(api, settings, archive) as bot:
        reply = say(api, chat, "你好")
        bot.wait_idle()
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.application import build_application
from bot.settings import BotSettings
from retrieval.archive import Archive
from tests.bot_api_standin import BotApiStandIn, StandInRequest


class InProcessBot:
    """build_application's Application, initialized and started (no updater), fed every update the
    stand-in gets as Telegram feeds a webhook: at once, each handled concurrently."""

    def __init__(self, api: BotApiStandIn, settings: BotSettings, archive: Archive):
        self.api = api
        self.app: Application = build_application(settings, archive, request=StandInRequest(api))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bot-in-process", daemon=True)
        self._handling: set[Future] = set()
        self._failures: list[BaseException] = []
        self._changed = threading.Condition()
        self._last_done = time.monotonic()

    def start(self) -> InProcessBot:
        self._thread.start()
        self._run(self.app.initialize())
        self._run(self.app.start())
        self.api.deliver_updates_to(self._deliver)
        return self

    def stop(self) -> None:
        """Stops as run_polling does: stop, post_stop, shutdown, post_shutdown (which closes the archive)."""
        self.api.deliver_updates_to(None)
        try:
            self.wait_idle(quiet=0)
        finally:
            app = self.app
            if app.running:
                self._run(app.stop())
                if app.post_stop:
                    self._run(app.post_stop(app))
            self._run(app.shutdown())
            if app.post_shutdown:
                self._run(app.post_shutdown(app))
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
        if self._failures:
            raise self._failures[0]

    def __enter__(self) -> InProcessBot:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _deliver(self, update: dict) -> None:
        """Called by the stand-in, locked, for every new update: schedule it and return at once."""
        future = asyncio.run_coroutine_threadsafe(self._handle(update), self._loop)
        with self._changed:
            self._handling.add(future)
        future.add_done_callback(self._done)

    async def _handle(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    def _done(self, future: Future) -> None:
        with self._changed:
            self._handling.discard(future)
            if not future.cancelled() and future.exception() is not None:
                self._failures.append(future.exception())
            self._last_done = time.monotonic()
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0, quiet: float = 0.05) -> None:
        """Blocks until every update pushed so far has been handled, no Bot API call is under way,
        and it has stayed so for `quiet` seconds (for tasks a handler leaves running)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                busy = bool(self._handling) or self.api._active > 0
                if not busy and now - max(self._last_done, self.api._last_activity) >= quiet:
                    break
                if now >= deadline:
                    raise AssertionError(
                        f"the bot was not idle within {timeout:g}s: {len(self._handling)} update(s) being handled, "
                        f"{self.api._active} request(s) under way"
                    )
                self._changed.wait(0.01)
        if self._failures:
            raise self._failures[0]

"""New issues announced: watch the archive's log of new issues, plan who gets what, deliver.

Another process (`run_bot.py ingest`, or the upload worker) writes the archive; the bot learns of
a new issue by polling `issue_log_position()` every few seconds, a cheap read. Each new issue is
planned once, in one transaction of the state file: its messages rendered, one pending delivery per
subscriber, follower and channel, and the cursor moved past it. Deliveries are then sent within
Telegram's flood limits and each marked sent the moment Telegram accepts it, so a restart sends
only what is still pending. A kill -9 between Telegram accepting a message and that write would
send that one message again on restart: the Bot API has no idempotency key. A normal stop
finishes the sends under way and records them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ExtBot

from replies.worker import ArchiveWorker
from retrieval.archive import Archive
from retrieval.models import Hit, StoredIssue

from .flood import Broadcast
from .render_alerts import channel_post, issue_alert, topics_alert
from .subscriptions import CHANNEL, ISSUE, TOPICS, AlertState, Delivery, Plan, StateWorker

log = logging.getLogger(__name__)

WATCH_SECONDS = 3.0
"""How often the archive's log of new issues is read: an issue is announced within seconds."""
PLAN_BATCH = 20
SENDERS = 32
"""Chats served at once; the flood limiter, not this, sets the pace."""
SEND_RETRIES = 3
RETRY_FIRST_SECONDS = 5.0
RETRY_MAX_SECONDS = 300.0
SENT, DROPPED, LATER, GONE = "sent", "dropped", "later", "gone"


class Announcer:
    """The background task: watch, plan, deliver; stopped (in-flight sends finished) with the bot."""

    def __init__(
        self, archive: ArchiveWorker, state: StateWorker, channel_id: str | None, interval: float = WATCH_SECONDS
    ):
        self.archive = archive
        self.state = state
        self.channel_id = channel_id
        self.interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._parts: OrderedDict[tuple[int, str], list] = OrderedDict()
        self._not_before: dict[tuple[int, str, str], tuple[float, float]] = {}  # transient failures' backoff

    def start(self, bot: ExtBot) -> None:
        self._task = asyncio.create_task(self._run(bot), name="announcer")

    async def stop(self) -> None:
        """Finish the sends under way, record them, and end."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self, bot: ExtBot) -> None:
        await self._first_cursor()
        while not self._stopping.is_set():
            try:
                await self.plan_new_issues(bot)
                await self.deliver(bot)
            except Exception:
                log.exception("announcing new issues failed; trying again in %.0f s", self.interval)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except TimeoutError:
                pass

    async def _first_cursor(self) -> None:
        """On the very first start the archive's existing issues are not news: start from now."""
        if await self.state.run(AlertState.cursor) is None:
            position = await self.archive.run(Archive.issue_log_position)
            await self.state.run(AlertState.set_cursor, position)
            log.info("announcing new issues from log position %d on", position)

    # --- planning ---------------------------------------------------------------------

    async def plan_new_issues(self, bot: ExtBot) -> int:
        """Plan every issue added since the cursor; returns how many."""
        head = await self.archive.run(Archive.issue_log_position)
        cursor = await self.state.run(AlertState.cursor) or 0
        if head < cursor:  # an older copy of the archive was restored: its log starts over from there
            log.warning("the archive's log of new issues went back from %d to %d; announcing from there", cursor, head)
            await self.state.run(AlertState.set_cursor, head)
            cursor = head
        planned = 0
        while head > cursor and not self._stopping.is_set():
            found = await self.archive.run(Archive.new_issues_since, cursor, PLAN_BATCH)
            if not found:
                # Issues logged up to head but removed since: nothing to announce for them.
                await self.state.run(AlertState.set_cursor, head)
                break
            for position, issue in found:
                plan = await self._plan(bot, position, issue)
                await self.state.run(AlertState.record_plan, plan)
                cursor = max(cursor, position)
                planned += 1
                log.info(
                    "new issue 总第%d期 (log position %d): %d deliveries planned",
                    issue.ref.total,
                    position,
                    len(plan.recipients),
                )
        return planned

    async def _plan(self, bot: ExtBot, position: int, issue: StoredIssue) -> Plan:
        subscribers = await self.state.run(AlertState.subscribers)
        followers = await self.state.run(AlertState.followers)
        hits = await self.archive.run(_topic_hits, list(followers), issue.ref.total)
        messages: dict[str, list] = {}
        recipients: list[tuple[str, str, str]] = []
        if subscribers:
            messages[ISSUE] = issue_alert(issue)
            recipients += [(str(chat), ISSUE, ISSUE) for chat in subscribers]
        matched: dict[int, list[tuple[str, Hit]]] = {}
        for topic, chats in followers.items():
            hit = hits.get(topic)
            if hit is not None:
                for chat in chats:
                    matched.setdefault(chat, []).append((topic, hit))
        for chat, matches in matched.items():
            key = TOPICS + ":" + "|".join(topic for topic, _ in matches)
            if key not in messages:
                messages[key] = topics_alert(issue, matches)
            recipients.append((str(chat), TOPICS, key))
        if self.channel_id:
            messages[CHANNEL] = channel_post(issue, bot.username)
            recipients.append((self.channel_id, CHANNEL, CHANNEL))
        return Plan(position, messages, recipients)

    # --- delivery -----------------------------------------------------------------------

    async def deliver(self, bot: ExtBot) -> int:
        """Send every pending delivery, each chat's in order; returns how many were sent."""
        now = time.monotonic()
        by_chat: OrderedDict[str, list[Delivery]] = OrderedDict()
        waiting = set()  # chats with a delivery backing off: their later ones wait too, to keep the order
        for delivery in await self.state.run(AlertState.pending):
            if delivery.chat in waiting or self._not_before.get(_key(delivery), (0.0, 0.0))[0] > now:
                waiting.add(delivery.chat)
                by_chat.pop(delivery.chat, None)
                continue
            by_chat.setdefault(delivery.chat, []).append(delivery)
        if not by_chat:
            return 0
        started = time.monotonic()
        queue = list(by_chat.values())
        queue.reverse()
        sent = 0

        async def sender() -> None:
            nonlocal sent
            while queue and not self._stopping.is_set():
                for delivery in queue.pop():
                    outcome = LATER if self._stopping.is_set() else await self._send(bot, delivery)
                    if outcome in (LATER, GONE):
                        break  # the chat's later deliveries wait for the next pass, in order, or are dropped
                    sent += outcome == SENT

        await asyncio.gather(*(sender() for _ in range(min(SENDERS, len(queue)))))
        if sent:
            log.info("delivered %d announcements to %d chats in %.1f s", sent, len(by_chat), time.monotonic() - started)
            await self.state.run(AlertState.prune)
        return sent

    async def _send(self, bot: ExtBot, delivery: Delivery) -> str:
        """One delivery: SENT, DROPPED for good, GONE with the chat (blocked), or LATER after a
        fault that may pass."""
        parts = await self._message(delivery)
        try:
            for text, keyboard in parts:
                markup = InlineKeyboardMarkup.de_json(keyboard, bot) if keyboard else None
                await bot.send_message(
                    delivery.chat_id, text, reply_markup=markup, rate_limit_args=Broadcast(SEND_RETRIES)
                )
        except Forbidden as exc:
            log.info("chat %s blocked the bot or left (%s): unsubscribed", delivery.chat, exc.message)
            if isinstance(delivery.chat_id, int) and delivery.kind != CHANNEL:
                await self.state.run(AlertState.forget_chat, delivery.chat_id)
                return GONE
            await self.state.run(AlertState.mark, delivery, "failed")
            return DROPPED
        except ChatMigrated as exc:
            log.info("chat %s became supergroup %s: following it", delivery.chat, exc.new_chat_id)
            moved = await self.state.run(AlertState.move_chat, int(delivery.chat), exc.new_chat_id)
            if (delivery.position, delivery.kind) not in moved:
                return DROPPED  # the new chat has this delivery of its own
            return await self._send(
                bot, Delivery(delivery.position, str(exc.new_chat_id), delivery.kind, delivery.message_key)
            )
        except BadRequest as exc:  # Telegram refuses this message to this chat; sending again will not help
            log.warning("announcement to chat %s refused: %s", delivery.chat, exc.message)
            await self.state.run(AlertState.mark, delivery, "failed")
            return DROPPED
        except TelegramError as exc:  # 429 past the retries, the network: it may pass
            self._back_off(delivery, exc)
            return LATER
        await self.state.run(AlertState.mark, delivery, "sent")
        self._not_before.pop(_key(delivery), None)
        return SENT

    def _back_off(self, delivery: Delivery, exc: TelegramError) -> None:
        """A fault that may pass: try the delivery again later, waiting twice as long each time."""
        _, last = self._not_before.get(_key(delivery), (0.0, RETRY_FIRST_SECONDS / 2))
        wait = min(RETRY_MAX_SECONDS, last * 2)
        self._not_before[_key(delivery)] = (time.monotonic() + wait, wait)
        log.warning("announcement to chat %s not sent (%s); trying again in %.0f s", delivery.chat, exc, wait)

    async def _message(self, delivery: Delivery) -> list:
        key = (delivery.position, delivery.message_key)
        if key not in self._parts:
            self._parts[key] = await self.state.run(AlertState.message, *key)
            while len(self._parts) > 256:
                self._parts.popitem(last=False)
        return self._parts[key]


def _topic_hits(archive: Archive, topics: list[str], total: int) -> dict[str, Hit | None]:
    """Every followed topic against one issue, in one trip to the archive's thread."""
    return {topic: archive.topic_hit(topic, total) for topic in topics}


def _key(delivery: Delivery) -> tuple[int, str, str]:
    return (delivery.position, delivery.chat, delivery.kind)

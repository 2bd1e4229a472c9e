"""/subscribe, /unsubscribe, /follow, /unfollow and /following: who is told of new issues, and of
which topics, kept in the bot's state file."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from replies import messages
from replies.conversation import Notice

from .faults import unchanged_is_fine
from .handler_base import HandlerBase, chat_id_of, query_of
from .render_alerts import parse_unfollow, unfollow_keyboard
from .render_html import notice_message
from .subscriptions import MAX_TOPICS, AlertState, TooManyTopics, normalise_topic


class AlertCommands(HandlerBase):
    async def subscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        new = await self.alerts.run(AlertState.subscribe, chat_id_of(update))
        await self._reply(update, context, Notice(messages.SUBSCRIBED if new else messages.ALREADY_SUBSCRIBED))

    async def unsubscribe(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        gone = await self.alerts.run(AlertState.unsubscribe, chat_id_of(update))
        await self._reply(update, context, Notice(messages.UNSUBSCRIBED if gone else messages.NOT_SUBSCRIBED))

    async def follow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        topic = normalise_topic(" ".join(context.args or []))
        chat = chat_id_of(update)
        if not topic:
            await self._reply(update, context, Notice(messages.FOLLOW_USAGE))
            return
        try:
            new = await self.alerts.run(AlertState.follow, chat, topic)
        except TooManyTopics:
            await self._reply(update, context, Notice(messages.TOO_MANY_TOPICS.format(limit=MAX_TOPICS)))
            return
        count = len(await self.alerts.run(AlertState.topics, chat))
        text = messages.FOLLOWED if new else messages.ALREADY_FOLLOWED
        await self._reply(update, context, Notice(text.format(topic=topic, count=count, limit=MAX_TOPICS)))

    async def unfollow(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/unfollow 话题; without one, a button per followed topic."""
        topic = normalise_topic(" ".join(context.args or []))
        chat = chat_id_of(update)
        if topic:
            gone = await self.alerts.run(AlertState.unfollow, chat, topic)
            text = messages.UNFOLLOWED if gone else messages.NOT_FOLLOWED
            await self._reply(update, context, Notice(text.format(topic=topic)))
            return
        followed = await self.alerts.run(AlertState.followed, chat)
        if not followed:
            await self._reply(update, context, Notice(messages.FOLLOWING_NONE))
            return
        await context.bot.send_message(
            chat, notice_message(messages.UNFOLLOW_PICK), reply_markup=unfollow_keyboard(followed)
        )

    async def following(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        topics = await self.alerts.run(AlertState.topics, chat_id_of(update))
        if not topics:
            await self._reply(update, context, Notice(messages.FOLLOWING_NONE))
            return
        listed = "\n".join(f"· {topic}" for topic in topics)
        await self._reply(
            update, context, Notice(messages.FOLLOWING.format(count=len(topics), limit=MAX_TOPICS, topics=listed))
        )

    async def unfollow_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A 取消关注 button: that topic goes, and the buttons left show the rest."""
        query = query_of(update)
        if query.message is None:
            await self._ack(query, messages.EXPIRED)
            return
        chat = query.message.chat.id
        topic = await self.alerts.run(AlertState.unfollow_id, chat, parse_unfollow(query.data))
        await self._ack(query, messages.UNFOLLOWED.format(topic=topic) if topic else messages.EXPIRED)
        followed = await self.alerts.run(AlertState.followed, chat)
        with unchanged_is_fine():  # a double press leaves the same buttons
            await context.bot.edit_message_reply_markup(
                chat_id=chat, message_id=query.message.message_id, reply_markup=unfollow_keyboard(followed)
            )

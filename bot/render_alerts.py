"""Announcements of a new issue as Telegram HTML: to a subscriber, to a topic's follower, to a channel.

Each message is a [html, keyboard] pair, keyboard as the Bot API's dict (or None), so a planned
announcement can be stored as JSON and sent after a restart exactly as it was rendered.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from replies import messages
from retrieval.models import Hit, StoredIssue

from .keyboards import article_data, issue_keyboard
from .render_html import BLOCK_SEPARATOR, escape, hit_block, issue_messages, pack

Part = list  # [html, keyboard dict | None]
# "uf:<row id>" unfollows one topic; ids, as a topic may be longer than callback data's 64 bytes.
_UNFOLLOW = re.compile(r"uf:(0|[1-9][0-9]{0,11})")  # one spelling per id, as unfollow_data writes it
UNFOLLOW_PATTERN = _UNFOLLOW.pattern


def _markup(keyboard: InlineKeyboardMarkup | None) -> dict | None:
    return None if keyboard is None else keyboard.to_dict()


def issue_alert(issue: StoredIssue) -> list[Part]:
    """What a subscriber gets: the issue as /issue shows it, under a line saying it is new; the
    full-text buttons on the last message."""
    texts = issue_messages(issue)
    texts[0] = f"{escape(messages.NEW_ISSUE)}\n{texts[0]}"
    keyboard = _markup(issue_keyboard(issue))
    return [[text, keyboard if i == len(texts) - 1 else None] for i, text in enumerate(texts)]


def topics_alert(issue: StoredIssue, matches: list[tuple[str, Hit]]) -> list[Part]:
    """What a follower gets: one message for every topic the new issue answers, each topic's best
    hit with its excerpt, citation and page, and a 全文 button per hit."""
    topics = "、".join(f"“{topic}”" for topic, _ in matches)
    blocks = [escape(messages.TOPICS_FOUND.format(total=issue.ref.total, topics=topics))]
    for number, (topic, hit) in enumerate(matches, start=1):
        blocks.append(f"{escape(messages.TOPIC_LINE.format(topic=topic))}\n{hit_block(hit, number)}")
    texts = pack(blocks)
    buttons = [
        InlineKeyboardButton(messages.FULL_TEXT_BUTTON.format(number=n), callback_data=article_data(hit.article_id))
        for n, (_, hit) in enumerate(matches, start=1)
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    keyboard = _markup(InlineKeyboardMarkup(rows))
    return [[text, keyboard if i == len(texts) - 1 else None] for i, text in enumerate(texts)]


def channel_post(issue: StoredIssue, bot_username: str | None) -> list[Part]:
    """A channel's post: header and titles, and a link that opens the issue in the bot (buttons
    would call back to the bot from a chat it does not answer in)."""
    texts = issue_messages(issue)
    if bot_username:
        link = f"https://t.me/{bot_username}?start=issue_{issue.ref.total}"
        texts = pack(
            [*texts, f'<a href="{escape(link)}">{escape(messages.CHANNEL_LINK)}</a>'], separator=BLOCK_SEPARATOR
        )
    return [[text, None] for text in texts]


def unfollow_keyboard(followed: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """A 取消关注 button per followed topic."""
    rows = [
        [InlineKeyboardButton(messages.UNFOLLOW_BUTTON.format(topic=topic), callback_data=f"uf:{row_id}")]
        for row_id, topic in followed
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def parse_unfollow(data: object) -> int | None:
    found = _UNFOLLOW.fullmatch(data) if isinstance(data, str) else None
    return int(found.group(1)) if found else None

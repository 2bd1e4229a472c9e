"""Inline buttons, and the short callback data behind them (Telegram allows 64 bytes).

"p:<key>:<page>" shows a page of a saved question (the question itself stays in the database);
"a:<article id>" sends an article's whole text;
"f:<总期号>:<start of the file's sha256>" sends an issue's original file, if it is still that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from retrieval.models import StoredIssue

from . import messages
from .conversation import AnswerPage

MAX_ISSUE_BUTTONS = 50
# Matched whole (fullmatch: "$" would let a trailing newline through), ASCII digits only.
_PAGE = re.compile(r"p:([A-Za-z0-9_-]{1,32}):([0-9]{1,2})")
_ARTICLE = re.compile(r"a:([0-9]{1,12})")
SOURCE_HASH_CHARS = 16
_SOURCE = re.compile(rf"f:([0-9]{{1,6}}):([0-9a-f]{{{SOURCE_HASH_CHARS}}})")


@dataclass(frozen=True)
class PageRequest:
    key: str
    page: int


@dataclass(frozen=True)
class ArticleRequest:
    article_id: int


@dataclass(frozen=True)
class SourceRequest:
    """The original file of issue `total`, as long as its sha256 still starts with `sha256`."""

    total: int
    sha256: str


CallbackRequest = PageRequest | ArticleRequest | SourceRequest


def parse_callback(data: object) -> CallbackRequest | None:
    """What a button press asks for; None for data this bot never made (not text, or not ours)."""
    if not isinstance(data, str):
        return None
    if m := _PAGE.fullmatch(data):
        return PageRequest(m.group(1), int(m.group(2)))
    if m := _ARTICLE.fullmatch(data):
        return ArticleRequest(int(m.group(1)))
    if m := _SOURCE.fullmatch(data):
        return SourceRequest(int(m.group(1)), m.group(2))
    return None


def page_data(key: str, page: int) -> str:
    return f"p:{key}:{page}"


def article_data(article_id: int) -> str:
    return f"a:{article_id}"


def source_data(total: int, sha256: str) -> str:
    return f"f:{total}:{sha256[:SOURCE_HASH_CHARS].lower()}"


def answer_keyboard(page: AnswerPage, key: str | None) -> InlineKeyboardMarkup | None:
    """A 全文 button per hit; 上一页 / 更多结果 when the question was saved for paging."""
    hits = page.answer.hits
    rows = []
    if hits:
        rows.append(
            [
                InlineKeyboardButton(
                    messages.FULL_TEXT_BUTTON.format(number=n), callback_data=article_data(h.article_id)
                )
                for n, h in enumerate(hits, start=page.first_number)
            ]
        )
    if key is not None:
        nav = []
        if page.page > 0:
            nav.append(InlineKeyboardButton(messages.PREVIOUS_BUTTON, callback_data=page_data(key, page.page - 1)))
        if page.has_more:
            nav.append(InlineKeyboardButton(messages.MORE_BUTTON, callback_data=page_data(key, page.page + 1)))
        if nav:
            rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def issue_keyboard(issue: StoredIssue) -> InlineKeyboardMarkup | None:
    """One 全文 button per article, labelled with its number and the start of its title; then 原文
    when the issue's file is kept."""
    rows = [
        [
            InlineKeyboardButton(
                f"{messages.FULL_TEXT_BUTTON.format(number=n)}：{messages.shorten(a.title, 16)}",
                callback_data=article_data(a.id),
            )
        ]
        for n, a in enumerate(issue.articles[:MAX_ISSUE_BUTTONS], start=1)
    ]
    if issue.file is not None:
        data = source_data(issue.ref.total, issue.file.sha256)
        rows.append([InlineKeyboardButton(messages.source_button(issue.file.format), callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None

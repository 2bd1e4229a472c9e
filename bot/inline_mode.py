"""Inline mode: @bot 问题 typed in any chat, answered with up to ten hits to pick from."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from replies import messages
from retrieval.archive import Archive

from .handler_base import HandlerBase
from .render_html import hit_block

INLINE_RESULTS = 10
INLINE_DESCRIPTION_CHARS = 120
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class InlineMode(HandlerBase):
    async def inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """@bot 问题 in any chat: up to ten hits, each sent with its citation when chosen."""
        query = update.inline_query
        if query is None:
            raise TypeError("the inline handler was called for an update without an inline query")
        if self.inline_queries.wait_seconds(query.from_user.id):
            await query.answer([], cache_time=5, is_personal=True)
            return
        answer = await self.worker.run(Archive.ask, query.query, INLINE_RESULTS) if query.query.strip() else None
        if answer is None or not answer.hits:
            button = InlineQueryResultsButton(text=messages.INLINE_HELP_BUTTON, start_parameter="help")
            await query.answer([], cache_time=30, button=button)
            return
        results = [
            InlineQueryResultArticle(
                id=str(hit.article_id),
                title=messages.shorten(hit.title, 100),
                description=messages.shorten(hit.excerpt.strip("…"), INLINE_DESCRIPTION_CHARS),
                input_message_content=InputTextMessageContent(
                    hit_block(hit), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
            )
            for hit in answer.hits
        ]
        await query.answer(results, cache_time=60)

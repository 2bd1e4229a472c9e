"""Checks of the structured parameters several methods share: reply markup and its buttons, link
preview options, inline query results and their button, each refused with Telegram's words."""

from __future__ import annotations

import re
from typing import Any

from .entities import format_caption, format_text
from .errors import _bad

MAX_KEYBOARD_BUTTONS = 100
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "copy_text",
    "callback_game",
    "pay",
)
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_link_preview(options: Any) -> None:
    if options is not None and options != "" and not isinstance(options, dict):
        raise _bad("can't parse link preview options JSON object")


def _check_reply_markup(markup: Any, *, inline_only: bool) -> dict | None:
    """The markup as Telegram keeps it, or BotApiError. None when there is none."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('can\'t parse inline keyboard button: Field "inline_keyboard" must be an Array of Arrays')
        if sum(len(row) for row in rows) > MAX_KEYBOARD_BUTTONS:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button_of_keyboard(button)
        return {"inline_keyboard": [[dict(button) for button in row] for row in rows]}
    if inline_only:
        raise _bad("reply markup must be an inline keyboard here")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('can\'t parse keyboard button: Field "keyboard" must be an Array of Arrays')
        if sum(len(row) for row in rows) > 300:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                label = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
                if not isinstance(label, str) or not label:
                    raise _bad("keyboard button text is empty")
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_inline_button_of_keyboard(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"].strip():
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in _BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad(f"can't parse inline keyboard button: a button can't have both {actions[0]} and {actions[1]}")
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str) or not 1 <= len(value.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    elif action == "url":
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://", "tg://")):
            raise _bad("BUTTON_URL_INVALID")
    elif action in ("switch_inline_query", "switch_inline_query_current_chat"):
        if not isinstance(value, str):
            raise _bad(f'can\'t parse inline keyboard button: Field "{action}" must be of type String')
    elif action in ("switch_inline_query_chosen_chat", "web_app", "login_url", "copy_text", "callback_game"):
        if not isinstance(value, dict):
            raise _bad(f'can\'t parse inline keyboard button: Field "{action}" must be of type Object')


def _check_inline_result(result: Any) -> None:
    if not isinstance(result, dict):
        raise _bad("can't parse inline query result JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise _bad("RESULT_ID_INVALID")
    kind = result.get("type")
    if not isinstance(kind, str) or not kind:
        raise _bad("RESULT_TYPE_INVALID")
    content = result.get("input_message_content")
    if kind == "article":
        title = result.get("title")
        if not isinstance(title, str):
            raise _bad('can\'t parse inline query result: Field "title" must be of type String')
        if not title.strip():
            raise _bad("RESULT_TITLE_EMPTY")
        if not isinstance(content, dict):
            raise _bad('can\'t parse inline query result: Field "input_message_content" must be of type Object')
    if content is not None:
        if not isinstance(content, dict):
            raise _bad("can't parse InputMessageContent JSON object")
        if "message_text" in content:
            format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
            _check_link_preview(content.get("link_preview_options"))
        elif not any(key in content for key in ("latitude", "phone_number", "payload", "title")):
            raise _bad("can't parse InputMessageContent JSON object")
    if "caption" in result:
        format_caption(result)
    _check_reply_markup(result.get("reply_markup"), inline_only=True)


def _check_inline_button(button: Any) -> None:
    if button is None or button == "":
        return
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise _bad("can't parse InlineQueryResultsButton JSON object")
    start = button.get("start_parameter")
    if start is None and not isinstance(button.get("web_app"), dict):
        raise _bad("can't parse InlineQueryResultsButton JSON object")
    if start is not None and not (isinstance(start, str) and _START_PARAMETER.fullmatch(start)):
        raise _bad("START_PARAM_INVALID")

"""A local stand-in for the Telegram Bot API, for tests that drive the real python-telegram-bot.

The stand-in answers the Bot API methods a bot like ours uses, checking requests the way Telegram
does: HTML parsing with Telegram's error messages and byte
offsets (the only parse mode it knows), the 4096 UTF-16 unit limit, inline keyboard rules, one answer
per callback or inline query, command lists, file sizes (20 MB a bot can download, 50 MB it can
send, 1024 characters of caption).  Every request is recorded, so a test can assert both on what
the bot sent and on what Telegram would have refused; files the bot sends (sendDocument, as a
multipart/form-data upload) are kept and read back with ``documents(chat_id)``, and photos
(sendPhoto: PNG or JPEG within Telegram's size and shape limits) with ``photos(chat_id)``.

    with BotApiStandIn() as standin:
        app = (ApplicationBuilder().token(standin.token)
               .base_url(standin.base_url).base_file_url(standin.base_file_url).build())
        ...
        standin.push_message(42, "/start")
        call = standin.wait_for("sendMessage", lambda p: p["chat_id"] == 42)

``wait_for`` blocks the calling thread; from inside an event loop call it through
``await asyncio.to_thread(standin.wait_for, ...)`` so the bot keeps running meanwhile.

Started, it serves HTTP on 127.0.0.1 (server.py), for a bot in another process or faults of the
network.  Without ``start()`` no server runs: ``StandInRequest(standin)`` (request.py) answers a
Bot or an Application in-process through the same core, for tests where HTTP adds nothing.

Telegram-side facts the stand-in also enforces: the bot can only write to chats it has seen
(``chat not found``; ``Forbidden`` for a known user without a private chat), replies must
name an existing message, users can only press buttons that are on the message, and in groups
privacy mode decides which messages reach the bot at all.

Faults can be injected per method, getUpdates included (faults.py).  ``wait_idle`` tells when a
polling bot is done with everything it was sent, so a test can assert that nothing more comes
without sleeping.

One check is deliberately stricter than Telegram: in HTML, an '&' that starts no character
reference is refused (Telegram keeps it literally), since its documentation requires escaping
and a bare '&' means the text was not escaped.  Descriptions Telegram words in its own codes
(BUTTON_DATA_INVALID, RESULT_ID_DUPLICATE, ...) are reproduced; a few rarer ones are close
paraphrases.

The package, by seam: markup.py and entities.py (Telegram's text rules), wire.py (requests as
they arrive), checks.py (structured parameters), state.py, updates.py and methods.py (Telegram's
side and its methods), faults.py, records.py (the record of calls and waiting on it), core.py
(one method call, whatever the transport), server.py (HTTP) and request.py (in-process).
"""

from __future__ import annotations

from .checks import _check_reply_markup
from .core import BotApiCore
from .entities import MAX_CAPTION_UTF16, MAX_MESSAGE_UTF16, format_text, utf16_len
from .errors import BotApiError
from .faults import FAULT_KINDS
from .markup import parse_html
from .records import Call
from .request import StandInRequest
from .server import HttpServing
from .wire import Upload

__all__ = [
    "FAULT_KINDS",
    "MAX_CAPTION_UTF16",
    "MAX_MESSAGE_UTF16",
    "BotApiCore",
    "BotApiError",
    "BotApiStandIn",
    "Call",
    "StandInRequest",
    "Upload",
    "_check_reply_markup",
    "format_text",
    "parse_html",
    "utf16_len",
]


class BotApiStandIn(HttpServing, BotApiCore):
    """A Telegram Bot API that checks requests as Telegram does and records them: served on
    127.0.0.1 once started (HTTP), answered in-process through StandInRequest either way."""

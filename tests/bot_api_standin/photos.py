"""sendPhoto, as Telegram answers it: an image uploaded with the request (PNG or JPEG, at most
10 MB, width and height adding up to at most 10,000 and neither over 20 times the other) or one
it already holds, with a caption of at most 1,024 characters and an inline keyboard; read back
with ``photos(chat_id)``."""

from __future__ import annotations

import struct
import threading

from .checks import _check_reply_markup
from .entities import caption_fields, format_caption
from .errors import BotApiError, _bad
from .state import _File, _Stored
from .wire import Upload

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000
MAX_PHOTO_RATIO = 20
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (from its IHDR chunk), (0, 0) for a JPEG (its size is not read
    here), None for anything else: Telegram cannot process it as a photo."""
    if content.startswith(PNG_MAGIC) and len(content) >= 24 and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content.startswith(b"\xff\xd8\xff"):
        return 0, 0
    return None


class PhotosMixin:
    _lock: threading.RLock
    _files: dict[str, _File]
    _messages: dict[tuple[int, int], _Stored]

    def _send_photo(self, params: dict) -> dict:
        photo = params.get("photo")
        if isinstance(photo, Upload):
            if len(photo.content) > MAX_PHOTO_BYTES:
                raise BotApiError(413, "Request Entity Too Large")
            if not photo.content:
                raise _bad("file must be non-empty")
            size = image_size(photo.content)
            if size is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > MAX_PHOTO_SIDES or (
                width and height and max(width, height) > MAX_PHOTO_RATIO * min(width, height)
            ):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            stored = self._new_file(photo.filename or "photo", photo.content)
            stored.mime_type = "image/png" if photo.content.startswith(PNG_MAGIC) else "image/jpeg"
            stored.file_name = f"{width}x{height}"
        elif photo is None or photo == "":
            raise _bad("there is no photo in the request")
        elif isinstance(photo, str) and photo in self._files:
            stored = self._files[photo]
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        caption, entities = format_caption(params)
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=False)
        chat = self._chat(params)
        self._check_flood(chat["id"])
        width, _, height = stored.file_name.partition("x")
        body: dict = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": int(width or 0),
                    "height": int(height or 0),
                    "file_size": stored.size,
                }
            ]
        }
        body |= caption_fields(caption, entities)
        raw = params.get("caption")
        return self._new_bot_message(chat, params, body, raw if isinstance(raw, str) else None, markup)

    def photos(self, chat_id: int) -> list[dict]:
        """The photos the bot has sent to a chat, in send order: "content" (the bytes uploaded),
        "width", "height", "caption" (as shown), "reply_markup" and "message_id"."""
        with self._lock:
            out = []
            for message in self.messages(chat_id):
                if "photo" in message:
                    size = message["photo"][-1]
                    out.append(
                        {
                            "content": self._files[size["file_id"]].content,
                            "width": size["width"],
                            "height": size["height"],
                            "caption": message.get("caption"),
                            "reply_markup": message.get("reply_markup"),
                            "message_id": message["message_id"],
                        }
                    )
            return out

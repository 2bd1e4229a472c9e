"""A bulletin sent to the bot by an admin: downloaded, ingested in the upload worker's process, its
progress shown in one message that ends with the result."""

from __future__ import annotations

import logging

from telegram import Document, Update
from telegram.constants import FileSizeLimit
from telegram.ext import ContextTypes

from replies import messages
from replies.conversation import Notice
from retrieval.archive import MAX_FILE_BYTES, ArchiveError
from retrieval.display import printable
from retrieval.models import IngestReport

from . import upload_messages
from .handler_base import HandlerBase, chat_id_of, message_of
from .progress import ProgressMessage
from .uploads import UploadInterrupted, UploadProgress

log = logging.getLogger(__name__)

# Telegram lets bots download files up to 20 MB; the archive reads files up to its own cap.
MAX_UPLOAD_BYTES = min(MAX_FILE_BYTES, FileSizeLimit.FILESIZE_DOWNLOAD)


class UploadHandler(HandlerBase):
    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A bulletin (PDF, Word, web page or text, told by its bytes) from an admin is ingested as
        `run_bot.py ingest` would, in the upload worker's process, one file at a time; one message
        shows its progress and then its result. Anyone else is refused and nothing is stored."""
        document = message_of(update).document
        if document is None:
            raise TypeError("the document handler was called for a message without a document")
        name = document.file_name or "未命名文件"
        if not self._is_admin(update):
            await self._reply(update, context, Notice(upload_messages.UPLOAD_REFUSED))
            return
        if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
            await self._reply(update, context, Notice(upload_messages.UPLOAD_TOO_BIG.format(name=name)))
            return
        with self.uploads.place() as queued:
            waiting = upload_messages.upload_progress(UploadProgress(name, queued=queued))
            shown = await ProgressMessage.send(context.bot, chat_id_of(update), waiting)
            report = await self._ingest_upload(document, name, shown)
        status = report.status.value if report.status else "refused"
        user = update.effective_user
        # The sender chose the name: escaped, so that a CR or LF in it cannot write a line of its own.
        log.info("admin %s uploaded %s: %s", user.id if user else "?", printable(name), status)
        await shown.finish(messages.ingest_line(report))

    async def _ingest_upload(self, document: Document, name: str, shown: ProgressMessage) -> IngestReport:
        """Download the file and store it; whatever happens comes back as a report for the message."""
        try:
            data = bytes(await (await document.get_file()).download_as_bytearray())
            return await self.uploads.ingest(data, name, lambda p: shown.show(upload_messages.upload_progress(p)))
        except UploadInterrupted:
            return IngestReport(name=name, error=upload_messages.UPLOAD_INTERRUPTED)
        except ArchiveError as exc:  # the archive busy past the timeout (a CLI ingest), full, read-only …
            log.warning("the upload %s was not stored: %s", printable(name), printable(str(exc)))
            return IngestReport(name=name, error=str(exc))
        except Exception:  # a failed download or a fault of the reader: logged, and the admin told
            log.exception("reading the upload %s failed", printable(name))
            return IngestReport(name=name, error=upload_messages.UPLOAD_FAILED)

"""What the bot says about a file an admin sends it: refused, queued, page by page, or failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.display import printable

if TYPE_CHECKING:  # the upload worker pulls in asyncio and multiprocessing: not for every command
    from .uploads import UploadProgress

UPLOAD_REFUSED = "谢谢！只有管理员可以向档案添加简报，这个文件没有保存。"
UPLOAD_TOO_BIG = "文件“{name}”太大（上限 20 MB），没有导入。"
UPLOAD_QUEUED = "已排队…“{name}”将在前面的文件导入完成后读取。"
UPLOAD_READING = "正在读取“{name}”…"
UPLOAD_PAGE = "正在读取第 {done}/{total} 页…"
UPLOAD_OCR_PAGE = "正在识别第 {done}/{total} 页…"
UPLOAD_INTERRUPTED = "机器人正在停止，导入没有完成。请稍后重新发送这个文件。"
UPLOAD_FAILED = "读取时出了问题，没有导入。请稍后重新发送这个文件。"


def upload_progress(progress: UploadProgress) -> str:
    """The one message that follows an upload: queued, reading, then page by page for long files."""
    if progress.queued:
        return UPLOAD_QUEUED.format(name=printable(progress.name))
    if progress.total > 1:
        line = UPLOAD_OCR_PAGE if progress.ocr else UPLOAD_PAGE
        return line.format(done=progress.done, total=progress.total)
    return UPLOAD_READING.format(name=printable(progress.name))

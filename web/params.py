"""What a request may carry: a question within the bot's cap, a page number, numbers in paths,
and how often a client may ask. Anything else is refused with a sentence, before the archive
sees it."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from replies import messages
from retrieval.archive import MAX_QUESTION_CHARS

from . import text

# Page numbers past any real list, but small enough that arithmetic on them stays cheap.
MAX_PAGE_DIGITS = 6
# An office's name in a source line is a few dozen characters at most.
MAX_SOURCE_CHARS = 100
# Ids and 总期号 in paths: SQLite integers, and far more than the archive will ever hold.
MAX_NUMBER_DIGITS = 9


class PageError(HTTPException):
    """A request refused with a sentence the user reads (400, 404, 429 …)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(status_code=status, detail=message, headers=headers)


def printable(value: str) -> str:
    """Control, format and lone surrogate characters out, whitespace folded: safe to echo."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def question(request: Request) -> str:
    """The question `q`: refused past the bot's cap (which would cut it), never silently cut."""
    raw = request.query_params.get("q", "")
    if len(raw) > MAX_QUESTION_CHARS:
        raise PageError(400, text.QUESTION_TOO_LONG.format(length=len(raw), limit=MAX_QUESTION_CHARS))
    return printable(raw)


def page(request: Request) -> int:
    """The 1-based `page`, 1 when absent."""
    raw = request.query_params.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_PAGE_DIGITS and int(raw) >= 1):
        raise PageError(400, text.BAD_PAGE)
    return int(raw)


def year(request: Request) -> int | None:
    """The `year` a reader narrowed the list to (a facet's link), None when absent."""
    raw = request.query_params.get("year", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise PageError(400, text.BAD_YEAR)
    return int(raw)


def source(request: Request) -> str | None:
    """The `source` office a reader narrowed the list to, None when absent."""
    raw = printable(request.query_params.get("source", ""))
    if len(raw) > MAX_SOURCE_CHARS:
        raise PageError(400, text.BAD_SOURCE)
    return raw or None


def number(raw: str, not_found: str) -> int:
    """A positive number from a path; anything else names no page there is (404)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_NUMBER_DIGITS):
        raise PageError(404, not_found)
    return int(raw)


def limit_questions(request: Request) -> None:
    """Count a question against its client's allowance; over it, 429 with Retry-After."""
    client = request.client.host if request.client else ""
    wait = request.app.state.limiter.retry_after(client)
    if wait:
        raise PageError(429, messages.RATE_LIMITED.format(seconds=wait), headers={"Retry-After": str(wait)})

"""Replies as Telegram HTML: every fragment escaped, terms in bold, no message over 4,096 characters.

Telegram counts a message's length after entity parsing (tags gone, entities decoded), in UTF-16
code units. Messages are built from whole blocks; a block is never cut inside a tag.
"""

from __future__ import annotations

import html
import re

from replies import browse_text, messages
from replies.citations import gbt7714
from replies.conversation import AnswerPage, ArticleView, SourceDocument, YearsView, YearView
from replies.emphasis import emphasise, escape
from retrieval.archive import split_sentences
from retrieval.models import Answer, Hit, Match, StoredIssue

MESSAGE_LIMIT = 4096
TITLE_CHARS = 200
SOURCE_CHARS = 100
# Titles in a year's list are shortened further: five issues of titles share one message.
YEAR_TITLE_CHARS = 60
BLOCK_SEPARATOR = "\n\n"

_TAG = re.compile(r"<[^>]*>")


def one_line(text: str, limit: int) -> str:
    """A title or source as one shortened line, whatever line breaks the file carried."""
    return messages.shorten(" ".join(text.split()), limit)


def visible_length(fragment: str) -> int:
    """Length Telegram checks: the text after entity parsing, in UTF-16 code units."""
    return utf16_length(html.unescape(_TAG.sub("", fragment)))


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- answers ----------------------------------------------------------------


def answer_message(page: AnswerPage) -> str:
    """One message (it is edited in place when paging); hits that would not fit are dropped whole."""
    answer = page.answer
    # A list narrowed to a year says so first: the reader pressed a year, the heading alone would not tell.
    head = (
        []
        if page.year is None
        else [f"<b>{escape(messages.NARROWED_TO.format(label=messages.narrowed_label(page.year)))}</b>"]
    )
    if not answer.hits:
        return BLOCK_SEPARATOR.join([*head, escape(messages.no_hits(answer, page.first_number))])
    if answer.match is Match.RELATED:
        head.append(f"<i>{escape(messages.RELATED_ONLY)}</i>")
    head.append(escape(messages.answer_heading(answer, page.first_number)))
    blocks = head + [hit_block(hit, number) for number, hit in enumerate(answer.hits, start=page.first_number)]
    while len(blocks) > len(head) + 1 and visible_length(BLOCK_SEPARATOR.join(blocks)) > MESSAGE_LIMIT:
        blocks.pop()
    return BLOCK_SEPARATOR.join(blocks)


def hit_block(hit: Hit, number: int | None = None) -> str:
    """Title (numbered within a list), the excerpt with the question's terms in bold, and where it
    was published."""
    title = escape(one_line(hit.title, TITLE_CHARS))
    if number is not None:
        title = f"{number}. {title}"
    source = one_line(hit.source, SOURCE_CHARS) if hit.source else None
    return (
        f"<b>{title}</b>\n"
        f"<blockquote>{emphasise(hit.excerpt, hit.marks, hit.answer, term=('<u>', '</u>'))}</blockquote>\n"
        f"<i>{escape(messages.citation(hit.issue, source, hit.page))}</i>"
    )


# --- issues and articles ------------------------------------------------------


def issue_messages(issue: StoredIssue) -> list[str]:
    """Header (总期号, 期号, date, issuer) and the numbered article titles with their sources."""
    ref = issue.ref
    blocks = [
        f"<b>{escape(messages.issue_label(ref))}</b>\n{escape(messages.cn_date(ref.date))} · {escape(ref.issuer)}",
        escape(messages.ARTICLES_HEADING),
    ]
    for number, article in enumerate(issue.articles, start=1):
        source = f"（{one_line(article.source, SOURCE_CHARS)}）" if article.source else ""
        blocks.append(f"{number}. {escape(one_line(article.title, TITLE_CHARS))}<i>{escape(source)}</i>")
    return pack(blocks, separator="\n")


def article_messages(view: ArticleView) -> list[str]:
    """The whole article, split at paragraphs (or sentences) over as many messages as it needs.

    Messages after the first start with a short title and "(2/3)"; room for that line is kept in
    every message, measured as Telegram measures it.
    """
    article = view.article
    short_title = escape(one_line(article.title, TITLE_CHARS // 2))

    def continuation(part: int, parts: int) -> str:
        return f"<b>{short_title}</b>{escape(messages.FULL_TEXT_PART.format(part=part, parts=parts))}{BLOCK_SEPARATOR}"

    limit = MESSAGE_LIMIT - visible_length(continuation(99999, 99999))
    blocks = [f"<b>{escape(one_line(article.title, TITLE_CHARS))}</b>"]
    for paragraph in article.text.splitlines():
        if paragraph.strip():
            blocks += [escape(piece) for piece in split_plain(paragraph.strip(), limit)]
    source = one_line(article.source, SOURCE_CHARS) if article.source else None
    blocks.append(f"<i>{escape(messages.citation(view.ref, source, article.page))}</i>")
    # The reference a paper or a report needs, as the web's article page and the exports give it.
    reference = gbt7714(view.ref, article.title, article.source, article.page)
    blocks.append(f"<i>{escape(messages.GBT7714_LABEL)}</i><code>{escape(reference)}</code>")
    parts = pack(blocks, limit=limit)
    if len(parts) == 1:
        return parts
    return [part if i == 1 else continuation(i, len(parts)) + part for i, part in enumerate(parts, start=1)]


# --- browsing by year ------------------------------------------------------------


def years_message(view: YearsView) -> str:
    """Why the years are offered (or a heading), one line per year with its issues, and a hint;
    the earliest years give way should they ever outgrow one message."""
    head = escape(view.note or browse_text.YEARS_HEADING)
    tail = escape(browse_text.YEARS_HINT)
    lines = [escape(browse_text.year_count(year, count)) for year, count in view.years]
    while lines and visible_length("\n".join([head, *lines, tail])) > MESSAGE_LIMIT:
        lines.pop(0)
    return "\n".join([head, *lines, tail])


def year_message(view: YearView) -> str:
    """The year, its count and the page; then each issue of the page with its article titles.
    Each issue gets an equal share of the message, so the page never outgrows it."""
    heading = f"<b>{escape(browse_text.year_heading(view.year, view.count, view.page, view.pages))}</b>"
    gaps = len(view.issues) * utf16_length(BLOCK_SEPARATOR)
    share = (MESSAGE_LIMIT - visible_length(heading) - gaps) // max(len(view.issues), 1)
    return BLOCK_SEPARATOR.join([heading] + [year_entry(issue, share) for issue in view.issues])


def year_entry(issue: StoredIssue, budget: int) -> str:
    """第N期 · 总第N期 · date, then numbered titles while they fit the budget; "……另有N篇" for the
    rest (room for that line is kept all along)."""
    lines = [f"<b>{escape(browse_text.issue_line(issue.ref))}</b>"]
    size = visible_length(lines[0])
    articles = issue.articles
    if not articles:
        lines.append(escape(browse_text.NO_ARTICLES))
    for number, article in enumerate(articles, start=1):
        line = f"{number}. {escape(one_line(article.title, YEAR_TITLE_CHARS))}"
        left = len(articles) - number
        reserve = 1 + utf16_length(browse_text.MORE_ARTICLES.format(count=left)) if left else 0
        if size + 1 + visible_length(line) + reserve > budget:
            lines.append(escape(browse_text.MORE_ARTICLES.format(count=left + 1)))
            break
        lines.append(line)
        size += 1 + visible_length(line)
    return "\n".join(lines)


def notice_message(text: str) -> str:
    return escape(text)


def source_caption(document: SourceDocument) -> str:
    """The caption under an issue's original file: the issue's label."""
    return escape(messages.issue_label(document.ref))


def export_caption(answer: Answer, year: int | None = None) -> str:
    """The caption under a Word export: the question (escaped, shortened) and what the file holds,
    after the year it was narrowed to."""
    caption = messages.EXPORT_CAPTION.format(question=messages.shorten(answer.question, 60), count=len(answer.hits))
    return escape(
        caption if year is None else f"{messages.NARROWED_TO.format(label=messages.narrowed_label(year))}\n{caption}"
    )


# --- packing -------------------------------------------------------------------


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT, separator: str = BLOCK_SEPARATOR) -> list[str]:
    """Join whole blocks into as few messages as fit the limit, in order."""
    messages_out: list[str] = []
    current: list[str] = []
    size = 0
    gap = utf16_length(separator)
    for block in (piece for whole in blocks for piece in _fit(whole, limit)):
        length = visible_length(block)
        if current and size + gap + length > limit:
            messages_out.append(separator.join(current))
            current, size = [], 0
        size += length + (gap if current else 0)
        current.append(block)
    if current:
        messages_out.append(separator.join(current))
    return messages_out


def _fit(block: str, limit: int) -> list[str]:
    """A block too long for one message keeps its text but loses its formatting, cut into pieces."""
    if visible_length(block) <= limit:
        return [block]
    return [escape(piece) for piece in split_plain(html.unescape(_TAG.sub("", block)), limit)]


def split_plain(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most limit UTF-16 units, at sentence ends where possible."""
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text) or [text]:
        for chunk in _hard_cut(sentence, limit):
            if current and utf16_length(current) + utf16_length(chunk) > limit:
                pieces.append(current)
                current = ""
            current += chunk
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _hard_cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = utf16_length(ch)
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces

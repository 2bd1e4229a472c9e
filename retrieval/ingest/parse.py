"""Bulletin text -> Issue. Pure functions: no I/O, no database.

The text comes from PDF extraction, so the parser mends its artefacts: blank lines at page
breaks (even inside a word), line-wrap spaces, and markdown bold markers. When the reader says
where pages start, each article records the page each stretch of its text is on.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import NotABulletin
from ..models import BULLETIN_TITLE, Article, Footer, Issue, IssueRef
from ..text import CJK, close_wrap_spaces, compact, ends_sentence, split_sentences

DEFAULT_ISSUER = "首都精神文明办"
HEADER_SCAN_LINES = 12
MAX_HEADING_CHARS = 60
MAX_HEADLINE_SENTENCE_CHARS = 60
# The largest 总期号 and 期号 an issue may carry: as many digits as /issue accepts, so every
# stored issue can be opened, and far inside SQLite's integers.
MAX_TOTAL = 99_999
MAX_NUMBER = 999

_TOTAL = re.compile(r"总\s*第\s*(\d+)\s*期")
_NUMBER = re.compile(r"第\s*(\d+)\s*期")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DIGITS = "〇一二三四五六七八九"
_CN_DATE = re.compile(
    r"([〇零○Ｏ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)

_FOOTER_FIELDS = {
    "责编": "editor",
    "责任编辑": "editor",
    "核稿": "reviewer",
    "电话": "phone",
    "传真": "fax",
    "邮箱": "email",
    "电子邮箱": "email",
    "报": "report_to",
    "送": "send_to",
    "发": "distribute_to",
}
_FOOTER_LINE = re.compile(r"^\s*(" + "|".join(sorted(_FOOTER_FIELDS, key=len, reverse=True)) + r")\s*[:：]\s*(.*)$")

_ATTRIBUTION = re.compile(r"^[(（]([^()（）。，,]{2,40})[)）]$")
_TRAILING_ATTRIBUTION = re.compile(r"^(.*[。！？!?”』」])\s*[(（]([^()（）。，,]{2,40})[)）]$", re.S)
_NOT_A_SOURCE = re.compile(r"^[\d一二三四五六七八九十]+$|^完$")
_ENUMERATED = re.compile(
    r"^(?:[一二三四五六七八九十]+[、是.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|第[一二三四五六七八九十]+[,，、])"
)
_EDITOR_NOTE = re.compile(r"^[【\[]?编者按")


Marks = tuple[tuple[int, int], ...]
"""(offset, page) where a page begins within a line, block or paragraph."""


@dataclass(frozen=True)
class _Block:
    """A cleaned line, or lines joined into one paragraph, with the pages it spans."""

    text: str
    marks: Marks = ()


@dataclass
class _Draft:
    """An article while its blocks are being collected."""

    title: str
    paragraphs: list[_Block] = field(default_factory=list)
    source: str | None = None

    def freeze(self) -> Article:
        marks: list[tuple[int, int]] = []
        base = 0
        for paragraph in self.paragraphs:
            for offset, page in paragraph.marks:
                if offset <= len(paragraph.text) and (not marks or marks[-1][1] != page):
                    marks.append((base + offset, page))
            base += len(paragraph.text) + 1
        return Article(
            title=self.title,
            source=self.source,
            paragraphs=tuple(p.text for p in self.paragraphs),
            page_marks=tuple(marks),
        )


def parse_bulletin(text: str, page_starts: tuple[int, ...] = ()) -> Issue:
    """Parse the text of one bulletin; raise NotABulletin naming what is missing.

    `page_starts[i]` is the offset in `text` where page i + 1 begins (empty without pages).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = _lines(text, page_starts)
    ref, body_start = _parse_header([line.text for line in lines])
    body_lines, footer = _split_footer(lines[body_start:])
    blocks = _merge_broken_blocks([line for line in body_lines if line.text])
    articles = _build_articles(blocks)
    if not articles:
        raise NotABulletin("文件不完整：报头之后没有正文文章")
    empty = [a.title for a in articles if not a.paragraphs]
    if empty:
        raise NotABulletin(f"文件不完整：文章“{empty[0]}”只有标题没有正文")
    if footer == Footer() and not _article_complete(articles[-1]):
        raise NotABulletin("文件不完整：正文在句子中间中断，且缺少页脚（责编、核稿、报送发）")
    return Issue(ref=ref, articles=tuple(articles), footer=footer)


def _clean_line(line: str) -> str:
    line = line.replace("\ufeff", "").replace("**", "").replace("\u3000", " ")
    return close_wrap_spaces(line.strip())


def _lines(text: str, page_starts: tuple[int, ...]) -> list[_Block]:
    """Cleaned lines, each with the page it starts on and any page that begins inside it."""
    lines = []
    start = 0
    for raw in text.split("\n"):
        end = start + len(raw)
        marks: list[tuple[int, int]] = []
        if page_starts:
            first = bisect.bisect_right(page_starts, start)  # page starts up to this line's start
            marks.append((0, max(1, first)))
            for index in range(first, bisect.bisect_left(page_starts, end)):
                # Cleaning drops characters, so a mark's offset is the cleaned prefix's length.
                marks.append((len(_clean_line(raw[: page_starts[index] - start])), index + 1))
        lines.append(_Block(_clean_line(raw), tuple(marks)))
        start = end + 1
    return lines


# --- header ---------------------------------------------------------------


def _parse_header(lines: list[str]) -> tuple[IssueRef, int]:
    """Read title, 期号, 总期号, issuer and date from the first lines; return them and where the body starts."""
    found_title = False
    total = number = None
    date = None
    issuer_parts: list[str] = []
    body_start = None
    seen = 0
    previous = ""
    for index, raw in enumerate(lines):
        if not raw:
            continue
        seen += 1
        if seen > HEADER_SCAN_LINES:
            break
        line = unicodedata.normalize("NFKC", raw)
        rest = compact(line)
        if BULLETIN_TITLE in rest:
            found_title = True
            rest = rest.replace(BULLETIN_TITLE, "")
        elif not found_title and _title_completed(previous, rest):
            # A masthead set over two lines: 首都精神文明建设 / 情况简报.
            found_title = True
            rest = rest[len(BULLETIN_TITLE) - len(previous) :]
        previous = rest if not found_title else ""
        if (m := _TOTAL.search(rest)) and total is None:
            total = _issue_number(m, MAX_TOTAL)
            rest = rest[: m.start()] + rest[m.end() :]
        if (m := _NUMBER.search(rest)) and number is None:
            number = _issue_number(m, MAX_NUMBER)
            rest = rest[: m.start()] + rest[m.end() :]
        date_match = _DATE.search(rest) or _CN_DATE.search(rest)
        if date_match:
            date = _to_date(date_match)
            rest = rest[: date_match.start()] + rest[date_match.end() :]
        rest = rest.strip("()（）[]【】 ")
        # The issuer sits on the date's line in many Word and web mastheads.
        if rest and found_title and len(rest) <= 20 and (date is None or date_match):
            issuer_parts.append(rest)
        if date_match:
            body_start = index + 1
            break
    missing = []
    if not found_title:
        missing.append(f"报头“{BULLETIN_TITLE}”")
    if number is None:
        missing.append("期号（第N期）")
    if total is None:
        missing.append("总期号（总第N期）")
    if date is None or body_start is None:
        missing.append("日期（如 2022年4月29日）")
    if missing or date is None or number is None or total is None or body_start is None:
        raise NotABulletin("不是简报：缺少" + "、".join(missing))
    issuer = "".join(issuer_parts) or DEFAULT_ISSUER
    ref = IssueRef(total=total, number=number, year=date.year, date=date, issuer=issuer)
    return ref, body_start


def _title_completed(previous: str, line: str) -> bool:
    """The previous line is the masthead's first part and this line its rest."""
    return bool(previous) and BULLETIN_TITLE.startswith(previous) and line.startswith(BULLETIN_TITLE[len(previous) :])


def _issue_number(match: re.Match[str], largest: int) -> int:
    """The number of a 第N期 or 总第N期 match; raises NotABulletin outside 1..largest."""
    digits = match.group(1).lstrip("0")
    if not digits or len(digits) > len(str(largest)) or int(digits) > largest:
        shown = match.group(0) if len(match.group(0)) <= 20 else match.group(0)[:19] + "…"
        raise NotABulletin(f"期号无效：{shown}")
    return int(digits)


def _to_date(match: re.Match[str]) -> dt.date:
    year, month, day = match.groups()
    if not year.isdigit():
        year = "".join(str(_CN_DIGITS.index(c)) if c in _CN_DIGITS else "0" for c in year)
        month, day = str(_CN_SMALL_NUMBERS.get(month, 0)), str(_CN_SMALL_NUMBERS.get(day, 0))
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise NotABulletin(f"日期无效：{match.group(0)}") from None


def _cn_small_number(value: int) -> str:
    """1..31 -> 一..三十一."""
    tens, units = divmod(value, 10)
    return ("" if tens < 2 else _CN_DIGITS[tens]) + ("十" if tens else "") + (_CN_DIGITS[units] if units else "")


# The months and days a Chinese date spells out; any other run of numerals is no date.
_CN_SMALL_NUMBERS = {_cn_small_number(n): n for n in range(1, 32)}


# --- footer ---------------------------------------------------------------


def _split_footer(lines: list[_Block]) -> tuple[list[_Block], Footer]:
    """Cut the body at the first footer line (责编, 核稿, 电话, 报/送/发…) and read the footer."""
    for index, line in enumerate(lines):
        if _FOOTER_LINE.match(unicodedata.normalize("NFKC", line.text).replace(":", "：")):
            return lines[:index], _parse_footer([line.text for line in lines[index:]])
    return lines, Footer()


def _parse_footer(lines: list[str]) -> Footer:
    values: dict[str, str] = {}
    last = None
    for line in lines:
        if not line:
            continue
        m = _FOOTER_LINE.match(line)
        if m:
            last = _FOOTER_FIELDS[m.group(1)]
            values[last] = (values.get(last, "") + m.group(2)).strip()
        elif last:  # a wrapped continuation of the previous field
            values[last] = values[last] + line
    return Footer(**values)


# --- body -----------------------------------------------------------------


def _merge_broken_blocks(lines: list[_Block]) -> list[_Block]:
    """Join lines that a page break or a hard wrap cut in the middle of a sentence."""
    blocks: list[_Block] = []
    for line in lines:
        if blocks and _is_unfinished(blocks[-1].text) and not _is_attribution(line.text):
            left = blocks[-1]
            joined = _join(left.text, line.text)
            shift = len(joined) - len(line.text)
            last = left.marks[-1][1] if left.marks else None
            marks = left.marks + tuple((shift + o, p) for o, p in line.marks if p != last)
            blocks[-1] = _Block(joined, marks)
        else:
            blocks.append(line)
    return blocks


def _is_unfinished(block: str) -> bool:
    """A block that stops mid-sentence and cannot be a heading continues on the next line."""
    if ends_sentence(block) or _is_attribution(block) or _is_heading(block):
        return False
    return _split_trailing_attribution(block)[1] is None


def _join(left: str, right: str) -> str:
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return left + " " + right
    return left + right


def _is_attribution(block: str) -> bool:
    m = _ATTRIBUTION.match(block)
    return m is not None and not _NOT_A_SOURCE.match(m.group(1).strip())


def _is_heading(block: str) -> bool:
    """A short line with no sentence inside it, not a list item: an article's own heading line."""
    text = compact(block)
    if not 4 <= len(text) <= MAX_HEADING_CHARS:
        return False
    if "。" in text or ends_sentence(text) or text[-1] in "，,、":
        return False
    if _ENUMERATED.match(text) or _EDITOR_NOTE.match(text):
        return False
    return bool(re.search(f"[{CJK}]", text))


def _split_trailing_attribution(block: str) -> tuple[str, str | None]:
    m = _TRAILING_ATTRIBUTION.match(block)
    if m and not _NOT_A_SOURCE.match(m.group(2).strip()):
        return m.group(1).rstrip(), m.group(2).strip()
    return block, None


def _split_headline(paragraph: _Block) -> tuple[str, _Block | None]:
    """An article with no heading line opens with its headline as the first sentence."""
    sentences = split_sentences(paragraph.text)
    first = sentences[0]
    if len(first) > MAX_HEADLINE_SENTENCE_CHARS:
        return first[:30].rstrip("，,、") + "…", paragraph
    rest = "".join(sentences[1:]).strip()
    if not rest:
        return first.rstrip("。！!； "), None
    return first.rstrip("。！!； "), _tail(paragraph, paragraph.text.rfind(rest), rest)


def _tail(block: _Block, start: int, text: str) -> _Block:
    """The part of a block from start on, its marks moved with it."""
    start = max(start, 0)
    before = [p for o, p in block.marks if o <= start]
    marks = ([(0, before[-1])] if before else []) + [(o - start, p) for o, p in block.marks if o > start]
    return _Block(text, tuple(marks))


def _build_articles(blocks: list[_Block]) -> list[Article]:
    articles: list[Article] = []
    draft: _Draft | None = None
    preface: list[_Block] = []  # an 编者按 seen before its article's first line

    def close() -> None:
        nonlocal draft
        if draft is not None:
            articles.append(draft.freeze())
            draft = None

    for block in blocks:
        if _is_attribution(block.text):
            source = _ATTRIBUTION.match(block.text).group(1).strip()  # type: ignore[union-attr]
            if draft is not None:
                draft.source = source
                close()
            continue
        if _is_heading(block.text):
            if draft is not None and not draft.paragraphs:
                draft.title = f"{draft.title} {block.text}"  # a headline set over two lines
            else:
                close()
                draft = _Draft(title=block.text, paragraphs=preface)
                preface = []
            continue
        text, source = _split_trailing_attribution(block.text)
        paragraph = _Block(text, block.marks)
        if draft is None:
            if _EDITOR_NOTE.match(text):
                preface.append(paragraph)
                continue
            title, rest = _split_headline(paragraph)
            draft = _Draft(title=title, paragraphs=preface + ([rest] if rest else []))
            preface = []
        else:
            draft.paragraphs.append(paragraph)
        if source is not None:
            draft.source = source
            close()
    close()
    return articles


def _article_complete(article: Article) -> bool:
    return article.source is not None or (bool(article.paragraphs) and ends_sentence(article.paragraphs[-1]))

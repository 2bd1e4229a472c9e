"""Citations of an article of the bulletin in GB/T 7714-2015, the reference style Chinese journals
require (the bulletin's own line, ——《…》2022年第10期（总第2202期）…, is replies.messages.citation).

Why [J]: the standard (§4.4, 连续出版物中的析出文献) covers an article taken from a serial, a
publication issued in numbered parts under one title and meant to go on without end; the bulletin
is exactly that (年第N期, and a running 总第N期 across the years). Its other candidates fit worse:
[R] (报告, §4.1) describes a single report with a place and a publisher, which a numbered
bulletin has not; [A] (档案) is for records cited from an archive's holdings by their archival
number. So an article is cited as a serial article, in the standard's form

    析出文献主要责任者. 析出文献题名[J]. 连续出版物题名, 年(期): 页码.

- The responsible party is the article's issuing office (丰台区文明办); 本刊 is the bulletin's own
  editors, so the issuing body of the bulletin. Several offices (A、B) are listed with ", ", and
  past three only the first three, then ", 等" (§8.1). An article with no attribution starts
  with its title, as the standard allows in the numeric system (§8.1: 责任者情况不明 … 可省略此项).
- The title is as the source gives it, 《》 and all (§8.2); one ending in a Chinese full stop (。)
  loses it, as [J] follows the title directly.
- The bulletin has no volume, only a year and an issue, so 年, 卷(期) becomes 年(期) (2022(10)),
  as for any serial cited from (§8.8, 析出文献).
- The page is the page the article (or the quoted passage) starts on (§8.5, 引文页码); without
  pages (Word, web pages, text) it is left out with its colon.
- Punctuation is the standard's half-width set (§6): ". " between elements, ", " before the year,
  "(" ")" around the issue, ": " before the page, a final ".".

The 总期号 has no element of its own in the standard; `total=True` notes it after the issue
(2022(10)(总第2202期)) for readers who look issues up by it; the default leaves it out.
"""

from __future__ import annotations

import re

from retrieval.models import BULLETIN_TITLE, IssueRef

MAX_NAMED_OFFICES = 3
# Offices joined in one attribution: 精神文明综合协调处、精神文明创建活动指导处.
OFFICE_SEPARATORS = re.compile(r"\s*[、，,；;/]\s*")
OWN_EDITORS = "本刊"
FULL_STOPS = ("。", "．")  # a sentence's end; a Latin "." may end an abbreviation (Inc.)


def responsible_party(ref: IssueRef, source: str | None) -> str:
    """The article's offices as the standard lists them; "" when the article names none."""
    if source is None or not source.strip():
        return ""
    source = source.strip()
    if source == OWN_EDITORS:
        return ref.issuer
    offices = [office for office in OFFICE_SEPARATORS.split(source) if office]
    if len(offices) > MAX_NAMED_OFFICES:
        return ", ".join(offices[:MAX_NAMED_OFFICES]) + ", 等"
    return ", ".join(offices)


def gbt7714(
    ref: IssueRef,
    title: str,
    source: str | None,
    page: int | None = None,
    *,
    total: bool = False,
    serial: str = BULLETIN_TITLE,
) -> str:
    """丰台区文明办. 丰台区凝心聚力全力以赴打好创建全国文明城市主动仗[J]. 首都精神文明建设情况简报, 2022(10): 3.

    `serial` is the serial's title, the bulletin's unless a test cites another journal."""
    title = " ".join(title.split())
    if title.endswith(FULL_STOPS):
        title = title[:-1]
    author = responsible_party(ref, source)
    issue = f"{ref.year}({ref.number})" + (f"(总第{ref.total}期)" if total else "")
    where = f": {page}" if page is not None else ""
    return f"{author + '. ' if author else ''}{title}[J]. {serial}, {issue}{where}."

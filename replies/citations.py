"""Citations of an article of the bulletin in GB/T 7714-2015, the reference style Chinese journals
require (the bulletin's own line, ——《…》2022年第10期（总第2202期）…, is replies.messages.citation).

Section numbers are the standard's (checked against a transcription of its text and its examples;
the printed standard itself was not at hand).

Why [J]: the standard describes an article with its own title taken from a 报刊 as a 连续出版物中
的析出文献 (§8.8.1, §4.4). A 连续出版物 (§3.4) carries year and issue numbers or a running
number and is meant to go on without end: the bulletin's 年第N期 and 总第N期 are exactly that.
The standard names no type for a 简报, so [J] (期刊, Appendix B) is this module's reading of §3.4;
[R] fits worse, as a report is a 专著 (§3.3, described by §4.1) with a place and a publisher, and
[Z] (其他) is the standard's fallback for what fits nothing. So an article is cited in §4.4.2's form

    析出文献主要责任者. 析出文献题名[J]. 连续出版物题名, 年, 卷(期): 页码.

- The responsible party is the office the article names (丰台区文明办), as the source gives it
  (§8.1.4; a Chinese body's name is not split into levels). Several offices (A、B) are listed with
  ", ", and past three only the first three, then ", 等" (", et al." for Latin-script names;
  §8.1.2). An article with no attribution starts with its title (§8.1.3: the numeric system may
  leave the party out). 本刊, the bulletin's own editors, is written as the issuing office: the
  project's choice, since 本刊 says nothing outside the bulletin.
- The title is as the source gives it, 《》 and all (§8.2); one ending in a Chinese full stop (。)
  loses it, as [J] follows the title directly.
- The bulletin has no volume, so 年, 卷(期) becomes 年(期) (2022(10)), as §8.8.2 示例3 (2010(6): 23).
- The page (§8.8.2): for an excerpt, the page it starts on (a cited reference gives the page of
  what it cites); for a whole article, its first page (a reading reference may give the first
  page alone). A source without pages (Word, web pages, text) leaves it out with its colon: the
  standard has no form for an unknown page, and one is never guessed. This departs from §4.4.1,
  where the page is not optional; a reader citing such an article adds the printed page.
- Punctuation is §7.2's, each mark before the element it introduces (§7.1): ". " before the
  title and the serial, ", " between parties and before the year, "()" around the issue, ": "
  before the page, and a final ".".

The 总期号 has no element in the standard; `total=True` notes it after the issue
(2022(10)(总第2202期)) for readers who look issues up by it, outside the standard; the default
leaves it out. `volume` and `last_page` exist for serials that have them (the standard's examples).
"""

from __future__ import annotations

import re

from retrieval.models import BULLETIN_TITLE, IssueRef

MAX_NAMED_OFFICES = 3
# Any CJK character: a party written in Chinese takes 等, one in Latin script "et al." (§8.1.2).
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
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
        more = "等" if CJK.search(source) else "et al."
        return ", ".join(offices[:MAX_NAMED_OFFICES]) + ", " + more
    return ", ".join(offices)


def gbt7714(
    ref: IssueRef,
    title: str,
    source: str | None,
    page: int | None = None,
    *,
    total: bool = False,
    serial: str = BULLETIN_TITLE,
    volume: int | None = None,
    last_page: int | None = None,
) -> str:
    """丰台区文明办. 丰台区凝心聚力全力以赴打好创建全国文明城市主动仗[J]. 首都精神文明建设情况简报, 2022(10): 3.

    `serial` is the serial's title, the bulletin's unless another journal is cited (as the tests
    cite the standard's examples); `volume` and `last_page` (a page range, 56-75) are theirs."""
    title = " ".join(title.split())
    if title.endswith(FULL_STOPS):
        title = title[:-1]
    author = responsible_party(ref, source)
    year = f"{ref.year}, {volume}" if volume is not None else f"{ref.year}"
    issue = f"{year}({ref.number})" + (f"(总第{ref.total}期)" if total else "")
    pages = f"{page}-{last_page}" if page is not None and last_page is not None and last_page != page else page
    where = f": {pages}" if pages is not None else ""
    return f"{author + '. ' if author else ''}{title}[J]. {serial}, {issue}{where}."

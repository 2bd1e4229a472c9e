"""A topic over the years as every surface says it: the text table, the JSON, the one-line
caption, the question that opens a year's articles, and the chart's geometry.

The geometry is plain numbers (bars as rectangles in a box of any size) so the web's SVG and the
bot's PNG draw the same chart; neither drawing lives here, as each belongs to its front end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from retrieval.archive import Archive
from retrieval.models import Trend

from . import messages
from .conversation import Notice


def year_question(topic: str, year: int) -> str:
    """The question that asks for a year's articles on the topic: `2022年` is a year filter."""
    return f"{topic} {year}年"


def trend_json(trend: Trend) -> dict[str, Any]:
    return {
        "topic": trend.topic,
        "years": [{"year": y.year, "articles": y.articles, "issues": list(y.issues)} for y in trend.years],
    }


def trend_caption(trend: Trend) -> str:
    """“垃圾分类”：2019—2025年共 8 篇相关文章 (or that none was found)."""
    topic = messages.shorten(trend.topic, 30)
    if trend.span is None:
        return messages.TREND_NONE.format(topic=topic)
    first, last = trend.span
    years = f"{first}年" if first == last else f"{first}—{last}年"
    return messages.TREND_CAPTION.format(topic=topic, years=years, count=trend.articles)


def trend_text(trend: Trend) -> str:
    """The caption, then a table: year, articles, the issues' 总期号."""
    lines = [trend_caption(trend), "", messages.TREND_TABLE_HEAD]
    for y in trend.years:
        issues = "、".join(str(t) for t in y.issues) or "—"
        lines.append(f"{y.year}    {y.articles:>4}    {issues}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Bar:
    """One year's bar in the chart's box: its top-left corner, width and height (0 for none)."""

    year: int
    articles: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ChartLayout:
    """Bars in a box of width x height whose bottom `axis` pixels hold the year labels and whose top
    `head` pixels the counts; `peak` is the largest count (the scale's top)."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    baseline: float
    peak: int


def chart_layout(
    trend: Trend, width: int, height: int, axis: int = 28, head: int = 22, gap: float = 0.25
) -> ChartLayout:
    """Each held year a bar of equal width, `gap` of its slot left empty; heights to scale."""
    count = len(trend.years)
    peak = max((y.articles for y in trend.years), default=0)
    baseline = float(height - axis)
    room = baseline - head
    slot = width / count if count else float(width)
    bars = []
    for index, y in enumerate(trend.years):
        tall = room * y.articles / peak if peak else 0.0
        bars.append(Bar(y.year, y.articles, index * slot + slot * gap / 2, baseline - tall, slot * (1 - gap), tall))
    return ChartLayout(width, height, tuple(bars), baseline, peak)


@dataclass(frozen=True)
class TrendView:
    """A topic's trend as a chat shows it: the chart (drawn by the surface), the caption, and a
    button for each year with articles."""

    trend: Trend
    caption: str

    @property
    def years_with_articles(self) -> tuple[tuple[int, int], ...]:
        """(year, articles) of each year with any, in order."""
        return tuple((y.year, y.articles) for y in self.trend.years if y.articles)


def trend_reply(archive: Archive, topic: str) -> TrendView | Notice:
    """/trend 话题: the trend, or a notice (no topic, an empty archive, nothing found)."""
    if not topic.strip():
        return Notice(messages.TREND_USAGE)
    if archive.is_empty():
        return Notice(messages.EMPTY_ARCHIVE)
    trend = archive.trend(topic)
    if trend.empty_topic:
        return Notice(messages.TREND_USAGE)
    if trend.span is None:
        return Notice(trend_caption(trend) + messages.TREND_NONE_HINT)
    return TrendView(trend, trend_caption(trend))

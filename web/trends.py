"""/trends?q=话题: a topic over the years, a bar chart drawn on the server as inline SVG (no
script, no inline style: the Content-Security-Policy allows neither) with the same figures as a
table underneath for screen readers and copying. Each bar with articles links to the answer page
for the topic in that year."""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from replies import messages
from replies.trend import ChartLayout, chart_layout, trend_caption, year_question
from retrieval.archive import Archive
from retrieval.models import Trend

from . import params
from .pages import on_archive, pages
from .render import ask_url

# The chart's box in SVG units, about a phone's width, so its 13-unit labels read at about 12 px on
# a 360 px screen; the stylesheet caps how far it grows on a wide one.
CHART_WIDTH = 360
CHART_HEIGHT = 220
FONT_SIZE = 13
# Year labels at most this many: past it every n-th year is labelled (the table has them all).
MAX_YEAR_LABELS = 8

TITLE = "“{topic}”历年相关文章"
HEADING_EMPTY = "话题趋势"
INTRO = "输入一个话题，例如“垃圾分类”，查看各年简报中谈到它的文章有多少篇。点击柱形可查看当年的文章。"
TOPIC_LABEL = "话题"
SUBMIT = "查看趋势"
CHART_LABEL = "“{topic}”各年相关文章数柱形图"
BAR_LABEL = "{year}年：{count} 篇，查看当年的文章"
BAR_LABEL_NONE = "{year}年：0 篇"
TABLE_CAPTION = "“{topic}”各年相关文章数"
COLUMNS = ("年份", "文章数", "所在各期")


@dataclass(frozen=True)
class ChartYear:
    """A bar as the template draws it: geometry, its link (None without articles) and labels."""

    year: int
    articles: int
    issues: tuple[int, ...]
    x: float
    y: float
    width: float
    height: float
    centre: float
    link: str | None
    label: str
    show_year: bool


def chart_years(trend: Trend, layout: ChartLayout) -> list[ChartYear]:
    step = max(1, math.ceil(len(layout.bars) / MAX_YEAR_LABELS))
    bars = []
    for index, (bar, year) in enumerate(zip(layout.bars, trend.years)):
        link = ask_url(year_question(trend.topic, bar.year)) if bar.articles else None
        label = (BAR_LABEL if bar.articles else BAR_LABEL_NONE).format(year=bar.year, count=bar.articles)
        bars.append(
            ChartYear(bar.year, bar.articles, year.issues, round(bar.x, 1), round(bar.y, 1), round(bar.width, 1),
                      round(bar.height, 1), round(bar.x + bar.width / 2, 1), link, label, index % step == 0 or index == len(layout.bars) - 1)
        )  # fmt: skip
    return bars


def trend_of(archive: Archive, topic: str) -> Trend | None:
    """The topic's trend, or None when the archive holds no issue."""
    return None if archive.is_empty() else archive.trend(topic)


async def trends(request: Request) -> Response:
    params.limit_questions(request)
    topic = params.question(request)
    site = pages(request)
    if not topic:
        return site.render(request, "trends.html", title=HEADING_EMPTY, path="/trends", topic="", trend=None, page=PAGE)
    trend = await on_archive(request, trend_of, topic)
    if trend is None:
        return site.notice(request, 404, messages.EMPTY_ARCHIVE)
    layout = chart_layout(trend, CHART_WIDTH, CHART_HEIGHT)
    return site.render(
        request,
        "trends.html",
        title=TITLE.format(topic=messages.shorten(topic, 30)),
        path=trends_url(topic),
        topic=topic,
        trend=trend,
        caption=trend_caption(trend),
        empty_topic=trend.empty_topic,
        layout=layout,
        bars=chart_years(trend, layout),
        font_size=FONT_SIZE,
        page=PAGE,
    )


def trends_url(topic: str) -> str:
    """/trends?q=… for a topic."""
    return "/trends?" + ask_url(topic).partition("?")[2]


@dataclass(frozen=True)
class PageText:
    """The page's own words, handed to its template."""

    title: str = TITLE
    heading_empty: str = HEADING_EMPTY
    intro: str = INTRO
    topic_label: str = TOPIC_LABEL
    submit: str = SUBMIT
    chart_label: str = CHART_LABEL
    table_caption: str = TABLE_CAPTION
    columns: tuple[str, ...] = COLUMNS
    usage: str = "请写出想看的话题，例如：垃圾分类。"


PAGE = PageText()

"""The sentences of browsing by year (/years, /year). Plain text; renderers escape and decorate it."""

from __future__ import annotations

from retrieval.models import IssueRef

from .messages import cn_date

YEARS_HEADING = "档案中各年的简报："
YEARS_HINT = "点击年份，或发送 /year 2022，查看这一年的各期。"
YEARS_HINT_TEXT = "发送 /year 2022 查看这一年的各期。"
ISSUE_WITHOUT_NUMBER = "用法：/issue 2202（总期号），或 /issue 2022年第10期。也可以先选年份："
YEAR_USAGE = "用法：/year 2022（四位年份），可加页码，如 /year 2022 2。发送 /years 查看档案中有哪些年份。"
YEAR_OUT_OF_RANGE = "“{year}”不像简报的年份。" + YEAR_USAGE
YEAR_EMPTY = "档案中没有{year}年的简报。现有年份："
PAGE_GONE = "{year}年的简报没有第{page}页（共{pages}页），请发送 /year {year} 重新打开。"
PREVIOUS_PAGE_BUTTON = "‹ 上一页"
NEXT_PAGE_BUTTON = "下一页 ›"
ALL_YEARS_BUTTON = "全部年份"
NEXT_PAGE_HINT = "下一页：/year {year} {page}"
MORE_ARTICLES = "……另有{count}篇"
NO_ARTICLES = "（本期没有文章）"


def year_count(year: int, count: int) -> str:
    """2022年 · 12期"""
    return f"{year}年 · {count}期"


def year_heading(year: int, count: int, page: int, pages: int) -> str:
    """2022年 · 共12期 · 第1/3页 (page is 0-based)."""
    return f"{year}年 · 共{count}期 · 第{page + 1}/{pages}页"


def issue_line(ref: IssueRef) -> str:
    """第10期 · 总第2202期 · 2022年4月29日"""
    return f"第{ref.number}期 · 总第{ref.total}期 · {cn_date(ref.date)}"


def issue_button(ref: IssueRef) -> str:
    return f"打开第{ref.number}期（总第{ref.total}期）"


# For the help text and Telegram's command menu (messages.HELP and messages.COMMAND_MENU).
HELP_LINES = "/years 各年的简报有几期\n/year 2022 按年份浏览各期"
COMMAND_MENU = (
    ("years", "各年的简报有几期"),
    ("year", "按年份浏览各期，如 /year 2022"),
)

"""Every sentence the user reads, in one place. Plain text; renderers escape and decorate it."""

from __future__ import annotations

import datetime as dt

from retrieval.models import BULLETIN_TITLE, IssueRef

EXAMPLE_QUESTIONS = (
    "丰台区创城建立了哪些工作机制？",
    "背街小巷环境整治有什么要求？",
    "2022年驻京部队怎样参加文明城区创建？",
)

HELP = (
    f"这里可以查询《{BULLETIN_TITLE}》的历期内容。直接发送问题，我会找出回答它的段落，"
    "并注明出自哪一期。\n\n"
    "可以这样问：\n"
    + "\n".join(f"· {q}" for q in EXAMPLE_QUESTIONS)
    + "\n\n问题里写出年份（2020年）、月份（2022年4月）或期号（总第2202期），只在这些期里查找。\n\n"
    "命令：\n"
    "/latest 最新一期\n"
    "/issue 2202 按总期号打开一期（也可写 /issue 2022-10 或 /issue 2022年第10期）\n"
    "/help 显示本说明"
)

EMPTY_QUESTION = "请写出想查的内容，例如：丰台区创城建立了哪些工作机制？"
EMPTY_QUESTION_WITH_FILTER = "请在“{label}”之外再写出想查的内容，例如：{label} 创城 工作机制。"
NO_MATCH = (
    "没有找到与“{question}”相关的内容。可以换个说法，写出区名（如“丰台区”）、"
    "年份（如“2022年”）或期号（如“总第2202期”），或发送 /latest 查看最新一期。"
)
OUTSIDE_ARCHIVE = "档案中没有{label}的简报。现有简报从{first}到{latest}，可以去掉时间或期号再问。"
OUTSIDE_EMPTY_ARCHIVE = "档案里还没有任何简报。"
FOUND = "找到 {count} 条相关内容："
RELAXED = "{label}的简报里没有找到相关内容，以下是其他期中的 {count} 条："
ISSUE_USAGE = "用法：/issue 2202（总期号），或 /issue 2022-10、/issue 2022年第10期。"
UNKNOWN_ISSUE = "档案中没有{what}。"
NEAREST_ISSUES = "现有最接近的：{issues}。"
EMPTY_ARCHIVE = "档案里还没有任何简报。"
ARTICLES_HEADING = "本期文章："
SHOW_ISSUE_HINT = "要查看整期，请发送 /issue {total}。"


def cn_date(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def issue_label(ref: IssueRef) -> str:
    return f"《{BULLETIN_TITLE}》{ref.year}年第{ref.number}期（总第{ref.total}期）"


def citation(ref: IssueRef, source: str | None) -> str:
    """——《首都精神文明建设情况简报》2022年第10期（总第2202期）· 2022年4月29日 · 丰台区文明办"""
    author = ref.issuer if source in (None, "本刊") else source  # 本刊 is the bulletin's own editors
    return f"——{issue_label(ref)}· {cn_date(ref.date)} · {author}"

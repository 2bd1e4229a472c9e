"""Parsing what users type: which issue a /issue argument names, which year a /year argument names,
and what is small talk."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from retrieval.archive import Archive
from retrieval.models import StoredIssue

_TOTAL = re.compile(r"^(?:总\s*)?(?:第\s*)?(\d{1,5})\s*(?:期)?$")
_YEAR_NUMBER = re.compile(r"^((?:19|20)\d{2})\s*(?:[-/.]|年\s*(?:第)?)\s*(\d{1,3})\s*(?:期)?$")
# "2022", "2022年", "2022 2", "2022年第2页" (after NFKC, so full-width digits count); ASCII digits only.
_YEAR_PAGE = re.compile(r"([0-9]{1,9})(?:\s*年)?(?:\s*(?:第\s*)?([0-9]{1,4})\s*页?)?")
DEEP_LINK_PREFIX = "issue_"
_GREETINGS = frozenset(
    [
        "你好",
        "您好",
        "你好啊",
        "hi",
        "hello",
        "hey",
        "嗨",
        "哈喽",
        "在吗",
        "在不在",
        "早上好",
        "下午好",
        "晚上好",
        "谢谢",
        "多谢",
        "感谢",
        "好的",
        "再见",
        "拜拜",
        "ok",
        "嗯",
    ]
)


@dataclass(frozen=True)
class IssueQuery:
    """An issue named either by its 总期号, or by year and 期号 within the year."""

    total: int | None = None
    year: int | None = None
    number: int | None = None

    @property
    def label(self) -> str:
        if self.total is not None:
            return f"总第{self.total}期"
        return f"{self.year}年第{self.number}期"


def parse_issue_query(argument: str) -> IssueQuery | None:
    """'2202', '总第2202期', '2022-10', '2022年第10期' -> IssueQuery; anything else -> None."""
    text = unicodedata.normalize("NFKC", argument).strip()
    if m := _YEAR_NUMBER.match(text):
        return IssueQuery(year=int(m.group(1)), number=int(m.group(2)))
    if m := _TOTAL.match(text):
        return IssueQuery(total=int(m.group(1)))
    return None


def parse_year_query(argument: str) -> tuple[int, int | None] | None:
    """'2022' -> (2022, None); '２０２２年 2' -> (2022, 1): the year and the 0-based page typed, if any.
    Whether the year is plausible is the caller's to judge."""
    m = _YEAR_PAGE.fullmatch(unicodedata.normalize("NFKC", argument).strip())
    if m is None:
        return None
    return int(m.group(1)), (int(m.group(2)) - 1 if m.group(2) else None)


def find_issue(archive: Archive, query: IssueQuery) -> StoredIssue:
    """The issue a query names; raises UnknownIssue naming the nearest ones held."""
    if query.year is not None and query.number is not None:
        return archive.issue_by_year_number(query.year, query.number)
    return archive.issue(query.total or 0)


def is_small_talk(text: str) -> bool:
    core = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    return core in _GREETINGS or core.rstrip("啊呀呢吧哈") in _GREETINGS


def deep_link_issue(argument: str) -> str | None:
    """The issue a /start deep link names (t.me/bot?start=issue_2202 -> '2202'), else None."""
    argument = argument.strip()
    return argument[len(DEEP_LINK_PREFIX) :] if argument.startswith(DEEP_LINK_PREFIX) else None

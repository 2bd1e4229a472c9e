"""Every sentence the user reads, in one place. Plain text; renderers escape and decorate it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from retrieval.archive import format_label
from retrieval.display import printable
from retrieval.models import (
    BULLETIN_TITLE,
    Answer,
    ArchiveStats,
    IngestReport,
    IngestStatus,
    IssueRef,
    NoAnswer,
    SourceFile,
)

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
    "/years 各年的简报有几期\n/year 2022 按年份浏览各期\n"
    "/ask 问题 在群里提问（也可以回复我的消息，或 @我）\n"
    "/subscribe 每出新一期，把目录发到这里（/unsubscribe 取消）\n"
    "/trend 垃圾分类 画出各年谈到一个话题的文章数，点年份查看当年的文章\n"
    "/follow 垃圾分类 关注一个话题：新一期谈到它时发来相关段落（/unfollow 取消，/following 查看）\n"
    "/help 显示本说明\n\n"
    "在任何聊天的输入框里输入 @机器人用户名 和问题，可以直接选一条结果发出。"
)

# The command menu Telegram shows next to the input field.
COMMAND_MENU = (
    ("latest", "最新一期简报"),
    ("issue", "按期号打开一期，如 /issue 2202"),
    ("ask", "提问（群聊中使用）"),
    ("subscribe", "订阅新一期简报"),
    ("unsubscribe", "取消订阅"),
    ("trend", "话题历年趋势，如 /trend 垃圾分类"),
    ("follow", "关注话题，如 /follow 垃圾分类"),
    ("unfollow", "取消关注话题"),
    ("following", "查看关注的话题"),
    ("help", "使用说明和示例问题"),
)

# Subscriptions and followed topics.
SUBSCRIBED = "已订阅：每出新一期简报，我会把它的目录发到这里。发送 /unsubscribe 取消。"
ALREADY_SUBSCRIBED = "这里已经订阅了新一期简报。发送 /unsubscribe 取消。"
UNSUBSCRIBED = "已取消订阅，不会再收到新一期简报的通知。"
NOT_SUBSCRIBED = "这里没有订阅新一期简报。发送 /subscribe 订阅。"
FOLLOW_USAGE = "用法：/follow 话题，例如 /follow 垃圾分类。新一期简报谈到它时，我会把相关段落发到这里。"
FOLLOWED = "已关注“{topic}”（{count}/{limit}）。新一期简报谈到它时，我会把相关段落发到这里。"
ALREADY_FOLLOWED = "已经在关注“{topic}”了。"
TOO_MANY_TOPICS = "最多关注 {limit} 个话题。请先用 /unfollow 取消一个。"
UNFOLLOWED = "已取消关注“{topic}”。"
NOT_FOLLOWED = "没有关注“{topic}”。发送 /following 查看关注的话题。"
FOLLOWING = "正在关注的话题（{count}/{limit}）：\n{topics}\n\n取消关注：/unfollow 话题"
FOLLOWING_NONE = "还没有关注任何话题。发送 /follow 垃圾分类 这样的命令关注一个话题。"
UNFOLLOW_PICK = "要取消关注哪个话题？点一下即可。"
UNFOLLOW_BUTTON = "取消关注：{topic}"
NEW_ISSUE = "新一期简报："
TOPICS_FOUND = "新一期简报（总第{total}期）谈到了你关注的{topics}："
TOPIC_LINE = "关注：{topic}"
CHANNEL_LINK = "在机器人中打开本期 ›"

EMPTY_QUESTION = "请写出想查的内容，例如：丰台区创城建立了哪些工作机制？"
EMPTY_QUESTION_WITH_FILTER = "请在“{label}”之外再写出想查的内容，例如：{label} 创城 工作机制。"
NO_MATCH = (
    "没有找到与“{question}”相关的内容。可以换个说法，写出区名（如“丰台区”）、年份（如“2022年”）或期号（如“总第2202期”）"
)
OUTSIDE_ARCHIVE = "档案中没有{label}的简报。现有简报从{first}到{latest}，可以去掉时间或期号再问。"
OUTSIDE_EMPTY_ARCHIVE = "档案里还没有任何简报。"
FOUND = "找到 {count} 条相关内容："
# Above hits that match the question only weakly (Match.RELATED): read them as leads, not answers.
RELATED_ONLY = "没有找到直接回答，以下内容可能相关："
FOUND_PAGE = "关于“{question}”的第 {first}–{last} 条结果："
NO_MORE = "关于“{question}”没有更多结果了。"
ASK_USAGE = "用法：/ask 问题，例如 /ask 丰台区创城建立了哪些工作机制？"
MORE_BUTTON = "更多结果 ›"
PREVIOUS_BUTTON = "‹ 上一页"
FULL_TEXT_BUTTON = "全文 {number}"
EXPORT_BUTTON = "导出Word"
# Narrowing an answer to a year of its list (the bot's 按年份筛选; the web's facets say it alike).
FACETS_BUTTON = "按年份筛选"
BACK_BUTTON = "返回"
# A whole answer list counted by year and by office: the bot's year buttons, the command line's
# --facets and the web's answer page.
FACET_YEARS = "全部 {count} 篇，按年份"
FACET_SOURCES = "来源"
FACET_COUNT = "{label}（{count}）"
NARROWED_TO = "只看：{label}"  # 2023年, 朝阳区文明办, or both joined by 、
NARROWED_NONE = "{year}年没有与这条查询相关的内容，请选择其他年份。"
EXPORT_CAPTION = "“{question}”的查询结果：{count} 条摘录，每条附简报格式和 GB/T 7714 格式的引用。"
FULL_TEXT_PART = "（{part}/{parts}）"
EXPIRED = "这条查询已过期，请重新提问。"
RATE_LIMITED = "提问太频繁了，请 {seconds} 秒后再试。"
APOLOGY = "抱歉，处理这条消息时出了问题，请稍后再试。"
ADMIN_ONLY = "这个命令只对管理员开放。"
SOURCE_BUTTON = "原文（{format}）"
SOURCE_GONE = "这一期已不在档案中，请发送 /latest 或 /issue 重新打开。"
SOURCE_REPLACED = "这一期的原文已经更新，请发送 /issue {total} 重新打开。"
SOURCE_TOO_BIG = "原文文件超过 50 MB，Telegram 无法发送。"
SOURCE_NONE = "这一期没有保存原文文件。"
CITED_PAGE = "第{page}页"
TEXT_ONLY = "请用文字提问，例如：丰台区创城建立了哪些工作机制？"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可用的命令。"
INLINE_HELP_BUTTON = "输入问题查找简报内容，点此查看用法"
RELAXED = "{label}的简报里没有找到相关内容，以下是其他期中的 {count} 条："
ISSUE_USAGE = "用法：/issue 2202（总期号），或 /issue 2022-10、/issue 2022年第10期。"
UNKNOWN_ISSUE = "档案中没有{what}。"
NEAREST_ISSUES = "现有最接近的：{issues}。"
EMPTY_ARCHIVE = "档案里还没有任何简报。"
ARTICLES_HEADING = "本期文章："
RELATED_HEADING = "相关文章"
GBT7714_LABEL = "参考文献（GB/T 7714—2015）："
RELATED_BUTTON = "相关：{title}"
# A topic over the years (/trend, `run_bot.py trend`, /trends).
TREND_CAPTION = "“{topic}”：{years}共 {count} 篇相关文章"
TREND_NONE = "档案中没有谈到“{topic}”的文章"
TREND_TABLE_HEAD = "年份  文章数    期号（总第N期）"
TREND_USAGE = "用法：/trend 话题，例如 /trend 垃圾分类。我会画出各年谈到它的文章数。"
TREND_CLI_USAGE = '请写出话题，例如：python run_bot.py trend "垃圾分类"'
TREND_YEAR_BUTTON = "{year}年（{count}）"
TREND_NONE_HINT = "。可以换个说法，例如写出更常用的词。"


@dataclass(frozen=True)
class Hints:
    """The ends of the no-answer hints that say how to open something: a command in a chat, a page
    on the web. Everything else the surfaces say alike."""

    latest: str
    """Ends NO_MATCH: where the newest issue is."""
    show_issue: str
    """Follows a question that named an issue but nothing to look for in it: how to open it."""


CHAT_HINTS = Hints(latest="，或发送 /latest 查看最新一期。", show_issue="要查看整期，请发送 /issue {total}。")


def cn_date(date: dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


def issue_label(ref: IssueRef) -> str:
    return f"《{BULLETIN_TITLE}》{ref.year}年第{ref.number}期（总第{ref.total}期）"


def citation(ref: IssueRef, source: str | None, page: int | None = None) -> str:
    """——《首都精神文明建设情况简报》2022年第10期（总第2202期）第3页 · 2022年4月29日 · 丰台区文明办;
    the page only when the source file has pages."""
    author = ref.issuer if source in (None, "本刊") else source  # 本刊 is the bulletin's own editors
    where = f"{CITED_PAGE.format(page=page)} " if page is not None else ""
    return f"——{issue_label(ref)}{where}· {cn_date(ref.date)} · {author}"


def answer_heading(answer: Answer, first_number: int) -> str:
    """The line above a page of hits: numbered from first_number, or why they come from elsewhere."""
    count = len(answer.hits)
    if answer.relaxed:
        return RELAXED.format(label=answer.filters.label, count=count)
    if first_number > 1:
        return FOUND_PAGE.format(
            question=shorten(answer.question, 30), first=first_number, last=first_number + count - 1
        )
    return FOUND.format(count=count)


def unknown_issue(what: str, nearest: tuple[int, ...]) -> str:
    text = UNKNOWN_ISSUE.format(what=what)
    if nearest:
        text += NEAREST_ISSUES.format(issues="、".join(f"总第{n}期" for n in nearest))
    return text


def source_file_line(file: SourceFile) -> str:
    """原文：2202.pdf（PDF，12 页，其中 OCR 12 页）"""
    return f"原文：{printable(file.name)}（{'，'.join(file_parts(file.format, file.pages, file.ocr_pages))}）"


def source_button(fmt: str) -> str:
    """原文（PDF）, 原文（Word）, 原文（网页）, 原文（文本）."""
    return SOURCE_BUTTON.format(format=format_label(fmt))


def no_hits(answer: Answer, first_number: int, hints: Hints = CHAT_HINTS) -> str:
    """What a page without hits says: no answer at all, or, past the first page, no more."""
    if first_number > 1:
        return NO_MORE.format(question=shorten(answer.question, 30))
    return no_answer(answer, hints)


def no_answer(answer: Answer, hints: Hints = CHAT_HINTS) -> str:
    """Why there are no hits, and what to try instead."""
    filters = answer.filters
    if answer.no_answer is NoAnswer.EMPTY_QUESTION:
        if filters.total is not None:
            return EMPTY_QUESTION_WITH_FILTER.format(label=filters.label) + hints.show_issue.format(total=filters.total)
        if filters.active:
            return EMPTY_QUESTION_WITH_FILTER.format(label=filters.label)
        return EMPTY_QUESTION
    if answer.no_answer is NoAnswer.OUTSIDE_ARCHIVE:
        if answer.held is None:
            return OUTSIDE_EMPTY_ARCHIVE
        first, latest = (cn_date(d) for d in answer.held)
        return OUTSIDE_ARCHIVE.format(label=filters.label, first=first, latest=latest)
    return NO_MATCH.format(question=shorten(answer.question, 30)) + hints.latest


def stats(stats: ArchiveStats) -> str:
    if not stats.issues:
        return EMPTY_ARCHIVE
    first = stats.first.isoformat() if stats.first else "-"
    latest = stats.latest.isoformat() if stats.latest else "-"
    return (
        f"档案：{stats.issues} 期简报，{stats.articles} 篇文章，{stats.passages} 个段落；最早 {first}，最新 {latest}。"
    )


def ingest_line(report: IngestReport) -> str:
    """One line per file, the same from the command line and from an upload to the bot."""
    ref = report.ref
    name = printable(report.name)  # a file's name is the outside world's: one line, no escapes
    if report.error is not None or ref is None:
        return f"{name}: 未导入——{report.error}"
    what = f"总第{ref.total}期（{ref.year}年第{ref.number}期，{ref.date.isoformat()}）"
    if report.status is IngestStatus.UNCHANGED:
        return f"{name}: 未变化 {what}"
    if report.status is IngestStatus.KEPT:
        held = format_label(report.previous_format or "")
        return f"{name}: 未替换 {what}——档案中已有来自{held}的更完整版本"
    verb = "已导入" if report.status is IngestStatus.ADDED else "已更新"
    line = f"{name}: {verb} {what}，{report.articles} 篇文章，{report.passages} 个段落"
    line += _source_note(report)
    if report.status is IngestStatus.REPLACED and report.previous_format and report.previous_format != report.format:
        line += f"；以{format_label(report.format or '')}取代了此前的{format_label(report.previous_format)}版本"
    return line


def _source_note(report: IngestReport) -> str:
    """（PDF，12 页，其中 OCR 12 页，转正 2 页，识别置信度 97%）: what the file was, for formats other
    than text; scanned pages turned upright and pages that could not be read are counted."""
    if report.format in (None, "txt") and not report.pages:
        return ""
    parts = file_parts(report.format or "", report.pages, report.ocr_pages)
    if report.turned_pages:
        parts.append(f"转正 {report.turned_pages} 页")
    if report.unreadable_pages:
        listed = "、".join(map(str, report.unreadable_pages[:5])) + ("等" if len(report.unreadable_pages) > 5 else "")
        parts.append(f"第 {listed} 页无法识别、未收录")
    if report.ocr_pages and report.ocr_confidence is not None:
        parts.append(f"识别置信度 {report.ocr_confidence:.0%}")
    return "（" + "，".join(parts) + "）"


def file_parts(fmt: str, pages: int | None, ocr_pages: int) -> list[str]:
    """PDF, 12 页, 其中 OCR 12 页: a source file as people name it."""
    parts = [format_label(fmt)]
    if pages:
        parts.append(f"{pages} 页")
    if ocr_pages:
        parts.append(f"其中 OCR {ocr_pages} 页")
    return parts


def ingest_summary(reports: list[IngestReport], seconds: float) -> str:
    """The last line of an ingest run: what happened to how many files, in which formats, how fast."""
    count = Counter(r.status if r.ok else None for r in reports)
    read = [r for r in reports if r.ok and r.status is not IngestStatus.UNCHANGED]
    chars = sum(r.chars for r in read)
    speed = f"，每秒 {chars / seconds / 10_000:.1f} 万字" if chars and seconds > 0 else ""
    formats = Counter(r.format for r in reports if r.ok and r.format)
    by_format = "、".join(f"{format_label(f)} {n}" for f, n in sorted(formats.items(), key=lambda x: -x[1]))
    pages = sum(r.pages or 0 for r in read)
    ocr = sum(r.ocr_pages for r in read)
    detail = f"（{by_format}）" if by_format else ""
    page_note = f"；读取 {pages} 页，其中 OCR {ocr} 页" if pages else ""
    kept = f"，未替换 {count[IngestStatus.KEPT]}" if count[IngestStatus.KEPT] else ""
    return (
        f"共 {len(reports)} 个文件{detail}：新增 {count[IngestStatus.ADDED]}，更新 {count[IngestStatus.REPLACED]}，"
        f"未变化 {count[IngestStatus.UNCHANGED]}{kept}，未导入 {count[None]}{page_note}；用时 {seconds:.1f} 秒{speed}。"
    )


def narrowed_label(year: int | None, source: str | None = None) -> str:
    """2023年、朝阳区文明办: what a reader narrowed a list to ("" when nothing)."""
    return "、".join(([f"{year}年"] if year is not None else []) + ([source] if source else []))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

"""The site around the content block: the boilerplate lines Chinese government sites repeat on
every page are dropped, and the masthead is put back when the site set it in the page's title
area, outside the block (the parser needs 报头, 期号, 总期号 and date)."""

from __future__ import annotations

import logging
import re
import unicodedata

from ...models import BULLETIN_TITLE

logger = logging.getLogger(__name__)

HEADER_SCAN_LINES = 12
"""The parser looks for the masthead in this many non-empty lines."""
MASTHEAD_LINE_CHARS = 40
LINK_LINE_CHARS = 60
"""A line in a related-links list is a title: short, and no sentence."""

# --- boilerplate ------------------------------------------------------------

_BOILERPLATE = re.compile(
    "|".join(
        [
            r"^(您|你)?(当前|现在)?(的)?(所在)?(位置)\s*[:：]",  # 您当前的位置：首页 > …
            r"^(网站)?首页\s*[>＞»›/|｜·]",  # breadcrumbs and navigation bars
            r"[>＞»›]\s*(正文|详情|内容)$",
            r"^分享到\s*[:：]?",
            r"ICP\s*[备证]",
            r"公网安备",
            r"网站标识码",
            r"版权所有",
            r"^(主办|承办|协办)(单位)?\s*[:：]",
            r"^技术支持\s*[:：]",
            r"^(Copyright|©)",
            r"^(上一篇|下一篇|上一条|下一条)\s*[:：]",
            r"^(发布时间|发布日期|来源|浏览次数|点击数|阅读次数|访问量)\s*[:：]",
            r"^(扫一扫|手机扫码|用微信扫描)",
        ]
    ),
    re.I,
)
# Lines made only of these tokens are button bars or share bars: 【打印】【关闭】, 微信 微博 …
_BAR_TOKEN = re.compile(
    r"打印本页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏本页|收藏|我要纠错|纠错|保存|"
    r"字[号体]\s*[:：]?|[大中小]|默认|"
    r"微信|朋友圈|微博|新浪微博|腾讯微博|QQ空间|QQ好友|QQ|人民微博|豆瓣|"
    r"关于我们|网站地图|联系我们|网站声明|隐私声明|使用帮助|无障碍|长者模式|"
    r"[【】\[\]()（）|｜/·•:：\s]",
    re.I,
)
_LINKS_HEADING = re.compile(
    r"^(相关链接|相关新闻|相关文章|相关阅读|相关推荐|相关文件|延伸阅读|推荐阅读|热点推荐|猜你喜欢)\s*[:：]?$"
)
_FOOTER_FIELD = re.compile(r"^(责编|责任编辑|核稿|电话|传真|邮箱|电子邮箱|报|送|发)\s*[:：]")
_SENTENCE_MARK = re.compile(r"[。！？!?；;]")

# --- masthead -----------------------------------------------------------------

_TOTAL = re.compile(r"总第\d+期")
_NUMBER = re.compile(r"(?<!总)第\d+期")
_DATE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|[〇零○Ｏ一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日"
)
_TITLE_SEPARATORS = re.compile(r"\s*[_|｜—–]\s*|\s+-\s+")


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Drop the lines Chinese government sites wrap around every article: breadcrumbs, 发布时间/来源
    info lines, share and button bars, 上一篇/下一篇, ICP and copyright footers, and a related-links
    heading with the link titles under it."""
    kept: list[str] = []
    in_links = False
    for line in lines:
        if _LINKS_HEADING.match(line):
            in_links = True
            continue
        if in_links and _is_link_title(line):
            continue
        in_links = False
        if not is_boilerplate(line):
            kept.append(line)
    return kept


def is_boilerplate(line: str) -> bool:
    text = line.strip()
    return bool(_BOILERPLATE.search(text)) or not _BAR_TOKEN.sub("", text)


def _is_link_title(line: str) -> bool:
    return len(line) <= LINK_LINE_CHARS and not _SENTENCE_MARK.search(line) and not _FOOTER_FIELD.match(line)


# --- masthead -----------------------------------------------------------------


def restore_masthead(lines: list[str], page: list[str], head_title: str = "") -> list[str]:
    """Put back the masthead lines the content block lacks: those the page shows above the
    block's first line (its title area), then the bulletin's name from the page's <title>."""
    head = [_key(line) for line in lines[:HEADER_SCAN_LINES]]
    if _masthead_complete("".join(head)):
        return lines
    start = _find(page, lines[0]) if lines else 0
    missing = [line for line in page[:start] if _is_masthead_line(line) and _key(line) not in head]
    have = "".join(head + [_key(line) for line in missing])
    if BULLETIN_TITLE not in have:
        missing[:0] = [part for part in _TITLE_SEPARATORS.split(head_title) if BULLETIN_TITLE in _key(part)][:1]
    if missing:
        logger.info("restored %d masthead lines from outside the content block", len(missing))
    return missing + lines


def _masthead_complete(text: str) -> bool:
    return BULLETIN_TITLE in text and all(p.search(text) for p in (_TOTAL, _NUMBER, _DATE))


def _is_masthead_line(line: str) -> bool:
    key = _key(line)
    if len(key) > MASTHEAD_LINE_CHARS:
        return False
    return BULLETIN_TITLE in key or any(p.search(key) for p in (_TOTAL, _NUMBER, _DATE))


def _find(page: list[str], line: str) -> int:
    """Index of the page line holding `line`, or 0 when none does: then nothing is above it."""
    key = _key(line)
    for index, candidate in enumerate(page):
        if key and key in _key(candidate):
            return index
    return 0


def _key(line: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", line))

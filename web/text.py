"""The sentences only the web pages say. Everything the bot also says comes from replies.messages and
bot.browse_text, so both surfaces answer in the same words."""

from __future__ import annotations

from replies.messages import FACET_COUNT as FACET_COUNT  # the facets' words, shared with the command line
from replies.messages import FACET_SOURCES as FACET_SOURCES
from replies.messages import FACET_YEARS as FACET_YEARS
from replies.messages import NARROWED_TO as NARROWED_TO
from replies.messages import Hints
from retrieval.models import BULLETIN_TITLE

SITE_NAME = f"{BULLETIN_TITLE}档案"
SKIP_LINK = "跳到正文"
SEARCH_LABEL = "查询简报"
SEARCH_PLACEHOLDER = "例如：丰台区创城建立了哪些工作机制？"
SEARCH_BUTTON = "查询"
HOME_INTRO = "输入问题，找出回答它的段落，并注明出自哪一期、哪一页。问题里写出年份、月份或期号，只在这些期里查找。"
EXAMPLES_HEADING = "可以这样问"
LATEST_HEADING = "最新一期"
YEARS_HEADING = "按年份浏览"
ALL_YEARS = "全部年份"
ANSWER_TITLE = "“{question}”的查询结果"
ARTICLES_HEADING = "本期文章"
DOWNLOAD_ORIGINAL = "下载原文"
ISSUE_TITLE = "总第{total}期（{year}年第{number}期）"
PREVIOUS_ISSUE = "‹ 上一期：总第{total}期"
NEXT_ISSUE = "下一期：总第{total}期 ›"
ISSUE_NAV = "前后各期"
OPEN_ISSUE = "查看本期"
READ_ARTICLE = "阅读全文"
COPY_CITATION = "复制引用"
COPIED = "引用已复制到剪贴板。"
COPY_FAILED = "无法自动复制，请选中上面的引用文字后复制。"
CITATION_HEADING = "引用"
GBT7714_HEADING = "GB/T 7714—2015 格式（期刊论文参考文献）"
COPY_GBT7714 = "复制 GB/T 7714 引用"
EXPORT_WORD = "导出 Word"
EXPORT_ISSUE_DETAILS = "全部文章的全文，附简报格式和 GB/T 7714 格式的引用"
EXPORT_WITHOUT_QUESTION = "请先输入问题，再导出查询结果。"
BAD_EXPORT_LIMIT = "导出条数应是 1 到 {limit} 之间的整数，如 limit=10。"
PAGER_LABEL = "翻页"
FACETS_LABEL = "按年份、来源筛选结果"
MORE_SOURCES = "另有 {count} 个来源"
# The last page a list pages to, when the list holds more: the facets reach the rest.
PAGES_CAPPED = "按相关度只列出前 {shown} 篇，其余 {rest} 篇可按下面的年份或来源查看。"
ALL_RESULTS = "查看全部结果"
FOOTER = "本站只供查阅，不收集任何信息。"

# Errors: the heading of each status, and what a page says when nothing more specific is known.
ERROR_TITLES = {
    400: "请求有误",
    404: "没有找到",
    405: "不支持的操作",
    408: "请求超时",
    429: "请求太频繁",
    500: "出错了",
    503: "档案暂时无法使用",
}
ERROR_TEXTS = {
    400: "这个请求无法处理，请检查网址。",
    404: "没有这个页面。可以从首页查询，或按年份浏览。",
    405: "本站只能浏览和查询，不能提交或修改内容。",
    408: "请求发送得太慢，连接已断开，请重新打开页面。",
    429: "请求太频繁了，请稍后再试。",
    500: "抱歉，处理这个请求时出了问题，请稍后再试。",
    503: "档案暂时无法使用，请稍后再试。",
}
# The no-answer hints' ends, pointing at pages instead of the bot's commands.
HINTS = Hints(latest="，或从首页查看最新一期。", show_issue="要查看整期，请打开总第{total}期。")
QUESTION_TOO_LONG = "问题太长了（{length} 字），请缩短到 {limit} 字以内再查询。"
BAD_PAGE = "页码应是正整数，如 page=2。"
BAD_YEAR = "年份应是四位数字，如 year=2022。"
BAD_SOURCE = "来源过长，请从结果页的“来源”列表中选择。"
NOT_AN_ISSUE = "“{text}”不是期号。期号写作总期号（如 2202）或年份-期号（如 2022-10）。"
NOT_AN_ARTICLE = "没有这篇文章。可以从首页查询，或按年份浏览。"
NOT_A_YEAR = "“{text}”不是年份。年份写作四位数字，如 2022。"
YEAR_OUT_OF_RANGE = "“{year}”不像简报的年份。可以从全部年份中选择。"
YEAR_PAGE_GONE = "{year}年的简报没有第{page}页，请从这一年的第1页看起。"

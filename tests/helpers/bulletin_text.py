"""Builds bulletin texts for tests from a header, articles and footer, so each variant is small."""

from __future__ import annotations

HEADER = "首都精神文明建设情况简报\n\n第 6 期\n\n(总第 2165 期)\n\n首都精神文明办\n\n2021 年 3 月 12 日\n\n"
FOOTER = (
    "\n\n责编:梅雪峰\n\n核稿:吕俊超\n\n电话:55569506\n\n传真:55569505\n\n邮箱:jswmzhxtc@163.com\n\n"
    "报:中央文明办,首都文明委主任、副主任。\n\n送:首都文明委委员。\n\n发:各区文明办,有关新闻单位。\n"
)
ARTICLE_WITH_HEADING = (
    "朝阳区 推进垃圾分类 入户宣传\n\n"
    "朝阳区组织志愿者深入社区,开展垃圾分类入户宣传,覆盖居民十二万户。各街道建立桶前值守制度,"
    "引导居民正确投放。\n\n(朝阳区文明办)"
)
ARTICLE_RUN_IN = (
    "海淀区开展文明交通劝导活动。海淀区组织三百名志愿者在重点路口开展文明交通劝导,"
    "纠正闯红灯等不文明行为,倡导礼让斑马线。\n\n（海淀区文明办）"
)


def bulletin(
    body: str = ARTICLE_WITH_HEADING + "\n\n" + ARTICLE_RUN_IN, header: str = HEADER, footer: str = FOOTER
) -> str:
    return header + body + footer

"""A topic over the years, checked against the development archive's bulletins as read by hand.

垃圾分类 in data/eval/dev-archive/bulletins/ (2019-2025, 24 issues): the articles about it, read
one by one, are those that take it up as a task or a subject: 石景山区's 百日攻坚 (2103) and
和平里's 撤桶并站 (2108) in 2019; 朝阳区's 生活垃圾管理条例 (2131) in 2020; the 2020 test results
that name it (2158) in 2021; none in 2022; the 2023 key tasks (2231) and 海淀区's 绿色账户 (2250) in
2023; 延庆区's 文明积分超市 (2270) in 2024; 通州区's 智能回收 (2315) in 2025. Eight more mention
垃圾 in passing (垃圾清运, 乱扔垃圾) or 分类 alone, and are not about it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.answering.query import Query
from retrieval.answering.tiers import is_confident, topic_words_in
from retrieval.answering.trend import _confident_articles, holds_topic
from retrieval.archive import Archive
from retrieval.models import TrendYear
from retrieval.tokenize import Tokenizer
from tests.helpers import ROOT
from tests.helpers.bulletin_text import bulletin

DEV_BULLETINS = ROOT / "data" / "eval" / "dev-archive" / "bulletins"

GARBAGE_SORTING = (
    TrendYear(2019, 2, (2103, 2108)),
    TrendYear(2020, 1, (2131,)),
    TrendYear(2021, 1, (2158,)),
    TrendYear(2022, 0, ()),
    TrendYear(2023, 2, (2231, 2250)),
    TrendYear(2024, 1, (2270,)),
    TrendYear(2025, 1, (2315,)),
)


@pytest.fixture(scope="module")
def dev_archive(tmp_path_factory: pytest.TempPathFactory, tokenizer: Tokenizer):
    with Archive(tmp_path_factory.mktemp("trend") / "archive.db", tokenizer) as archive:
        reports = list(archive.ingest([DEV_BULLETINS]))
        assert [r.error for r in reports] == [None] * 24
        yield archive


def test_the_trend_of_a_recurring_topic_is_what_reading_the_bulletins_gives(dev_archive: Archive) -> None:
    trend = dev_archive.trend("垃圾分类")
    assert trend.topic == "垃圾分类"
    assert trend.years == GARBAGE_SORTING
    assert trend.articles == 8
    assert trend.span == (2019, 2025)
    assert not trend.empty_topic


def test_an_article_mentioning_only_part_of_the_topic_is_not_counted(dev_archive: Archive) -> None:
    """门头沟区's 文明实践 article (2103) names 垃圾清运 once; 朝阳区's 奥林匹克中心区 article, the
    only one of 2022 with 垃圾 (乱扔垃圾), neither: the tier alone would count both."""
    issue_2103 = dev_archive.issue(2103)
    mentions = [a for a in issue_2103.articles if "垃圾" in a.text and "垃圾分类" not in a.text]
    assert [a.title for a in mentions] == ["门头沟区实现新时代文明实践所站全覆盖"]
    assert dev_archive.trend("垃圾分类").years[0].articles == 2  # 石景山区 and 和平里, not 门头沟区
    issue_2195 = dev_archive.issue(2195)
    assert any("垃圾" in a.text for a in issue_2195.articles)
    assert dev_archive.trend("垃圾分类").years[3] == TrendYear(2022, 0, ())


def test_an_article_with_several_passages_counts_once(dev_archive: Archive) -> None:
    """Every article counted holds the topic; the counts are articles, never passages."""
    trend = dev_archive.trend("志愿服务")
    for year in trend.years:
        held = [
            a
            for total in year.issues
            for a in dev_archive.issue(total).articles
            if "志愿服务" in a.title + a.text or "志愿" in a.title + a.text
        ]
        assert year.articles <= len(held)
    assert trend.articles == sum(y.articles for y in trend.years) > 0


def test_a_year_in_the_topic_is_dropped_and_every_held_year_is_listed(dev_archive: Archive) -> None:
    assert dev_archive.trend("2022年垃圾分类").years == GARBAGE_SORTING
    assert [y.year for y in dev_archive.trend("不存在的话题名称").years] == list(range(2019, 2026))


@pytest.mark.parametrize("topic", ["", "   ", "的了吗"])
def test_an_empty_topic_has_zeros_and_says_so(dev_archive: Archive, topic: str) -> None:
    trend = dev_archive.trend(topic)
    assert trend.empty_topic
    assert [y.articles for y in trend.years] == [0] * 7
    assert trend.span is None


def test_an_empty_archive_has_no_years(empty_archive: Archive) -> None:
    trend = empty_archive.trend("垃圾分类")
    assert trend.years == () and trend.articles == 0 and trend.span is None


def test_a_long_passage_article_counts_once(tmp_path: Path, tokenizer: Tokenizer) -> None:
    """An article cut into several passages, each about the topic, is one article of its year."""
    paragraph = "社区开展垃圾分类宣传和桶前值守，居民参与垃圾分类，分出厨余垃圾。" * 12
    body = "朝阳区深化垃圾分类工作\n\n" + "\n\n".join([paragraph] * 8) + "\n\n(朝阳区文明办)"
    path = tmp_path / "long.txt"
    path.write_text(bulletin(body), encoding="utf-8")
    with Archive(tmp_path / "a.db", tokenizer) as archive:
        [report] = list(archive.ingest([path]))
        assert report.error is None and report.passages > 1
        assert archive.trend("垃圾分类").years == (TrendYear(2021, 1, (2165,)),)


def _reference_articles(archive: Archive, topic: str) -> set[int]:
    """The decision passage by passage, on each passage's normalized title and text: the tier's
    is_confident and holds_topic, with no shortcut through the index."""
    query = Query.of(archive.tokenizer, topic)
    store = archive.store
    scored = store.index.search(query.weights, store.passage_count()).top(store.passage_count())
    places = store.passage_pages(scored.ids.tolist())
    titles = store.articles({p[0] for p in places.values()})
    found = set()
    for pid, cover in zip(scored.ids.tolist(), scored.coverage.tolist()):
        article_id, _, text, _, _ = places[pid]
        normal = archive.tokenizer.normalize(titles[article_id][0] + "\n" + text)
        if is_confident(cover, topic_words_in(query, normal)) and holds_topic(query, normal):
            found.add(article_id)
    return found


@pytest.mark.parametrize(
    "topic",
    [
        "垃圾分类",
        "志愿服务",
        "文明城区创建",
        "背街小巷",
        "控烟",
        "新时代文明实践",
        "垃圾分类工作取得了哪些成效",
        "文明",
    ],
)
def test_the_index_shortcut_decides_as_reading_every_passage_would(dev_archive: Archive, topic: str) -> None:
    query = Query.of(dev_archive.tokenizer, topic)
    fast = {article for article, _, _ in _confident_articles(dev_archive.store, dev_archive.tokenizer, query)}
    assert fast == _reference_articles(dev_archive, topic)

"""GB/T 7714-2015 citations of an article, against strings derived from the standard's own rules
and its examples for articles in serials (§4.4; 连续出版物中的析出文献)."""

from __future__ import annotations

import datetime as dt

import pytest

from replies.citations import gbt7714, responsible_party
from retrieval.models import IssueRef

ISSUE_2202 = IssueRef(total=2202, number=10, year=2022, date=dt.date(2022, 4, 29), issuer="首都精神文明办")
FENGTAI = "丰台区凝心聚力全力以赴打好创建全国文明城市主动仗"


def ref(year: int, number: int) -> IssueRef:
    return IssueRef(total=1, number=number, year=year, date=dt.date(year, 1, 1), issuer="首都精神文明办")


def test_the_bulletins_article_in_the_standards_form() -> None:
    assert (
        gbt7714(ISSUE_2202, FENGTAI, "丰台区文明办", 3)
        == "丰台区文明办. 丰台区凝心聚力全力以赴打好创建全国文明城市主动仗[J]. 首都精神文明建设情况简报, 2022(10): 3."
    )


# The standard's examples of serial articles, each with its volume dropped (the bulletin has none:
# 年, 卷(期) becomes 年(期)) and its page range cut to the first page (the page a quote starts on).
STANDARD_EXAMPLES = [
    # 李炳穆. 韩国图书馆法[J]. 图书情报工作, 2008, 52(6): 6-12.
    ("李炳穆", "韩国图书馆法", "图书情报工作", 2008, 6, 6, "李炳穆. 韩国图书馆法[J]. 图书情报工作, 2008(6): 6."),
    # 袁训来, 陈哲, 肖书海, 等. 蓝田生物群: 一个认识多细胞生物起源和早期演化的新窗口[J]. 科学通报, 2012, 55(24): 3219.
    (
        "袁训来、陈哲、肖书海、张三",
        "蓝田生物群: 一个认识多细胞生物起源和早期演化的新窗口",
        "科学通报",
        2012,
        24,
        3219,
        "袁训来, 陈哲, 肖书海, 等. 蓝田生物群: 一个认识多细胞生物起源和早期演化的新窗口[J]. 科学通报, 2012(24): 3219.",
    ),
    # KANAMORI H. Shaking without quaking[J]. Science, 1998, 279(5359): 2063.
    (
        "KANAMORI H",
        "Shaking without quaking",
        "Science",
        1998,
        5359,
        2063,
        "KANAMORI H. Shaking without quaking[J]. Science, 1998(5359): 2063.",
    ),
    # 储大同. 恶性肿瘤个体化治疗靶向药物的临床表现[J]. 中华肿瘤杂志, 2010, 32(10): 721-724.
    (
        "储大同",
        "恶性肿瘤个体化治疗靶向药物的临床表现",
        "中华肿瘤杂志",
        2010,
        10,
        721,
        "储大同. 恶性肿瘤个体化治疗靶向药物的临床表现[J]. 中华肿瘤杂志, 2010(10): 721.",
    ),
]


@pytest.mark.parametrize(("author", "title", "serial", "year", "number", "page", "expected"), STANDARD_EXAMPLES)
def test_the_standards_own_serial_examples(author, title, serial, year, number, page, expected) -> None:
    assert gbt7714(ref(year, number), title, author, page, serial=serial) == expected


def test_without_a_page_the_page_and_its_colon_are_left_out() -> None:
    assert (
        gbt7714(ISSUE_2202, FENGTAI, "丰台区文明办")
        == f"丰台区文明办. {FENGTAI}[J]. 首都精神文明建设情况简报, 2022(10)."
    )


def test_without_an_office_the_citation_starts_with_the_title() -> None:
    assert gbt7714(ISSUE_2202, FENGTAI, None, 3) == f"{FENGTAI}[J]. 首都精神文明建设情况简报, 2022(10): 3."
    assert gbt7714(ISSUE_2202, FENGTAI, "  ", 3).startswith(f"{FENGTAI}[J]. ")


def test_the_bulletins_own_editors_are_its_issuing_office() -> None:
    assert gbt7714(ISSUE_2202, "工作要点", "本刊").startswith("首都精神文明办. 工作要点[J]. ")


def test_offices_are_listed_with_commas_and_past_three_cut_with_deng() -> None:
    assert responsible_party(ISSUE_2202, "精神文明综合协调处、精神文明创建活动指导处") == (
        "精神文明综合协调处, 精神文明创建活动指导处"
    )
    assert responsible_party(ISSUE_2202, "东城区文明办，西城区文明办、朝阳区文明办、海淀区文明办") == (
        "东城区文明办, 西城区文明办, 朝阳区文明办, 等"
    )


def test_a_title_keeps_its_book_marks_and_english() -> None:
    title = "学习贯彻《北京市文明行为促进条例》 推进 Civility Beijing 行动"
    assert gbt7714(ISSUE_2202, title, "市文明办", 1) == (
        f"市文明办. {title}[J]. 首都精神文明建设情况简报, 2022(10): 1."
    )


def test_a_title_is_one_line_without_a_chinese_full_stop_before_its_type() -> None:
    assert (
        gbt7714(ISSUE_2202, "  文明 创建\n再出发。 ", None)
        == "文明 创建 再出发[J]. 首都精神文明建设情况简报, 2022(10)."
    )
    assert gbt7714(ref(2021, 3), "Volunteers Inc.", None).startswith("Volunteers Inc.[J]. ")


def test_the_total_issue_number_may_be_noted_after_the_issue() -> None:
    assert gbt7714(ISSUE_2202, FENGTAI, "丰台区文明办", 3, total=True).endswith("2022(10)(总第2202期): 3.")

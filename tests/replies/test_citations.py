"""GB/T 7714-2015 citations of an article, against the standard's own examples of articles in
serials (§4.4.2, §6.1 示例3, §8.1.3, Appendix A.8) and its rules for parties, issues and pages.

The examples are as the standard prints them in its half-width form, taken from a transcription
of its text and checked against a BibTeX style's rendering of the same entries; where an example
lists more parties than it names, a fourth is supplied so that the cut to three is exercised.
"""

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


# (responsible parties as a source would give them, title, serial, year, volume, issue, pages, the standard's line)
STANDARD_EXAMPLES = [
    (  # A.8 [1]: a year and an issue, no volume, as the bulletin has
        "杨洪升",
        "四库馆私家抄校书考略",
        "文献",
        (2013, None, 1, 56, 75),
        "杨洪升. 四库馆私家抄校书考略[J]. 文献, 2013(1): 56-75.",
    ),
    (  # §6.1 示例3: a body as the responsible party, no volume, as the bulletin's offices
        "上海市食品药品监督管理局课题组",
        "互联网药品经营现状和监管机制的研究",
        "上海食品药品监管情报研究",
        (2008, None, 1, 8, 11),
        "上海市食品药品监督管理局课题组. 互联网药品经营现状和监管机制的研究[J]. 上海食品药品监管情报研究, 2008(1): 8-11.",
    ),
    (  # §6.1 示例3: two parties
        "熊平、吴颉",
        "从交易费用的角度谈如何构建药品流通的良性机制",
        "中国物价",
        (2005, None, 8, 42, 45),
        "熊平, 吴颉. 从交易费用的角度谈如何构建药品流通的良性机制[J]. 中国物价, 2005(8): 42-45.",
    ),
    (  # §4.4.2 [1]: more than three parties (§8.1.2), a volume, one page
        "袁训来、陈哲、肖书海、张三",
        "蓝田生物群: 一个认识多细胞生物起源和早期演化的新窗口",
        "科学通报",
        (2012, 55, 34, 3219, None),
        "袁训来, 陈哲, 肖书海, 等. 蓝田生物群: 一个认识多细胞生物起源和早期演化的新窗口[J]. 科学通报, 2012, 55(34): 3219.",
    ),
    (  # §4.4.2 [6]: Latin script
        "KANAMORI H",
        "Shaking without quaking",
        "Science",
        (1998, 279, 5359, 2063, None),
        "KANAMORI H. Shaking without quaking[J]. Science, 1998, 279(5359): 2063.",
    ),
    (  # §8.1.3: no party, the numeric system starts with the title
        None,
        "Coffee drinking and cancer of the pancreas",
        "Br Med J",
        (1981, 283, 6292, 628, None),
        "Coffee drinking and cancer of the pancreas[J]. Br Med J, 1981, 283(6292): 628.",
    ),
]


@pytest.mark.parametrize(("parties", "title", "serial", "numbers", "expected"), STANDARD_EXAMPLES)
def test_the_standards_own_examples_of_serial_articles(parties, title, serial, numbers, expected) -> None:
    year, volume, number, page, last_page = numbers
    cited = gbt7714(ref(year, number), title, parties, page, serial=serial, volume=volume, last_page=last_page)
    assert cited == expected


def test_past_three_latin_parties_end_with_et_al() -> None:
    """§4.4.2 [9]: MYBURG A A, GRATTAPAGLIA D, TUSKAN G A, et al."""
    parties = "MYBURG A A, GRATTAPAGLIA D, TUSKAN G A, HELLSTEN U"
    assert responsible_party(ISSUE_2202, parties) == "MYBURG A A, GRATTAPAGLIA D, TUSKAN G A, et al."


def test_an_article_on_one_page_is_cited_by_that_page_alone() -> None:
    assert gbt7714(ISSUE_2202, FENGTAI, "丰台区文明办", 3, last_page=3).endswith("2022(10): 3.")


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

"""Which sentence of a passage answers a question: its terms, and what the question asks for.

A question about a figure (多少, 几) is answered by a sentence with a number, best one with the unit
the question names (多少人 -> 人); 哪些/怎么/如何 by a sentence that lists measures (一是, 二是);
谁/哪个单位 by one that names a person or an office; 什么时候 by one with a date. A sentence earns
its kind's bonus only when it also holds some of the question's terms, so a figure elsewhere in the
article never outranks the sentence the question is about.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from enum import Enum
from itertools import accumulate

from ..index.bm25 import idf, impact

CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# Measure words and units a figure is counted in.
UNITS = "个名位家户条项次场人天年万千百所处座支批类种元吨件辆栋"


class Asks(Enum):
    FIGURE = "figure"
    MEASURES = "measures"
    WHO = "who"
    WHEN = "when"
    OTHER = "other"


# What a question asks for, by its interrogative (normalized, simplified text); first match wins.
_ASKS = (
    (Asks.WHEN, re.compile(r"什么时候|何时|哪一?年|哪一?天|哪一?月|几月|几号|哪个月|什么时间|多久|何年")),
    # What came of something (成效如何, 进展如何) is told in figures too.
    (Asks.FIGURE, re.compile(r"多少|几|多大|多高|多长|多远|多重|比例|比率|百分之|[多几]成|排第|成效|效果|进展|成果")),
    (
        Asks.WHO,
        re.compile(r"谁|哪位|哪个单位|哪家|哪些单位|哪个部门|哪些部门|什么人|叫什么|哪个区|哪些区|什么名字|名称"),
    ),
    (Asks.MEASURES, re.compile(r"哪些|怎么|怎样|如何|什么措施|什么做法|什么办法|采取了什么|做了什么")),
)
# Units a figure question may name, and what a sentence must show for it.
_UNIT = re.compile(rf"(?:多少|几)(?:个|名)?([{UNITS}公里平方米亿%])")
_RATIO = re.compile(r"比例|比率|百分之|率|占比|[多几]成")
_FIGURE = re.compile(rf"[0-9]+(?:\.[0-9]+)?|[{CHINESE_DIGITS}]{{2,}}|[{CHINESE_DIGITS}](?=[{UNITS}%])")
_PERCENT = re.compile(r"[0-9.]+%|百分之|成")
# Measures listed: 一是/二是, numbered items, or a run of three named things (A、B、C; “A”“B”“C”).
_LIST = re.compile(
    r"[一二三四五六七八九十]是|首先|其次|第[一二三四五六七八九十]|[（(][一二三四五六七八九十0-9][)）]|[0-9一二三四五六七八九十][.、](?![0-9])"
    r"|[^，。；、]{1,15}、[^，。；、]{1,15}、|”“[^”]{1,15}”“"
)
_DATE = re.compile(
    rf"[0-9{CHINESE_DIGITS}]+\s*(?:年|月|日|号)|今年|去年|春节|元旦|国庆|清明|端午|中秋|年初|年底|年末|上旬|中旬|下旬"
)
_NAME = re.compile(
    r"同志|先生|女士|老板|书记|主任|区长|局长|馆长|校长|老师|志愿者|[^，。、；]{2,12}(?:区|街道|社区|村|委员会|委|局|办|中心|协会|公司|学校|医院|馆|站|队)"
)

# Bonuses on a sentence's term score (scaled to the best sentence's: 1.0), fit on the dev halves of
# the development archive and CMRC (docs/quality.md).
KIND_BONUS = 0.5
UNIT_BONUS = 0.3
# A passage's first sentence says what it is about (a bulletin article's lead, an entry's
# definition): a small bonus when it holds any of the question's terms. 0.3-0.4 on both dev halves.
LEAD_BONUS = 0.3
# The question's terms its passage's title holds name what the passage is about: they chose the
# passage, and its sentences are told apart by the rest of the question (朱常浩的封地 -> 封地).
# Their weight is scaled by this share; 0.2 on the dev halves of both sets (docs/quality.md).
TITLE_TERM_SHARE = 0.2


def asks(normal_question: str) -> Asks:
    """What a (normalized) question asks for."""
    for kind, pattern in _ASKS:
        if pattern.search(normal_question):
            return kind
    return Asks.OTHER


def unit_of(normal_question: str) -> str | None:
    """The unit a figure question names: 人 for 多少人, % for 比例 or 百分之; None when it names none."""
    found = _UNIT.search(normal_question)
    if found:
        return found.group(1)
    return "%" if _RATIO.search(normal_question) else None


def shows(kind: Asks, sentence: str, unit: str | None = None) -> tuple[bool, bool]:
    """Whether a sentence shows what the kind asks for, and whether it has the unit asked for."""
    if kind is Asks.FIGURE:
        figures = [m for m in _FIGURE.finditer(sentence)]
        if not figures:
            return False, False
        if unit == "%":
            return True, bool(_PERCENT.search(sentence))
        if unit:
            return True, any(sentence[m.end() : m.end() + 3].find(unit) >= 0 for m in figures)
        return True, False
    if kind is Asks.MEASURES:
        return bool(_LIST.search(sentence)), False
    if kind is Asks.WHEN:
        return bool(_DATE.search(sentence)), False
    if kind is Asks.WHO:
        return bool(_NAME.search(sentence)), False
    return False, False


# Length normalisation of a sentence: weak, as a long sentence that holds the answer is no worse
# for being long (a short one that only names the subject must not win).
SENTENCE_B = 0.3


def sentence_scores(sentences: list[str], weights: dict[str, float]) -> list[float]:
    """BM25 of each (normalized) sentence over the question's terms, each term's weight also
    scaled by its IDF among the passage's sentences: the subject every sentence names (the
    person, the district) tells them apart less than the rest of the question. Terms are counted
    as substrings, so no sentence is segmented again."""
    if not sentences:
        return []
    lengths = [len(s) for s in sentences]
    average = sum(lengths) / len(sentences)
    scores = [0.0] * len(sentences)
    whole = "\n".join(sentences)  # terms hold no line break: no match spans two sentences
    starts = list(accumulate((n + 1 for n in lengths[:-1]), initial=0))
    for term, weight in weights.items():
        # Each occurrence found once in the whole text and given to its sentence: the same
        # non-overlapping counts as str.count per sentence, without a scan per sentence.
        found: dict[int, int] = {}
        at = whole.find(term) if term else -1
        while at >= 0:
            sentence = bisect_right(starts, at) - 1
            found[sentence] = found.get(sentence, 0) + 1
            at = whole.find(term, at + len(term))
        if not found:
            continue
        scale = weight * idf(len(sentences), len(found))
        for i, tf in found.items():
            scores[i] += scale * impact(tf, lengths[i], average, SENTENCE_B)
    return scores


def answer_scores(
    sentences: list[str], weights: dict[str, float], normal_question: str, normal_title: str = ""
) -> list[float]:
    """Each (normalized) sentence's score as the answer: its term score (terms of the title count
    for less), scaled so the best is 1, plus a bonus when it shows what the question asks for
    (and the unit it names), and one for the passage's first sentence."""
    if normal_title:
        weights = {t: w * TITLE_TERM_SHARE if t in normal_title else w for t, w in weights.items()}
    scores = sentence_scores(sentences, weights)
    top = max(scores, default=0.0)
    if top <= 0:
        return scores
    kind = asks(normal_question)
    unit = unit_of(normal_question) if kind is Asks.FIGURE else None
    out = []
    for i, (sentence, score) in enumerate(zip(sentences, scores)):
        value = score / top + (LEAD_BONUS if i == 0 and score > 0 else 0.0)
        if value > 0 and kind is not Asks.OTHER:
            shown, with_unit = shows(kind, sentence, unit)
            value += KIND_BONUS * shown + UNIT_BONUS * with_unit
        out.append(value)
    return out

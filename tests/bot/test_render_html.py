"""Telegram HTML rendering: anything the archive holds or a user types renders to a message
Telegram accepts (checked by the stand-in's parser), under 4,096 characters, with nothing lost."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render_html import (
    MESSAGE_LIMIT,
    answer_message,
    article_messages,
    issue_messages,
    source_caption,
    split_plain,
    utf16_length,
)
from replies import messages
from replies.citations import gbt7714
from replies.conversation import AnswerPage, ArticleView, SourceDocument
from replies.emphasis import emphasise
from retrieval.models import Answer, Footer, Hit, IssueRef, Match, SourceFile, StoredArticle, StoredIssue
from tests.bot_api_standin import format_text
from tests.helpers.properties import examples

REF = IssueRef(total=2202, number=10, year=2022, date=dt.date(2022, 4, 29), issuer="首都精神文明办")
# Anything a file or a user could carry: every script, emoji, HTML and entity syntax; no
# control characters (decoding and question cleaning remove those before rendering).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&;\n/\"'#"), max_size=300)
SPANS = st.lists(st.tuples(st.integers(0, 320), st.integers(0, 320)).map(sorted).map(tuple), max_size=6)


def telegram(html: str) -> tuple[str, list[dict]]:
    return format_text(html, "HTML")


def hit(title: str = "标题", excerpt: str = "摘录", source: str | None = "丰台区文明办", marks=()) -> Hit:
    return Hit(
        issue=REF, article_id=1, title=title, source=source, excerpt=excerpt, score=1.0, terms=(), marks=tuple(marks)
    )


def squeeze(text: str) -> str:
    return "".join(text.split())


def entity_texts(plain: str, entities: list[dict], kind: str) -> list[str]:
    units = plain.encode("utf-16-le")
    spans = [(2 * e["offset"], 2 * (e["offset"] + e["length"])) for e in entities if e["type"] == kind]
    return [units[start:end].decode("utf-16-le") for start, end in spans]


@given(text=TEXT, spans=SPANS)
def test_emphasis_keeps_the_text_and_bolds_exactly_the_marked_spans(text: str, spans) -> None:
    marks = tuple(sorted({(s, e) for s, e in spans if s < e <= len(text)}))
    marks = tuple(m for i, m in enumerate(marks) if i == 0 or m[0] >= marks[i - 1][1])  # non-overlapping
    text = text.strip()
    if not text:
        return
    marks = tuple((s, e) for s, e in marks if e <= len(text))
    plain, entities = telegram(emphasise(text, marks))
    assert plain.strip() == text.strip()
    assert all(e["type"] == "bold" for e in entities)
    assert "".join(entity_texts(plain, entities, "bold")) == "".join(text[s:e] for s, e in marks)


@given(text=TEXT, spans=SPANS, answer=st.tuples(st.integers(0, 320), st.integers(0, 320)).map(sorted).map(tuple))
def test_the_answer_sentence_is_bold_and_the_terms_underlined_wherever_they_fall(text: str, spans, answer) -> None:
    text = text.strip()
    if not text:
        return
    marks = tuple(sorted({(s, e) for s, e in spans if s < e <= len(text)}))
    marks = tuple(m for i, m in enumerate(marks) if i == 0 or m[0] >= marks[i - 1][1])
    start, end = min(answer[0], len(text)), min(answer[1], len(text))
    if start >= end or text[start:end].strip() != text[start:end] or text.strip() != text:
        return  # an answer sentence is stored without the spaces around it
    plain, entities = telegram(emphasise(text, marks, (start, end), term=("<u>", "</u>")))
    assert plain.strip() == text
    assert entity_texts(plain, entities, "bold") == [text[start:end]]
    assert "".join(entity_texts(plain, entities, "underline")) == "".join(text[s:e] for s, e in marks)


def test_an_answer_marks_its_sentence_and_a_weak_match_says_so() -> None:
    excerpt = "…形成了工作专班。共有120名志愿者参加。…"
    sentence = (excerpt.index("共有"), excerpt.index("参加。") + 3)
    answered = Hit(
        issue=REF, article_id=1, title="标题", source=None, excerpt=excerpt, score=1.0, terms=("志愿者",),
        marks=((excerpt.index("志愿者"), excerpt.index("志愿者") + 3),), answer=sentence,
    )  # fmt: skip
    html = answer_message(AnswerPage(Answer(question="有多少志愿者", hits=(answered,), match=Match.ANSWER)))
    assert "<b>共有120名<u>志愿者</u>参加。</b>" in html
    assert messages.RELATED_ONLY not in html
    weak = answer_message(AnswerPage(Answer(question="有多少志愿者", hits=(answered,), match=Match.RELATED)))
    assert telegram(weak)[0].startswith(messages.RELATED_ONLY)


@settings(max_examples=examples(150))
@given(question=TEXT, titles=st.lists(TEXT, min_size=1, max_size=5), excerpt=TEXT, source=st.none() | TEXT)
def test_any_answer_renders_to_one_valid_message(question: str, titles: list[str], excerpt: str, source) -> None:
    hits = tuple(
        hit(title=t, excerpt=excerpt, source=source, marks=((0, 2),) if len(excerpt) > 2 else ()) for t in titles
    )
    html = answer_message(AnswerPage(Answer(question=question, hits=hits)))
    plain, _ = telegram(html)
    assert utf16_length(plain) <= MESSAGE_LIMIT
    assert squeeze(excerpt) in squeeze(plain)


def test_hits_that_would_overflow_are_dropped_whole() -> None:
    long = "背街小巷🏙️" * 150  # 900 UTF-16 units each
    page = AnswerPage(Answer(question="背街小巷", hits=tuple(hit(title=f"第{i}篇", excerpt=long) for i in range(8))))
    plain, _ = telegram(answer_message(page))
    assert utf16_length(plain) <= MESSAGE_LIMIT
    shown = plain.count("背街小巷🏙️" * 150)
    assert 1 <= shown < 8 and f"{shown}. 第{shown - 1}篇" in plain and f"{shown + 1}. " not in plain


# Long paragraphs come from repeating short ones: with or without sentence ends, up to ~30,000 characters.
LONG = st.tuples(TEXT, st.sampled_from(["", "。", "！🚮"]), st.integers(1, 100)).map(lambda t: (t[0] + t[1]) * t[2])


@settings(max_examples=examples(60))
@given(paragraphs=st.lists(TEXT | LONG, min_size=1, max_size=6), title=TEXT)
def test_a_whole_article_splits_into_valid_messages_and_loses_nothing(paragraphs: list[str], title: str) -> None:
    article = StoredArticle(id=1, position=0, title=title or "标题", source="西城区文明办", text="\n".join(paragraphs))
    parts = [telegram(html)[0] for html in article_messages(ArticleView(article, REF))]
    assert all(utf16_length(p) <= MESSAGE_LIMIT for p in parts)
    if len(parts) > 1:
        assert all(f"（{i}/{len(parts)}）" in p.split("\n\n", 1)[0] for i, p in enumerate(parts[1:], start=2))
        parts = parts[:1] + [p.split("\n\n", 1)[1] for p in parts[1:]]  # continuation headers off
    assert squeeze(article.text) in squeeze("".join(parts))
    # The article ends with its citation, then its GB/T 7714 reference.
    cited, reference = parts[-1].rsplit("\n\n", 2)[-2:]
    assert cited.endswith("西城区文明办")
    assert reference == "参考文献（GB/T 7714—2015）：" + gbt7714(REF, article.title, article.source)


def test_an_issue_with_hundreds_of_articles_splits_into_valid_messages() -> None:
    articles = tuple(
        StoredArticle(id=i, position=i, title=f"第{i}篇<b>&" + "文明" * 60, source="某区文明办", text="正文")
        for i in range(300)
    )
    parts = issue_messages(StoredIssue(ref=REF, articles=articles, footer=Footer()))
    plains = [telegram(p)[0] for p in parts]
    assert len(plains) > 1 and all(utf16_length(p) <= MESSAGE_LIMIT for p in plains)
    assert sum(p.count("<b>&") for p in plains) == 300


@given(text=st.text(min_size=1, max_size=20000), limit=st.integers(2, 5000))  # 2: one astral character
def test_split_plain_respects_the_limit_and_keeps_every_character(text: str, limit: int) -> None:
    pieces = split_plain(text, limit)
    assert all(utf16_length(p) <= limit for p in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)


def test_continuation_headers_fit_even_when_every_title_character_counts_twice() -> None:
    title = "𠮷" * 150  # outside the Basic Multilingual Plane: two UTF-16 units each
    text = "\n".join(["丰台区𠮷开展文明创建。" * 400] * 3)
    article = StoredArticle(id=1, position=0, title=title, source="丰台区文明办", text=text)
    parts = [telegram(html)[0] for html in article_messages(ArticleView(article, REF))]
    assert len(parts) > 2 and all(utf16_length(p) <= MESSAGE_LIMIT for p in parts)


def test_citations_of_hits_and_articles_read_from_pages_name_the_page() -> None:
    paged = Hit(
        issue=REF, article_id=1, title="标题", source="丰台区文明办", excerpt="摘录", score=1.0, terms=(), page=3
    )
    plain, entities = telegram(answer_message(AnswerPage(Answer(question="摘录", hits=(paged, hit())))))
    first, second = [line for line in plain.splitlines() if line.startswith("——")]
    assert "第3页" in first and first.endswith("丰台区文明办") and "页" not in second
    article = StoredArticle(id=1, position=0, title="标题", source="丰台区文明办", text="正文", page=2)
    assert "第2页" in telegram(article_messages(ArticleView(article, REF))[-1])[0]


def test_the_source_files_caption_is_the_issue_label_under_1024_characters() -> None:
    document = SourceDocument(REF, SourceFile("ab" * 32, "扫描/总第2202期<定稿>&.pdf", "pdf", 10, 4), b"%PDF")
    plain, entities = format_text(source_caption(document), "HTML", limit=1024, what="message caption")
    assert plain == "《首都精神文明建设情况简报》2022年第10期（总第2202期）" and entities == []
    assert document.filename == "总第2202期<定稿>&.pdf"

"""Tokenizer, passages and excerpts: the units retrieval is built from."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.answering.answer_sentence import Asks, asks, unit_of
from retrieval.answering.excerpt import Excerpt, make_excerpt
from retrieval.ingest.chunk import MAX_CHARS, MIN_CHARS, chunk_paragraphs
from retrieval.tokenize import Tokenizer, nfkc
from tests.helpers.properties import examples

# Normalisation needs no jieba dictionary: one tokenizer for the property below, built at import.
ALIGNING_TOKENIZER = Tokenizer()


def test_tokens_fold_width_case_and_traditional_script(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("關於背街小巷環境") == tokenizer.tokens("关于背街小巷环境")
    assert tokenizer.tokens("ＡＢＣ１２３") == ["abc123"]


def test_domain_words_stay_whole_and_yield_their_parts(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.tokens("接诉即办和新时代文明实践中心")
    assert "接诉即办" in tokens and "新时代文明实践中心" in tokens
    assert {"文明实践", "文明实践中心", "新时代"} <= set(tokens)
    assert "文明城市" in tokenizer.tokens("创建全国文明城市")


def test_punctuation_and_question_words_are_dropped(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("丰台区有哪些做法？请问是什么！") == ["丰台", "台区", "丰台区", "做法"]


def test_passages_are_whole_sentences_within_bounds() -> None:
    sentence = "各区持续推进背街小巷环境精细化整治提升工作。"  # 22 characters
    paragraphs = [sentence * 9, sentence * 4, sentence * 30, sentence]
    passages = chunk_paragraphs(paragraphs)
    assert "".join(p.replace("\n", "") for p in passages) == "".join(paragraphs)
    for passage in passages:
        assert MIN_CHARS <= len(passage.replace("\n", "")) <= MAX_CHARS
        assert passage.endswith("。")


@given(st.lists(st.text(alphabet="创城背街小巷整治,。;!", min_size=1, max_size=900), min_size=1, max_size=6))
def test_passages_never_lose_text_or_exceed_the_maximum(paragraphs: list[str]) -> None:
    passages = chunk_paragraphs(paragraphs)
    assert "".join(p.replace("\n", "") for p in passages) == "".join(p.strip() for p in paragraphs).replace("\n", "")
    assert all(len(p.replace("\n", "")) <= MAX_CHARS for p in passages)


def test_excerpt_is_120_to_200_characters_around_the_answer_sentence(tokenizer: Tokenizer) -> None:
    filler = "全市各区持续开展公共文明引导行动,推动形成文明风尚。"
    sentence = "丰台区建立通报约谈机制,对排名靠后的单位进行约谈。"
    passage = filler * 4 + sentence + filler * 4
    excerpt = make_excerpt(passage, weights(tokenizer, "约谈机制"), tokenizer.normalize, "约谈机制")
    assert 120 <= len(excerpt.text.strip("…")) <= 200
    assert excerpt.text.startswith("…") and excerpt.text.endswith("…")
    assert excerpt.answer and excerpt.text[excerpt.answer[0] : excerpt.answer[1]] == sentence


def test_excerpt_of_a_short_passage_is_the_passage(tokenizer: Tokenizer) -> None:
    excerpt = make_excerpt("丰台区建立通报约谈机制。", {"约谈": 1.0}, tokenizer.normalize, "约谈")
    assert excerpt == Excerpt("丰台区建立通报约谈机制。", (0, 12))
    assert make_excerpt("丰台区建立通报约谈机制。", {"志愿": 1.0}, tokenizer.normalize).answer is None


def weights(tokenizer: Tokenizer, question: str) -> dict[str, float]:
    return dict.fromkeys(tokenizer.question_grams(question), 1.0)


# A passage whose sentences share the question's words about equally, each answering a different
# kind of question, and one answering none.
KINDS_PASSAGE = (
    "为推进生活垃圾分类,朝阳区今年持续发力。"
    "志愿者参加垃圾分类宣传,居民反响热烈。"
    "全区共有1.2万名志愿者参加垃圾分类宣传。"
    "志愿者垃圾分类宣传活动于2023年3月5日在朝阳公园启动。"
    "志愿者参加垃圾分类宣传,一是入户宣传,二是桶前值守,三是积分兑换。"
    "朝阳区文明办负责志愿者垃圾分类宣传的组织协调。"
)


@pytest.mark.parametrize(
    ("question", "kind", "answer"),
    [
        ("有多少名志愿者参加垃圾分类宣传？", Asks.FIGURE, "1.2万名"),
        ("志愿者垃圾分类宣传是什么时候开始的？", Asks.WHEN, "2023年3月5日"),
        ("志愿者参加垃圾分类宣传有哪些做法？", Asks.MEASURES, "一是入户宣传"),
        ("志愿者垃圾分类宣传由谁负责？", Asks.WHO, "朝阳区文明办负责"),
    ],
)
def test_the_answer_sentence_is_the_one_that_shows_what_the_question_asks(
    tokenizer: Tokenizer, question: str, kind: Asks, answer: str
) -> None:
    assert asks(tokenizer.normalize(question)) is kind
    normal = tokenizer.normalize(question)
    excerpt = make_excerpt(
        KINDS_PASSAGE, weights(tokenizer, question), tokenizer.normalize, normal, min_chars=10, max_chars=60
    )
    assert excerpt.answer is not None
    assert answer in excerpt.text[excerpt.answer[0] : excerpt.answer[1]]


def test_a_figure_question_prefers_the_figure_with_the_unit_it_asks_for(tokenizer: Tokenizer) -> None:
    question = "全区建了多少个垃圾分类驿站？"
    assert unit_of(tokenizer.normalize(question)) == "个"
    assert unit_of(tokenizer.normalize("垃圾分类的准确率比例有多高")) == "%"
    passage = "全区垃圾分类驿站覆盖120户居民。全区共建成垃圾分类驿站36个。"
    excerpt = make_excerpt(passage, weights(tokenizer, question), tokenizer.normalize, tokenizer.normalize(question))
    assert excerpt.answer and "36个" in excerpt.text[excerpt.answer[0] : excerpt.answer[1]]


def test_the_answer_sentence_is_told_apart_by_the_words_the_title_does_not_hold(tokenizer: Tokenizer) -> None:
    # The lead names the subject in full; the answer calls it 本线 and holds the rest of the question.
    title = "九龙巴士32M线"
    passage = (
        "九龙巴士32M线是香港新界的一条循环巴士路线,来往葵芳站及象山邨,全程约需四十五分钟。"
        "本线于1990年开办,起初以单层巴士行走,其后改用双层巴士。"
        "本线途经的乡村人口稀少,再加上受到专线小巴94线的竞争,非繁忙时间客量甚低。"
        "本线现时每日开出约四十班车。"
    )
    question = "九龙巴士32M线受到了哪一线路的竞争？"
    normal = tokenizer.normalize(question)
    args = (passage, weights(tokenizer, question), tokenizer.normalize, normal)
    untitled = make_excerpt(*args, min_chars=10, max_chars=60)
    titled = make_excerpt(*args, title, min_chars=10, max_chars=60)
    assert untitled.answer and "竞争" not in untitled.text[untitled.answer[0] : untitled.answer[1]]
    assert titled.answer and "专线小巴94线的竞争" in titled.text[titled.answer[0] : titled.answer[1]]


@settings(max_examples=examples(200), deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF, blacklist_categories=("Cs",)), max_size=60)
)
def test_aligned_normalisation_folds_each_character_as_a_whole_normalisation_would(text: str) -> None:
    tokenizer = ALIGNING_TOKENIZER
    folded, origin = tokenizer.normalize_aligned(text)
    pieces = [unicodedata.normalize("NFKC", ch).casefold() for ch in text]
    assert len(folded) == len(origin) == sum(map(len, pieces))
    assert origin == [i for i, piece in enumerate(pieces) for _ in piece]
    expected = "".join(pieces)
    simplified = tokenizer._converter.convert(expected)
    assert folded == (simplified if len(simplified) == len(expected) else expected)


@settings(max_examples=examples(500))
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",))
        | st.sampled_from("，。：；！？（）　ＡＢ１２％＆丰台区\u0301\u3099"),
        max_size=80,
    )
)
def test_the_fast_nfkc_is_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet="全国文明城市创建背街小巷垃圾分类志愿者服务2020年12", min_size=1, max_size=14))
def test_sub_words_are_every_dictionary_word_inside_a_word(tokenizer: Tokenizer, word: str) -> None:
    # Read off jieba's word graph; the same as trying every slice of the word against the dictionary.
    freq = tokenizer._segmenter().FREQ
    sliced = [
        word[i : i + n] for n in range(2, len(word)) for i in range(len(word) - n + 1) if freq.get(word[i : i + n])
    ]
    expected = [word] if len(word) <= 2 else sliced + [word]
    assert tokenizer._with_subwords(word) == expected


def test_a_long_run_of_digits_is_read_as_one_word(tokenizer: Tokenizer) -> None:
    # A question of 20,000 digits: one term and its dictionary sub-words, not every slice of it.
    words = tokenizer.question_words("1" * 20_000 + "有多少")
    assert "1" * 20_000 in words
    assert len(words) < 100

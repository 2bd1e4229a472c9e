"""Tokenizer, passages and excerpts: the units retrieval is built from."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.chunk import MAX_CHARS, MIN_CHARS, chunk_paragraphs
from retrieval.excerpt import make_excerpt
from retrieval.tokenize import Tokenizer

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


def test_excerpt_is_120_to_200_characters_around_the_best_sentence(tokenizer: Tokenizer) -> None:
    filler = "全市各区持续开展公共文明引导行动,推动形成文明风尚。"
    passage = filler * 4 + "丰台区建立通报约谈机制,对排名靠后的单位进行约谈。" + filler * 4
    excerpt = make_excerpt(passage, dict.fromkeys(tokenizer.tokens("约谈机制"), 1.0), tokenizer.normalize)
    assert "建立通报约谈机制" in excerpt
    assert 120 <= len(excerpt.strip("…")) <= 200
    assert excerpt.startswith("…") and excerpt.endswith("…")


def test_excerpt_of_a_short_passage_is_the_passage(tokenizer: Tokenizer) -> None:
    assert make_excerpt("丰台区建立通报约谈机制。", {"约谈": 1.0}, tokenizer.normalize) == "丰台区建立通报约谈机制。"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF, blacklist_categories=("Cs",)), max_size=60))
def test_aligned_normalisation_folds_each_character_as_a_whole_normalisation_would(text: str) -> None:
    tokenizer = ALIGNING_TOKENIZER
    folded, origin = tokenizer.normalize_aligned(text)
    pieces = [unicodedata.normalize("NFKC", ch).casefold() for ch in text]
    assert len(folded) == len(origin) == sum(map(len, pieces))
    assert origin == [i for i, piece in enumerate(pieces) for _ in piece]
    expected = "".join(pieces)
    simplified = tokenizer._converter.convert(expected)
    assert folded == (simplified if len(simplified) == len(expected) else expected)
